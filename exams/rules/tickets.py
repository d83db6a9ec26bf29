"""Admission ticket numbers (准考证号): random, typed at the door, with a check character.

Nine random characters of Crockford's base-32 alphabet (45 bits: guessing a valid number of one session
is hopeless) and one Luhn mod 32 check character, shown as ``XXXXX-XXXXX``. The check character catches
every single mistyped character and almost every swap of neighbours. Typing is forgiving: case, spaces,
hyphens, and the look-alikes O→0, I/L→1 are normalised before the check.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
BODY_LENGTH = 9
LENGTH = BODY_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_N = len(ALPHABET)


def check_char(body: str) -> str:
    """Luhn mod 32 over ``body`` (characters of ``ALPHABET``); ValueError for any other character."""
    total, factor = 0, 2
    for char in reversed(body):
        if char not in _VALUE:
            raise ValueError(f"not a ticket character: {char!r}")
        addend = factor * _VALUE[char]
        total += addend // _N + addend % _N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_N - total % _N) % _N]


def make_ticket_number(random_value: int) -> str:
    """The ticket number for ``random_value`` (0 ≤ value < 32**9; callers pass ``secrets.randbits(45)``)."""
    if not 0 <= random_value < _N**BODY_LENGTH:
        raise ValueError("random_value out of range")
    body = ""
    for _ in range(BODY_LENGTH):
        random_value, digit = divmod(random_value, _N)
        body = ALPHABET[digit] + body
    return body + check_char(body)


def normalize(typed: str) -> str:
    """Upper case, separators dropped, look-alike letters mapped to digits."""
    return "".join(c for c in (typed or "").upper() if c.isalnum()).translate(_LOOKALIKES)


def is_valid(number: str) -> bool:
    """True when ``number`` (already normalised) has the right length, alphabet and check character."""
    if len(number) != LENGTH or any(c not in _VALUE for c in number):
        return False
    return check_char(number[:-1]) == number[-1]


def display(number: str) -> str:
    return f"{number[:5]}-{number[5:]}" if len(number) == LENGTH else number
