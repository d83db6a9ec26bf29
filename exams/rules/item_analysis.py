"""Item analysis of a sat paper: how hard each item was, whether it separates strong from weak
candidates, how its options were chosen, and how reliable the paper is as a whole.

Input: a matrix of credits (candidates x items, each in [0, 1], Fraction or float) and, for choice
items, a `ChoiceData` (options, keys, each candidate's picks). Per item:

- facility: the mean credit;
- discrimination: the corrected item-total correlation, Pearson r between the item's credit and the
  candidate's total without that item; None when either side has zero variance or there is one
  candidate;
- distractors: how many candidates picked each option, and how many gave no answer.

For the paper: KR-20 when every credit is 0 or 1, Cronbach's alpha otherwise (the same formula with
population variances; KR-20 is alpha for dichotomous items), None when it is undefined (fewer than
2 items or candidates, or totals without variance).

Flags: facility < 0.2 or > 0.95; discrimination < 0.2 (negative is its own flag); a distractor nobody
picked; a distractor picked by more of the top third (the ceil(n/3) highest totals, ties broken by
input order) than the least-picked key.

Statistics, so floats (variances below 1e-12 count as zero, to absorb rounding); results rounded to 3
places, flags decided before rounding. Raises ValueError for an empty or ragged matrix, a credit outside
[0, 1], or choice data that does not fit the matrix.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

FACILITY_LOW = 0.2
FACILITY_HIGH = 0.95
DISCRIMINATION_LOW = 0.2
ZERO_VARIANCE = 1e-12
PLACES = 3


class ItemFlag(StrEnum):
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    LOW_DISCRIMINATION = "low_discrimination"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    UNUSED_DISTRACTOR = "unused_distractor"
    DISTRACTOR_BEATS_KEY = "distractor_beats_key"


class ReliabilityMethod(StrEnum):
    KR20 = "kr20"
    ALPHA = "alpha"


@dataclass(frozen=True)
class ChoiceData:
    """A choice item's options, its key(s), and each candidate's picks (a key, a set, or None)."""

    options: tuple[str, ...]
    keys: frozenset[str]
    picks: tuple[frozenset[str], ...]

    def __post_init__(self) -> None:
        picks = tuple(_as_picks(pick) for pick in self.picks)
        object.__setattr__(self, "keys", _as_picks(self.keys))
        object.__setattr__(self, "picks", picks)
        known = set(self.options)
        if len(known) != len(self.options) or not self.keys or not self.keys <= known:
            raise ValueError("keys must be among distinct options")
        if any(not pick <= known for pick in picks):
            raise ValueError("a pick names an unknown option")


def _as_picks(pick: object) -> frozenset[str]:
    if pick is None:
        return frozenset()
    if isinstance(pick, str):
        return frozenset({pick})
    if isinstance(pick, frozenset | set | tuple | list):
        return frozenset(pick)
    raise ValueError(f"a pick must be an option key, a set of them or None, not {pick!r}")


@dataclass(frozen=True)
class Distractors:
    counts: tuple[tuple[str, int], ...]  # (option, candidates who picked it), in option order
    no_answer: int
    unused: tuple[str, ...]  # distractors nobody picked
    beats_key: tuple[str, ...]  # distractors the top third preferred to a key


@dataclass(frozen=True)
class ItemStats:
    index: int
    facility: float
    discrimination: float | None
    distractors: Distractors | None
    flags: tuple[ItemFlag, ...]


@dataclass(frozen=True)
class PaperAnalysis:
    candidates: int
    items: tuple[ItemStats, ...]
    reliability: float | None
    reliability_method: ReliabilityMethod


def analyse_paper(
    credits: Sequence[Sequence[Fraction | float | int]], choices: Sequence[ChoiceData | None] | None = None
) -> PaperAnalysis:
    """Analyse every item and the paper's reliability; see the module docstring for the rules."""
    matrix = _matrix(credits)
    count = len(matrix[0])
    choices = list(choices) if choices is not None else [None] * count
    if len(choices) != count or any(c is not None and len(c.picks) != len(matrix) for c in choices):
        raise ValueError("choices must give one entry per item and one pick per candidate")
    totals = [math.fsum(row) for row in matrix]
    top = _top_third(totals)
    items = tuple(
        _item_stats(index, [row[index] for row in matrix], totals, choices[index], top) for index in range(count)
    )
    dichotomous = all(value in (0.0, 1.0) for row in matrix for value in row)
    return PaperAnalysis(
        candidates=len(matrix),
        items=items,
        reliability=_rounded(_alpha(matrix, totals)),
        reliability_method=ReliabilityMethod.KR20 if dichotomous else ReliabilityMethod.ALPHA,
    )


def _matrix(credits: Sequence[Sequence[Fraction | float | int]]) -> list[list[float]]:
    if not credits or not credits[0]:
        raise ValueError("need at least one candidate and one item")
    width = len(credits[0])
    matrix = []
    for row in credits:
        if len(row) != width:
            raise ValueError("every candidate needs a credit for every item")
        values = [float(value) for value in row]
        if not all(0.0 <= value <= 1.0 for value in values):  # also refuses NaN
            raise ValueError("credits must be in [0, 1]")
        matrix.append(values)
    return matrix


def _item_stats(
    index: int, column: list[float], totals: list[float], choice: ChoiceData | None, top: list[int]
) -> ItemStats:
    facility = math.fsum(column) / len(column)
    discrimination = _pearson(column, [total - value for total, value in zip(totals, column, strict=True)])
    distractors = _distractors(choice, top) if choice is not None else None
    flags = _flags(facility, discrimination, distractors)
    return ItemStats(index, round(facility, PLACES), _rounded(discrimination), distractors, flags)


def _flags(facility: float, discrimination: float | None, distractors: Distractors | None) -> tuple[ItemFlag, ...]:
    flags = []
    if facility < FACILITY_LOW:
        flags.append(ItemFlag.TOO_HARD)
    if facility > FACILITY_HIGH:
        flags.append(ItemFlag.TOO_EASY)
    if discrimination is not None and discrimination < 0:
        flags.append(ItemFlag.NEGATIVE_DISCRIMINATION)
    elif discrimination is not None and discrimination < DISCRIMINATION_LOW:
        flags.append(ItemFlag.LOW_DISCRIMINATION)
    if distractors is not None and distractors.unused:
        flags.append(ItemFlag.UNUSED_DISTRACTOR)
    if distractors is not None and distractors.beats_key:
        flags.append(ItemFlag.DISTRACTOR_BEATS_KEY)
    return tuple(flags)


def _distractors(choice: ChoiceData, top: list[int]) -> Distractors:
    def picked_by(option: str, candidates: Sequence[int]) -> int:
        return sum(option in choice.picks[candidate] for candidate in candidates)

    everyone = range(len(choice.picks))
    counts = tuple((option, picked_by(option, everyone)) for option in choice.options)
    wrong = [option for option in choice.options if option not in choice.keys]
    weakest_key = min(picked_by(key, top) for key in choice.keys)
    return Distractors(
        counts=counts,
        no_answer=sum(not pick for pick in choice.picks),
        unused=tuple(option for option, picked in counts if option in wrong and picked == 0),
        beats_key=tuple(option for option in wrong if picked_by(option, top) > weakest_key),
    )


def _top_third(totals: list[float]) -> list[int]:
    ranked = sorted(range(len(totals)), key=lambda candidate: -totals[candidate])
    return ranked[: math.ceil(len(totals) / 3)]


def _sum_of_squares(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.fsum((value - mean) ** 2 for value in values)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson r, or None when there are fewer than 2 values or either side is constant."""
    if len(xs) < 2:
        return None
    sxx, syy = _sum_of_squares(xs), _sum_of_squares(ys)
    if sxx < ZERO_VARIANCE or syy < ZERO_VARIANCE:
        return None
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def _alpha(matrix: list[list[float]], totals: list[float]) -> float | None:
    """k/(k-1) x (1 - sum of item variances / total variance), population variances; None if undefined."""
    count = len(matrix[0])
    if count < 2 or len(matrix) < 2:
        return None
    total_ss = _sum_of_squares(totals)
    if total_ss < ZERO_VARIANCE:
        return None
    items_ss = math.fsum(_sum_of_squares([row[index] for row in matrix]) for index in range(count))
    return count / (count - 1) * (1 - items_ss / total_ss)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, PLACES)
