"""A 700-centred standardised score per event, robust to outliers (median and MAD, not mean and SD).

    standardised = 700 + 100 × (total − median) / (1.4826 × MAD)

MAD is the median of |total − median|; 1.4826 × MAD estimates the standard deviation of normally
distributed totals, so 100 points are about one standard deviation. When more than half the totals are
equal (MAD = 0) the spread falls back to 1.2533 × the mean absolute deviation from the median; when every
total is equal, everyone gets 700. The constants and the method used are returned so the results page
can show them. Exact arithmetic throughout.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

CENTRE = Fraction(700)
SCALE = Fraction(100)
MAD_FACTOR = Decimal("1.4826")
MEAN_AD_FACTOR = Decimal("1.2533")


class SpreadMethod(StrEnum):
    MAD = "mad"
    MEAN_ABSOLUTE = "mean_absolute_deviation"
    NONE = "none"


def median(values: Sequence[Fraction]) -> Fraction:
    """Raises ValueError for no values."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(Fraction(v) for v in values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Standardisation:
    median: Fraction
    mad: Fraction
    spread: Fraction  # the denominator actually used (0 when method is NONE)
    method: SpreadMethod
    scores: tuple[Fraction, ...]  # in the order of the input

    centre = CENTRE
    scale = SCALE
    mad_factor = MAD_FACTOR
    mean_ad_factor = MEAN_AD_FACTOR


def standardise(totals: Sequence[Fraction]) -> Standardisation:
    """Standardised scores for one event's totals (see the module docstring). Raises ValueError for none."""
    values = [Fraction(t) for t in totals]
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    mad = median(deviations)
    if mad:
        spread, method = Fraction(MAD_FACTOR) * mad, SpreadMethod.MAD
    elif any(deviations):
        mean_deviation = sum(deviations, Fraction(0)) / len(deviations)
        spread, method = Fraction(MEAN_AD_FACTOR) * mean_deviation, SpreadMethod.MEAN_ABSOLUTE
    else:
        return Standardisation(centre, mad, Fraction(0), SpreadMethod.NONE, tuple(CENTRE for _ in values))
    return Standardisation(centre, mad, spread, method, tuple(CENTRE + SCALE * (v - centre) / spread for v in values))
