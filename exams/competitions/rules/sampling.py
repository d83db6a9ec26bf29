"""Supervisor re-check sampling (复核抽查) and the error-rate rule that forces a full re-check.

The sample is every competitor in the top `top` places plus ceil(share × the rest), drawn from the rest
with a recorded seed, so the same ranking and seed always give the same sample (the draw can be replayed
and audited). After the sample is checked, an error rate above the threshold (errors found / aspects
checked) forces a re-check of every competitor.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Sample:
    top: tuple[str, ...]
    drawn: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.top + self.drawn


def draw_sample(ranked_keys: Sequence[str], *, top: int, share: Fraction, seed: int) -> Sample:
    """`ranked_keys` best first. Raises ValueError for a negative `top` or a share outside [0, 1]."""
    if top < 0 or not 0 <= share <= 1:
        raise ValueError("top must be >= 0 and share in [0, 1]")
    head = tuple(ranked_keys[:top])
    rest = sorted(ranked_keys[top:])  # the draw must not depend on the order ties were listed in
    count = math.ceil(Fraction(share) * len(rest))
    drawn = tuple(sorted(random.Random(seed).sample(rest, count)))
    return Sample(head, drawn)


def error_rate(items_checked: int, errors_found: int) -> Fraction:
    if items_checked < 0 or errors_found < 0 or errors_found > items_checked:
        raise ValueError("0 <= errors_found <= items_checked")
    return Fraction(errors_found, items_checked) if items_checked else Fraction(0)


def needs_full_recheck(items_checked: int, errors_found: int, threshold: Fraction) -> bool:
    """True when the sample's error rate is above `threshold` (equal to it is tolerated)."""
    return error_rate(items_checked, errors_found) > threshold
