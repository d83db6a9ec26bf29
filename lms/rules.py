"""Pure learning rules: course completion and practice scoring."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def practice_average(best_by_lesson: Mapping[int, Decimal], lesson_ids: Iterable[int]) -> Decimal:
    """Mean of each lesson's best practice percent; a lesson never practised counts as 0."""
    ids = list(lesson_ids)
    if not ids:
        return Decimal(0)
    total = sum((best_by_lesson.get(i, Decimal(0)) for i in ids), Decimal(0))
    return (total / len(ids)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_course_complete(*, completed_lessons: int, total_lessons: int, practice_avg: Decimal,
                       pass_percent: int) -> bool:
    """Complete = every lesson marked done and the practice average at least the course's pass percent."""
    return total_lessons > 0 and completed_lessons >= total_lessons and practice_avg >= pass_percent


def percent(credits: Iterable[Fraction]) -> Decimal:
    """Share of full credit over the questions shown, as a percent with two decimals."""
    values = list(credits)
    if not values:
        return Decimal(0)
    share = sum(values, Fraction(0)) / len(values) * 100
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
