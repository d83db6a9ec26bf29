"""Pure rules for personal identifiers: resident ID numbers (GB 11643) and mainland mobile numbers.

Values in, values out; messages are Chinese and name the field.
"""

from __future__ import annotations

import re
from datetime import date

from core.i18n import lazy

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdentifierInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str, *, today: date) -> str:
    """Return the canonical 18-character ID number or raise ``IdentifierInvalid`` (field ``id_number``)."""
    value = (raw or "").strip().upper().replace(" ", "")
    if not _ID_RE.match(value):
        raise IdentifierInvalid("id_number", str(lazy("身份证号应为18位，最后一位可以是数字或X。")))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierInvalid("id_number", str(lazy("身份证号中的出生日期不存在。"))) from None
    if born.year < 1900 or born > today:
        raise IdentifierInvalid("id_number", str(lazy("身份证号中的出生日期不合理。")))
    if id_check_char(value[:17]) != value[17]:
        raise IdentifierInvalid("id_number", str(lazy("身份证号校验位不正确，请核对后重新输入。")))
    return value


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def normalize_phone(raw: str) -> str:
    """Return an 11-digit mainland mobile number or raise ``IdentifierInvalid`` (field ``phone``)."""
    value = re.sub(r"[\s-]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    if not _PHONE_RE.match(value):
        raise IdentifierInvalid("phone", str(lazy("请输入11位中国大陆手机号码。")))
    return value


def mask_id_number(value: str) -> str:
    """``110105********002X``: region code and the last four only."""
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str) -> str:
    """``138****1234``."""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)
