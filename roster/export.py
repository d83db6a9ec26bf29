"""Roster exports: streamed CSV and XLSX, the printable roster (名册) as PDF; watermark and audit rows.

No Flask here. The filtered roster is read in keyset batches (``entry_batches``) through the same search and
scope rule as the search page, so an enterprise exports only its own workers and memory stays flat with the
row count: CSV is a generator of encoded chunks, XLSX an openpyxl write-only workbook that streams rows to
its temporary files. Every file carries its watermark (who, in which role, when, for what purpose, and the
export's id, which the audit rows also carry) and never a full ID number. Every text cell goes through the
formula-injection guard of ``exams.rules.export``.

Audit: a streamed export writes ``roster.export_started`` before the first row is read and
``roster.export_finished`` with the rows written and whether the file was complete (a download broken off
by the client is recorded as incomplete; a started row with no finished row means the download never began
or the process died); a PDF, rendered at once, writes one ``roster.exported`` row.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from certificates.issuance import CHINA
from certificates.status import PublicStatus, status_label
from core import audit
from core.errors import ValidationFailed
from core.i18n import lazy
from exams.competitions.rules.messages import AWARD_LABELS
from exams.rules.export import neutralise
from lms.questions.messages import N_
from roster.cards import CardStatus
from roster.cards import status_label as card_status_label
from roster.eligibility import flag_label
from roster.models import RosterEntry
from roster.search import RosterFilters, search_roster

BATCH = 1000
PDF_MAX_ROWS = 1000
XLSX_MAX_ROWS = 1_048_576 - 10  # Excel's sheet limit, less the watermark, header and total rows
PURPOSE_MAX = 40

STARTED, FINISHED, EXPORTED = "roster.export_started", "roster.export_finished", "roster.exported"

LEVEL_NAMES = {1: N_("一级/高级技师"), 2: N_("二级/技师"), 3: N_("三级/高级工"), 4: N_("四级/中级工"),
               5: N_("五级/初级工")}
HEADERS = (N_("姓名"), N_("身份证号（脱敏）"), N_("出生年份"), N_("地区"), N_("工作单位"),
           N_("证书（工种·等级·状态）"), N_("最高等级"), N_("有效证书数"), N_("竞赛奖项"),
           N_("特种作业操作证（工种·发证机关·到期日·状态）"), N_("平台学习时长（小时）"), N_("资格标记"))


@dataclass(frozen=True)
class ExportJob:
    """One export: who asked, in which role, when, for what, over which filters and scope."""

    export_id: str
    file_format: str
    actor_id: int
    org_id: int | None
    exporter: str
    role: str  # "专家委员·某专家委员会", "企业人事·某企业"
    purpose: str
    at: datetime
    filters: RosterFilters
    scope: frozenset[int] | None  # None: the whole roster

    def beijing_time(self) -> str:
        return self.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")

    def watermark(self) -> str:
        return str(lazy("导出人 %(name)s（%(role)s） 导出时间 %(at)s 仅限 %(purpose)s 使用 编号 %(id)s",
                        name=self.exporter, role=self.role, at=self.beijing_time(), purpose=self.purpose,
                        id=self.export_id))

    def filename(self, stem: str, extension: str) -> str:
        """The watermark in short, safe as a file name: ``名册_张三_20260302-0930_仅限评审使用_ab12cd34.csv``."""
        stamp = self.at.astimezone(CHINA).strftime("%Y%m%d-%H%M")
        parts = [stem, self.exporter, stamp, str(lazy("仅限%(purpose)s使用", purpose=self.purpose)), self.export_id]
        return "_".join(_file_safe(p) for p in parts if p)[:150] + "." + extension

    def audit_details(self) -> dict:
        return {"export_id": self.export_id, "format": self.file_format, "purpose": self.purpose,
                "scope": "all" if self.scope is None else sorted(self.scope),
                "filters": {k: v for k, v in asdict(self.filters).items() if v not in ("", None)}}


def new_export_id() -> str:
    return secrets.token_hex(4)


def clean_purpose(raw: str | None) -> str:
    """The stated purpose, one line: required, at most 40 characters (it is printed in the watermark)."""
    text = " ".join((raw or "").split())
    text = "".join(ch for ch in text if ch.isprintable())
    if not text:
        raise ValidationFailed("purpose_required", str(lazy("请填写导出用途（将写入水印和审计日志）。")), "purpose")
    if len(text) > PURPOSE_MAX:
        raise ValidationFailed("purpose_too_long", str(lazy("导出用途最多 %(n)d 个字。", n=PURPOSE_MAX)), "purpose")
    return text


def _file_safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "-", text).strip("-.")


def audit_export(session: Session, job: ExportJob, *, action: str, now: datetime, ip: str = "",
                 rows: int | None = None, complete: bool | None = None) -> None:
    details = job.audit_details()
    if rows is not None:
        details |= {"rows": rows, "complete": bool(complete)}
    audit.record(session, action=action, now=now, actor_id=job.actor_id, org_id=job.org_id,
                 target=f"roster_export:{job.export_id}", details=details, ip=ip)


# -- rows -----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Labels:
    """Column headers and value labels, translated once per export (not once per cell)."""

    headers: list[str]
    statuses: dict[str, str]
    card_statuses: dict[str, str]
    levels: dict[int, str]
    awards: dict[str, str]


def labels() -> Labels:
    return Labels(headers=[str(lazy(h)) for h in HEADERS],
                  statuses={str(s): status_label(s) for s in PublicStatus},
                  card_statuses={str(s): card_status_label(s) for s in CardStatus},
                  levels={n: str(lazy(t)) for n, t in LEVEL_NAMES.items()},
                  awards={code: str(lazy(t)) for code, t in AWARD_LABELS.items()})


def _joined(parts) -> str:
    return "·".join(str(p) for p in parts if p)


def entry_cells(entry: RosterEntry, lab: Labels) -> list[object]:
    """One roster entry as cells, raw (the writers guard them). Never more than the masked ID number, and no
    card numbers either (some authorities number a card with the holder's ID number)."""
    skills = "；".join(_joined((s.get("name") or s.get("code"), s.get("level_name"),
                                lab.statuses.get(s.get("status"), s.get("status"))))
                      for s in entry.skills or [])
    cards = "；".join(_joined((c.get("trade"), c.get("authority"), c.get("expires_on"),
                               lab.card_statuses.get(c.get("status"), c.get("status"))))
                     for c in getattr(entry, "trade_cards", None) or [])
    minutes = getattr(entry, "training_minutes", None) or 0
    flags = "、".join(flag_label(f.get("code", "")) for f in getattr(entry, "flags", None) or [])
    return [entry.name, entry.id_number_masked or "", entry.birth_year, entry.region, entry.enterprise_name,
            skills, lab.levels.get(entry.top_level, "") if entry.top_level else "", entry.valid_count,
            "、".join(lab.awards.get(a, a) for a in entry.award_codes or []), cards,
            round(minutes / 60, 1) if minutes else None, flags]


def entry_batches(session: Session, filters: RosterFilters, *, scope: set[int] | frozenset[int] | None,
                  now: datetime, size: int = BATCH) -> Iterator[list[RosterEntry]]:
    """The filtered roster in id order, ``size`` entries at a time (keyset: each batch is one indexed query)."""
    after = 0
    while True:
        page = search_roster(session, filters, scope=set(scope) if scope is not None else None, now=now,
                             after=after, limit=size)
        if page.entries:
            yield page.entries
        if page.next_after is None:
            return
        after = page.next_after


def filters_text(filters: RosterFilters, lab: Labels, *, scope_all: bool) -> str:
    """The filters in words, for the line under the watermark."""
    parts = [str(lazy("范围：全部人员")) if scope_all else str(lazy("范围：本单位员工"))]
    words = {"skill": lambda v: lazy("工种代码 %(v)s", v=v), "level": lambda v: lazy("%(v)s及以上", v=lab.levels[v]),
             "status": lambda v: lazy("证书状态 %(v)s", v=lab.statuses.get(v, v)),
             "region": lambda v: lazy("地区 %(v)s", v=v), "enterprise": lambda v: lazy("企业编号 %(v)s", v=v),
             "award": lambda v: lazy("奖项 %(v)s", v=lab.awards.get(v, v)),
             "age_min": lambda v: lazy("年龄不小于 %(v)s 岁", v=v),
             "age_max": lambda v: lazy("年龄不大于 %(v)s 岁", v=v),
             "base": lambda v: lazy("培训基地编号 %(v)s", v=v), "flag": lambda v: lazy("标记 %(v)s", v=flag_label(v))}
    for name, value in asdict(filters).items():
        if value not in ("", None):
            parts.append(str(words[name](value)) if name in words else f"{name} {value}")
    return "；".join(parts)


@dataclass
class Tally:
    """Rows written so far and whether the file was finished; read for the closing audit row."""

    rows: int = 0
    complete: bool = False
    truncated: bool = False


# -- CSV ------------------------------------------------------------------------------------------------------------

def csv_chunks(batches: Iterable[list[RosterEntry]], job: ExportJob, lab: Labels, tally: Tally, *,
               description: str) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (Excel and WPS open it as Chinese): watermark, filters, header, rows, total,
    watermark again. One encoded chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([neutralise(job.watermark())])
    writer.writerow([neutralise(description)])
    writer.writerow(lab.headers)
    yield "\ufeff".encode() + take()
    for batch in batches:
        for entry in batch:
            writer.writerow(["" if v is None else neutralise(v) for v in entry_cells(entry, lab)])
        tally.rows += len(batch)
        yield take()
    writer.writerow([str(lazy("合计 %(n)s 人（导出完毕）", n=f"{tally.rows:,}"))])
    writer.writerow([neutralise(job.watermark())])
    tally.complete = True
    yield take()


# -- XLSX -----------------------------------------------------------------------------------------------------------

_WIDTHS = (10, 22, 9, 18, 24, 48, 14, 10, 20, 40, 12, 24)


def _xlsx_cell(value: object) -> object:
    value = neutralise(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _header_text(text: str) -> str:
    return text.replace("&", "&&")[:250]  # "&" starts a header/footer code in Excel


def write_xlsx(target, batches: Iterable[list[RosterEntry]], job: ExportJob, lab: Labels, tally: Tally, *,
               description: str, max_rows: int = XLSX_MAX_ROWS) -> None:
    """Write the workbook to ``target`` (a path or a binary file): watermark rows, the header row (frozen,
    repeated on printed pages), rows, the total; the watermark also in the printed page header and footer."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(lazy("人才库名册")))
    for index, width in enumerate(_WIDTHS[:len(lab.headers)]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.oddHeader.center.text = _header_text(job.watermark())
    sheet.oddHeader.center.size = 8
    sheet.oddFooter.center.text = str(lazy("第 &P 页 共 &N 页"))  # &P, &N: Excel's page codes
    sheet.oddFooter.right.text = _header_text(job.export_id)
    bold = Font(bold=True)

    def styled(value: object, font: Font) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(value))
        cell.font = font
        return cell

    sheet.append([styled(job.watermark(), Font(bold=True, color="C0392B"))])
    sheet.append([_xlsx_cell(description)])
    sheet.append([styled(h, bold) for h in lab.headers])
    for batch in batches:
        for entry in batch:
            if tally.rows >= max_rows:
                tally.truncated = True
                break
            sheet.append([_xlsx_cell(v) for v in entry_cells(entry, lab)])
            tally.rows += 1
        if tally.truncated:
            break
    if tally.truncated:
        sheet.append([styled(str(lazy("已达 Excel 工作表行数上限，其余人员未导出；请缩小筛选范围或导出 CSV。")), bold)])
    sheet.append([styled(str(lazy("合计 %(n)s 人", n=f"{tally.rows:,}")), bold)])
    book.save(target)
    tally.complete = not tally.truncated


# -- PDF ------------------------------------------------------------------------------------------------------------

def printable_entries(session: Session, filters: RosterFilters, *, scope: set[int] | None, now: datetime,
                      cap: int | None = None) -> tuple[list[RosterEntry], bool]:
    """At most ``cap`` (``PDF_MAX_ROWS``) entries for a printed roster, and whether more match (then the roster
    is not printed)."""
    page = search_roster(session, filters, scope=scope, now=now, limit=cap or PDF_MAX_ROWS)
    return page.entries, page.next_after is not None


def _refusing_fetcher():
    from weasyprint.urls import URLFetcher

    class RefuseAll(URLFetcher):
        """The roster PDFs are self-contained: no file, network or data URL is ever fetched."""

        def fetch(self, url, headers=None):
            raise ValueError(f"refused URL in roster PDF: {url[:80]}")

    return RefuseAll()


def page_counter_css(sentence: str) -> Markup:
    """``"第 {page} 页 共 {pages} 页"`` as a CSS ``content`` value with the page counters in place."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", sentence):
        if piece in ("{page}", "{pages}"):
            parts.append(f"counter({piece[1:-1]})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"')
    return Markup(" ".join(parts))  # noqa: S704 - quoted and escaped for a CSS string above


def render_pdf(html: str) -> bytes:
    """PDF bytes of a self-contained HTML page (fonts from the system: Noto CJK)."""
    from weasyprint import HTML

    return HTML(string=html, base_url="about:", url_fetcher=_refusing_fetcher()).write_pdf()
