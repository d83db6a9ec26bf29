"""How a panel's judgement scores (0–3 each) become one score, configurable per event.

- WorldSkills style (`worldskills`): 3 judges. The largest difference between any two scores must not
  exceed `max_gap` (default 1). A larger gap blocks the result and forces a recorded re-vote; within the
  gap the score is the mean of the three (e.g. 2, 3, 3 → 8/3).
- Chinese panel style (`panel`): 5 judges. Drop one highest and one lowest score, average the other three
  (e.g. 0, 2, 2, 3, 3 → (2 + 2 + 3) / 3 = 7/3). No gap rule: the trimming is the protection.

Objective aspects (measurement readings, deductions, red lines) are not averaged: every panel judge who
recorded a value must have recorded the same value, otherwise they disagree and must correct it.
Scores are exact Fractions.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

DEFAULT_MAX_GAP = 1


class AggregationRule(StrEnum):
    WORLDSKILLS = "worldskills"
    PANEL = "panel"


PANEL_SIZE = {AggregationRule.WORLDSKILLS: 3, AggregationRule.PANEL: 5}


class AggregateStatus(StrEnum):
    INCOMPLETE = "incomplete"  # not every panel judge has scored yet
    REVOTE = "revote"  # the gap rule was broken: a new round is needed
    DONE = "done"


@dataclass(frozen=True)
class Aggregate:
    status: AggregateStatus
    score: Fraction | None  # set only when DONE
    spread: int  # highest minus lowest score seen (0 with fewer than two)


def _check_scores(scores: Sequence[int]) -> list[int]:
    out = []
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, int | Decimal) or score not in (0, 1, 2, 3):
            raise ValueError(f"a judgement score must be 0, 1, 2 or 3, not {score!r}")
        out.append(int(score))
    return out


def aggregate(rule: AggregationRule | str, scores: Sequence[int], *, max_gap: int = DEFAULT_MAX_GAP) -> Aggregate:
    """Combine one round of a panel's scores; see the module docstring for each rule.

    Raises ValueError for more scores than the panel has, a score outside 0–3, or a negative gap.
    """
    rule = AggregationRule(rule)
    values = _check_scores(scores)
    size = PANEL_SIZE[rule]
    if len(values) > size:
        raise ValueError(f"{rule} takes {size} scores, not {len(values)}")
    if isinstance(max_gap, bool) or not isinstance(max_gap, int) or max_gap < 0:
        raise ValueError(f"max_gap must be an int >= 0, not {max_gap!r}")
    spread = max(values) - min(values) if values else 0
    if len(values) < size:  # judges score independently: the gap is judged on the full round only
        return Aggregate(AggregateStatus.INCOMPLETE, None, spread)
    if rule is AggregationRule.WORLDSKILLS and spread > max_gap:
        return Aggregate(AggregateStatus.REVOTE, None, spread)
    kept = sorted(values)[1:-1] if rule is AggregationRule.PANEL else values
    return Aggregate(AggregateStatus.DONE, Fraction(sum(kept), len(kept)), spread)


@dataclass(frozen=True)
class Agreement:
    value: Decimal | None  # the agreed value, when at least one judge recorded and all agree
    disagree: bool


def agree(values: Sequence[Decimal]) -> Agreement:
    """Objective aspects: the value when every recording judge recorded the same one."""
    distinct = set(values)
    if len(distinct) > 1:
        return Agreement(None, True)
    return Agreement(next(iter(distinct)) if distinct else None, False)
