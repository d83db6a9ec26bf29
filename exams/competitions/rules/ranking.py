"""Weighted totals and ranks with a declared, deterministic tie-break chain.

total = theory% × theory_weight / 100 + practical% × practical_weight / 100 (weights sum to 100; a
missing theory result counts as 0).

Ranking, as declared on the results page:

1. Higher total first. Totals, practical and theory scores are compared as published, rounded half up
   to 0.01, so two totals that look equal are equal.
2. Still equal: the event's tie-break chain, in its order (default practical → time → theory): higher
   practical score, then shorter working time (a competitor without a recorded time comes after any
   with one), then higher theory score.
3. Still equal after the whole chain: a shared rank (1, 2, 2, 4). Shared competitors are listed by key.

`decided_by` on each row names the criterion that separated it from the competitor just above
(`total`, a chain entry, or `shared`); None for the first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

CENT = Decimal("0.01")


class TieBreak(StrEnum):
    PRACTICAL = "practical"
    TIME = "time"
    THEORY = "theory"


DEFAULT_CHAIN = (TieBreak.PRACTICAL, TieBreak.TIME, TieBreak.THEORY)


def published(value: Fraction | Decimal | int) -> Decimal:
    """A score as published: rounded half up to 0.01."""
    exact = Fraction(value)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, ROUND_HALF_UP)


def parse_chain(names: Sequence[str]) -> tuple[TieBreak, ...]:
    """A chain from stored names; raises ValueError for an unknown or repeated entry."""
    chain = tuple(TieBreak(n) for n in names)
    if len(set(chain)) != len(chain):
        raise ValueError("a tie-break appears twice")
    return chain


def weighted_total(theory: Fraction | None, practical: Fraction, theory_weight: Decimal,
                   practical_weight: Decimal) -> Fraction:
    """Raises ValueError unless both weights are ≥ 0 and sum to 100."""
    if theory_weight < 0 or practical_weight < 0 or theory_weight + practical_weight != 100:
        raise ValueError("weights must be >= 0 and sum to 100")
    return ((theory or Fraction(0)) * Fraction(theory_weight) + practical * Fraction(practical_weight)) / 100


@dataclass(frozen=True)
class Entry:
    key: str  # stable and unique, e.g. the station code
    theory: Fraction | None
    practical: Fraction
    time_minutes: Decimal | None = None


@dataclass(frozen=True)
class Ranked:
    entry: Entry
    total: Fraction
    rank: int
    decided_by: str | None


def _criteria(entry: Entry, total: Fraction, chain: Sequence[TieBreak]) -> tuple:
    """A sort key where smaller sorts first: negated scores, then time (missing time last)."""
    key: list = [-published(total)]
    for tie_break in chain:
        if tie_break is TieBreak.PRACTICAL:
            key.append(-published(entry.practical))
        elif tie_break is TieBreak.THEORY:
            key.append(-published(entry.theory or 0))
        else:
            key.append((entry.time_minutes is None, entry.time_minutes or Decimal(0)))
    return tuple(key)


def rank_entries(entries: Sequence[Entry], *, theory_weight: Decimal, practical_weight: Decimal,
                 chain: Sequence[TieBreak] = DEFAULT_CHAIN) -> list[Ranked]:
    """Rank every entry; see the module docstring for the declared order. Raises ValueError on duplicate keys."""
    if len({e.key for e in entries}) != len(entries):
        raise ValueError("entry keys must be unique")
    names = ["total", *(str(t) for t in chain)]
    scored = [(e, weighted_total(e.theory, e.practical, theory_weight, practical_weight)) for e in entries]
    scored.sort(key=lambda pair: (_criteria(pair[0], pair[1], chain), pair[0].key))
    out: list[Ranked] = []
    previous = None
    for position, (entry, total) in enumerate(scored, start=1):
        criteria = _criteria(entry, total, chain)
        if previous is None:
            out.append(Ranked(entry, total, 1, None))
        elif criteria == previous:
            out.append(Ranked(entry, total, out[-1].rank, "shared"))
        else:
            first_difference = next(i for i, (a, b) in enumerate(zip(criteria, previous, strict=True)) if a != b)
            out.append(Ranked(entry, total, position, names[first_difference]))
        previous = criteria
    return out
