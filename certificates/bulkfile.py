"""Crew lists for bulk verification: CSV or XLSX in, result CSV out.

Columns: serial, name (optional), ID number (optional), found by a header row (证书编号 / 姓名 / 身份证号,
or English) or, without one, by position. Read defensively: at most ``MAX_BYTES`` and ``MAX_ROWS`` rows;
XLSX is opened in openpyxl's read-only mode after its zip directory is checked for a decompression bomb;
CSV may be UTF-8 (with or without BOM) or GB18030 (what Excel on a Chinese Windows saves). A bad file is
refused as a whole with a clear message; a bad row is passed on and gets its own error later.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from certificates.verification import BulkItem, BulkResult
from core.errors import ValidationFailed
from core.i18n import lazy

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_UNZIPPED = 60 * 1024 * 1024
_MAX_COLS = 12
HEADERS = {
    "serial": {"证书编号", "证书号", "证书号码", "编号", "serial", "serialnumber", "certificate", "certificateno",
               "certno"},
    "name": {"姓名", "持证人", "持证人姓名", "name"},
    "id_number": {"身份证号", "身份证", "身份证号码", "证件号码", "idnumber", "id", "idcard"},
}


class BulkFileError(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__("invalid_file", message, "file")


def _key(cell) -> str:
    return "".join(str(cell or "").split()).replace("_", "").replace("-", "").casefold()


def _columns(first_row: list) -> dict[str, int] | None:
    found = {}
    for index, cell in enumerate(first_row):
        for field, names in HEADERS.items():
            if _key(cell) in names and field not in found:
                found[field] = index
    return found if "serial" in found else None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _id_problem(value) -> str | None:
    """Excel keeps 15 significant digits: an 18-digit ID number stored as a number has lost its end."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 2**53):
        return str(lazy("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”后重新填写。"))
    return None


def _cell(row: list, index: int | None):
    return row[index] if index is not None and index < len(row) else None


def items_from_rows(rows: Iterable[list]) -> list[BulkItem]:
    items: list[BulkItem] = []
    columns = None
    for number, row in enumerate(rows, start=1):
        row = list(row)[:_MAX_COLS]
        if number == 1:
            columns = _columns(row)
            if columns is not None:
                continue
            columns = {"serial": 0, "name": 1, "id_number": 2}
        if not any(_text(c) for c in row):
            continue  # blank line
        if len(items) >= MAX_ROWS:
            raise BulkFileError(str(lazy("文件超过 %(n)d 行，请分批上传。", n=MAX_ROWS)))

        serial, name, id_number = (_cell(row, columns.get(f)) for f in ("serial", "name", "id_number"))
        items.append(BulkItem(row=number, serial=_text(serial) or "", name=_text(name), id_number=_text(id_number),
                              id_problem=_id_problem(id_number)))
    if not items:
        raise BulkFileError(str(lazy("文件里没有找到要核验的证书编号。")))
    return items


def csv_table(data: bytes, *, error: type[ValidationFailed] = BulkFileError) -> Iterator[list]:
    """The rows of an uploaded CSV: UTF-8 (with or without BOM) or GB18030 as Excel saves it in China, delimiter
    sniffed; ``error(message)`` for a file that cannot be read (shared by the card import in ``roster``)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise error(str(lazy("无法识别文件编码，请另存为 UTF-8 编码的 CSV。")))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text), dialect)
    except csv.Error as exc:
        raise error(str(lazy("CSV 文件格式有误：%(e)s", e=str(exc)[:100]))) from None


def xlsx_table(data: bytes, *, max_rows: int = MAX_ROWS, max_cols: int = _MAX_COLS,
               max_unzipped: int = MAX_UNZIPPED, error: type[ValidationFailed] = BulkFileError) -> Iterator[list]:
    """The rows of an uploaded XLSX's first sheet, values only, read-only; a zip bomb (unzipped size over
    ``max_unzipped``), a broken file or a runaway sheet (far over ``max_rows``) is ``error(message)``."""
    from openpyxl import load_workbook  # import here: only uploads need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise error(str(lazy("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))) from None
    if total > max_unzipped:
        raise error(str(lazy("Excel 文件解压后过大，请只保留需要的列和行。")))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise error(str(lazy("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))) from None
    try:
        sheet = workbook.worksheets[0]
        for count, row in enumerate(sheet.iter_rows(values_only=True, max_col=max_cols), start=1):
            if count > max_rows + 1 + 1000:  # header and blank lines aside, refuse a runaway sheet early
                raise error(str(lazy("文件超过 %(n)d 行，请分批上传。", n=max_rows)))
            yield list(row)
    finally:
        workbook.close()


def read_file(filename: str, data: bytes) -> list[BulkItem]:
    """Items of a CSV or XLSX file; ``BulkFileError`` (field ``file``) for a file that cannot be used."""
    if len(data) > MAX_BYTES:
        raise BulkFileError(str(lazy("文件太大（最多 %(m)d MB）。", m=MAX_BYTES // 1024 // 1024)))
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return items_from_rows(xlsx_table(data))
    if name.endswith(".xls"):
        raise BulkFileError(str(lazy("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv。")))
    return items_from_rows(csv_table(data))


def _match(value: bool | None) -> str:
    return "" if value is None else str(lazy("一致")) if value else str(lazy("不一致"))


def result_csv(results: list[BulkResult]) -> bytes:
    """The result table as a CSV that Excel opens (UTF-8 with BOM). Never contains ID numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(lazy("行号")), str(lazy("证书编号")), str(lazy("姓名")), str(lazy("证书状态")),
                     str(lazy("姓名核对")), str(lazy("身份证号核对")), str(lazy("说明"))])
    for r in results:
        writer.writerow([r.row, _safe(r.serial), _safe(r.name or ""), r.status_label, _match(r.name_match),
                         _match(r.id_match), r.error])
    return out.getvalue().encode("utf-8-sig")


def _safe(text: str) -> str:
    """No spreadsheet formulas from uploaded text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
