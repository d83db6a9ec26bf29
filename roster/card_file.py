"""Special-trade card lists uploaded by a training base: CSV or XLSX in, raw rows out (no database).

The first row is a header naming the columns (any order; Chinese or English names): 姓名, 身份证号, 工种,
证书编号, 发证机关, 发证日期 and optionally 有效期至. Read defensively: at most ``MAX_BYTES`` and ``MAX_ROWS``
rows; XLSX is opened read-only after its zip directory is checked for a decompression bomb; CSV may be
UTF-8 (with or without BOM) or GB18030 (what Excel on a Chinese Windows saves). A file that cannot be used
raises ``CardFileError`` (field ``file``); checking each row's values is ``roster.cards``' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from certificates.bulkfile import csv_table, xlsx_table
from core.errors import ValidationFailed
from core.i18n import lazy

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNZIPPED = 40 * 1024 * 1024
_MAX_COLS = 16
HEADERS = {
    "name": {"姓名", "持证人", "持证人姓名", "name"},
    "id_number": {"身份证号", "身份证", "身份证号码", "证件号码", "idnumber"},
    "trade_name": {"工种", "作业类别", "操作类别", "操作项目", "准操项目", "trade", "tradename"},
    "card_number": {"证书编号", "证号", "操作证编号", "证书号", "cardnumber", "cardno", "number"},
    "authority": {"发证机关", "发证机构", "发证单位", "authority"},
    "issued_on": {"发证日期", "初领日期", "取证日期", "issuedon", "issued"},
    "expires_on": {"有效期至", "有效期截止", "到期日期", "截止日期", "expireson", "expires"},
}
# The column names shown in messages and on the upload page (the official Chinese headings).
LABELS = {"name": "姓名", "id_number": "身份证号", "trade_name": "工种", "card_number": "证书编号",
          "authority": "发证机关", "issued_on": "发证日期", "expires_on": "有效期至"}
REQUIRED = ("name", "id_number", "trade_name", "card_number", "authority", "issued_on")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


class CardFileError(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__("invalid_file", message, "file")


@dataclass(frozen=True)
class CardRow:
    """One data row as read; ``row`` is the line number in the file (the header is row 1)."""

    row: int
    values: dict[str, object]


def _key(cell: object) -> str:
    return "".join(str(cell or "").split()).replace("_", "").replace("-", "").casefold()


def _columns(header: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        for field, names in HEADERS.items():
            if _key(cell) in names and field not in found:
                found[field] = index
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        names = "、".join(LABELS[f] for f in missing)
        raise CardFileError(str(lazy("第 1 行应为表头，缺少这些列：%(cols)s。", cols=names)))
    return found


def rows_from(table: Iterable[list]) -> list[CardRow]:
    rows: list[CardRow] = []
    columns: dict[str, int] | None = None
    for number, line in enumerate(table, start=1):
        line = list(line)[:_MAX_COLS]
        if columns is None:
            columns = _columns(line)
            continue
        if not any(str(c).strip() for c in line if c is not None):
            continue  # blank line
        if len(rows) >= MAX_ROWS:
            raise CardFileError(str(lazy("文件超过 %(n)d 行，请分批上传。", n=MAX_ROWS)))
        rows.append(CardRow(number, {f: line[i] if i < len(line) else None for f, i in columns.items()}))
    if not rows:
        raise CardFileError(str(lazy("文件里没有找到特种作业操作证。")))
    return rows


def read_card_file(filename: str, data: bytes) -> list[CardRow]:
    """The data rows of a CSV or XLSX card list; ``CardFileError`` for a file that cannot be used."""
    if len(data) > MAX_BYTES:
        raise CardFileError(str(lazy("文件太大（最多 %(m)d MB）。", m=MAX_BYTES // 1024 // 1024)))
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise CardFileError(str(lazy("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv。")))
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return rows_from(xlsx_table(data, max_rows=MAX_ROWS, max_cols=_MAX_COLS, max_unzipped=MAX_UNZIPPED,
                                    error=CardFileError))
    return rows_from(csv_table(data, error=CardFileError))


# -- cell values --------------------------------------------------------------------------------------------------

def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_date(value: object) -> date | None:
    """A date from an Excel date cell or text such as 2024-03-15, 2024/3/15, 2024年3月15日, 20240315.
    Empty gives None; anything else raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE_RE.match(cell_text(value))
    if not match:
        raise ValueError(value)
    year, month, day = (int(g) for g in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
    return date(year, month, day)


def id_number_problem(value: object) -> str | None:
    """Excel keeps 15 significant digits: an 18-digit ID number stored as a number has lost its end."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 2**53):
        return str(lazy("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”后重新填写。"))
    return None
