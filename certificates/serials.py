"""Certificate serial numbers: ``PS-<year>-<skill>-<sequence>-<check>``, e.g. ``PS-2026-HOIST-000123-K``.

- ``PS``: the platform's prefix.
- ``<year>``: the year the serial was allocated (four digits).
- ``<skill>``: a skill code of 2–6 letters (``HOIST`` 起重信号司索, ``GROUT`` 套筒灌浆, ``ASSY`` 构件安装 …).
- ``<sequence>``: a counter per year and skill, at least six digits.
- ``<check>``: one ISO 7064 MOD 37-36 check character (0-9, A-Z) over ``PS<year><skill><sequence>``.
  MOD 37-36 catches every single-character substitution and every swap of two neighbouring characters,
  so a typed serial with one such typo is refused before any lookup.

People type serials from paper: full-width characters, lower case, spaces and odd dashes are accepted
and normalised. Pure: values in, values out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.i18n import lazy

PREFIX = "PS"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MOD = len(ALPHABET)  # 36
_SERIAL_RE = re.compile(r"^PS-(\d{4})-([A-Z]{2,6})-(\d{6,9})-([0-9A-Z])$")
_SKILL_RE = re.compile(r"^[A-Z]{2,6}$")
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−－_﹣"), "-")
MAX_LENGTH = 40


class SerialInvalid(ValueError):
    """A typed serial that is not one of ours: ``code`` is ``serial_format`` or ``serial_check``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Serial:
    year: int
    skill: str
    sequence: int
    check: str

    def __str__(self) -> str:
        return f"{PREFIX}-{self.year:04d}-{self.skill}-{self.sequence:06d}-{self.check}"


def _checksum(payload: str) -> int:
    check = _MOD // 2
    for char in payload:
        check = (((check or _MOD) * 2) % (_MOD + 1) + ALPHABET.index(char)) % _MOD
    return check


def check_char(payload: str) -> str:
    """The MOD 37-36 check character that makes ``payload + char`` valid."""
    return ALPHABET[(1 - ((_checksum(payload) or _MOD) * 2) % (_MOD + 1)) % _MOD]


def make_serial(*, year: int, skill: str, sequence: int) -> str:
    if not _SKILL_RE.match(skill) or not 1000 <= year <= 9999 or not 0 < sequence < 10**9:
        raise ValueError(f"bad serial parts: {year} {skill} {sequence}")
    payload = f"{PREFIX}{year:04d}{skill}{sequence:06d}"
    return str(Serial(year, skill, sequence, check_char(payload)))


def normalize(raw: str) -> str:
    """Upper-case ASCII with plain dashes and no spaces (full-width forms folded by NFKC)."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_DASHES)
    return re.sub(r"\s+", "", text).upper()


def parse_serial(raw: str) -> Serial:
    """The serial in ``raw`` or ``SerialInvalid``: a wrong shape, or a check character that does not match."""
    text = normalize(raw)[:MAX_LENGTH + 1]
    match = _SERIAL_RE.match(text)
    if not match:
        raise SerialInvalid("serial_format",
                            str(lazy("证书编号格式不对，应类似 PS-2026-HOIST-000123-K。")))
    year, skill, sequence, check = match.groups()
    if sequence != f"{int(sequence):06d}":  # one spelling per number: no extra leading zeros
        raise SerialInvalid("serial_format",
                            str(lazy("证书编号格式不对，应类似 PS-2026-HOIST-000123-K。")))
    if _checksum(f"{PREFIX}{year}{skill}{sequence}{check}") != 1:
        raise SerialInvalid("serial_check", str(lazy("证书编号校验位不符，请逐位核对是否输错。")))
    return Serial(int(year), skill, int(sequence), check)


def canonical(raw: str) -> str:
    """The canonical text of a valid serial (raises ``SerialInvalid``)."""
    return str(parse_serial(raw))
