"""Scores of a paper and the result of a level assessment, in exact arithmetic.

Scores are Fractions from start to finish (points may be given as int, Decimal or Fraction; floats are
refused because 0.1 is not a tenth in binary). Pass decisions compare the exact values; only
`display_score` rounds, and it rounds down so a shown score never reaches a mark the exact one missed
(59.96 shows as 59.9, not 60.0).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Number = int | Decimal | Fraction
HUNDRED = Fraction(100)


def exact(name: str, value: object) -> Fraction:
    """`value` as a Fraction; raise ValueError for floats, bools, non-finite Decimals and other types."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise ValueError(f"{name} must be an int, Decimal or Fraction, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{name} must be finite")
    return Fraction(value)


def as_decimal(value: object) -> Decimal | None:
    """`value` as a finite Decimal when it is a Decimal or an int (not a bool or a float), else None."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    number = Decimal(value)
    return number if number.is_finite() else None


@dataclass(frozen=True)
class PaperScore:
    raw: Fraction
    max: Fraction
    percent: Fraction  # raw / max x 100


def score_paper(items: Sequence[tuple[Number, Number]]) -> PaperScore:
    """raw = sum of points x credit, max = sum of points, percent = raw / max x 100, all exact.

    Each item is (points > 0, credit in [0, 1]). Raises ValueError on an empty paper, a non-positive
    points value or a credit outside [0, 1].
    """
    if not items:
        raise ValueError("a paper needs at least one item")
    raw = maximum = Fraction(0)
    for position, (points, credit) in enumerate(items, start=1):
        worth = exact(f"item {position} points", points)
        share = exact(f"item {position} credit", credit)
        if worth <= 0:
            raise ValueError(f"item {position}: points must be positive")
        if not 0 <= share <= 1:
            raise ValueError(f"item {position}: credit must be in [0, 1]")
        raw += worth * share
        maximum += worth
    return PaperScore(raw=raw, max=maximum, percent=raw / maximum * HUNDRED)


def passed(percent: Number, pass_mark: Number) -> bool:
    """True when `percent` reaches `pass_mark` (the mark itself passes: 60 of 60)."""
    return exact("percent", percent) >= exact("pass_mark", pass_mark)


class ResultStatus(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class ResultReason(StrEnum):
    """Why a result is not (yet) passed; Chinese labels in `exams.rules.messages.REASON_LABELS`."""

    THEORY_MISSING = "theory_missing"
    THEORY_BELOW_PASS = "theory_below_pass"
    PRACTICAL_MISSING = "practical_missing"
    PRACTICAL_BELOW_PASS = "practical_below_pass"
    PRACTICAL_REDLINE = "practical_redline"


@dataclass(frozen=True)
class OverallResult:
    status: ResultStatus
    reasons: tuple[ResultReason, ...]  # empty when passed


def _percent(name: str, value: Number) -> Fraction:
    share = exact(name, value)
    if not 0 <= share <= HUNDRED:
        raise ValueError(f"{name} must be in [0, 100]")
    return share


def overall_result(
    theory_percent: Number | None,
    practical_percent: Number | None,
    theory_pass: Number = 60,
    practical_pass: Number = 60,
    *,
    practical_redline: bool = False,
) -> OverallResult:
    """A level assessment passes only when both parts are present and each reaches its pass mark.

    A part present and below its mark (or a practical with a red-line violation, whatever its score)
    fails the assessment even while the other part is missing; otherwise a missing part leaves it
    pending. `reasons` lists every cause, theory first. Raises ValueError for percents outside [0, 100].
    """
    reasons: list[ResultReason] = []
    failed = False
    if theory_percent is None:
        reasons.append(ResultReason.THEORY_MISSING)
    elif not passed(_percent("theory_percent", theory_percent), _percent("theory_pass", theory_pass)):
        reasons.append(ResultReason.THEORY_BELOW_PASS)
        failed = True
    if practical_percent is None:
        reasons.append(ResultReason.PRACTICAL_MISSING)
    elif not passed(_percent("practical_percent", practical_percent), _percent("practical_pass", practical_pass)):
        reasons.append(ResultReason.PRACTICAL_BELOW_PASS)
        failed = True
    if practical_redline:
        reasons.append(ResultReason.PRACTICAL_REDLINE)
        failed = True
    if failed:
        return OverallResult(ResultStatus.FAILED, tuple(reasons))
    return OverallResult(ResultStatus.PENDING if reasons else ResultStatus.PASSED, tuple(reasons))


def display_score(value: Number, places: int = 1) -> Decimal:
    """`value` rounded down to `places` decimals, for display only (59.96 -> 59.9)."""
    scale = 10**places
    return Decimal(math.floor(exact("value", value) * scale)).scaleb(-places)
