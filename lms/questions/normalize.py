"""Value normalisation shared by specs, responses and importers.

- `fold_text`: the comparison form of a short answer: NFKC (folds full-width letters, digits and
  punctuation to half-width), case-folded, trimmed, internal whitespace runs collapsed to one space.
- `parse_decimal`: a strict number reader for content and import files.
"""

import unicodedata
from decimal import Decimal, InvalidOperation

MAX_NUMBER_CHARS = 64
MAX_EXPONENT = 100  # |adjusted exponent|: beyond 1e±100 nothing on a building site is measured


def fold_text(text: str) -> str:
    """Return the form two short answers are compared in; equal folds mean equal answers."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def parse_decimal(raw: object) -> Decimal | None:
    """Read an int, a float or a numeric string as a finite Decimal; None when it is not one.

    Floats go through `repr`, so 0.58 reads as Decimal("0.58"), not the binary expansion. Booleans,
    NaN, infinities, strings longer than MAX_NUMBER_CHARS and magnitudes beyond 1e±MAX_EXPONENT are
    refused (None), so later arithmetic can neither overflow nor run away.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        return None
    if not text or len(text) > MAX_NUMBER_CHARS:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or (value and abs(value.adjusted()) > MAX_EXPONENT):
        return None
    return value


def format_decimal(value: Decimal) -> str:
    """Write a Decimal in plain positional notation (never 1E+1), as content files and Moodle expect."""
    return format(value, "f")
