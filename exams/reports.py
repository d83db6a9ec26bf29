"""Reports for a training base: attendance, pass rates, average scores, item flags; CSV and XLSX exports.

Exports hold candidate names and ticket numbers, never ID or phone numbers; every export writes an
audit row; every text cell is neutralised against formula injection (``exams.rules.export``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import audit
from core.models import User
from exams.analysis import SessionAnalysis, analyse_session
from exams.models import Attempt, AttemptStatus, ExamSession, Paper, Registration, RegistrationStatus
from exams.rules.export import neutralise_row


@dataclass(frozen=True)
class SessionSummary:
    exam_session: ExamSession
    registered: int
    checked_in: int
    sat: int
    passed: int
    average: Decimal | None

    @property
    def pass_rate(self) -> Decimal | None:
        return (Decimal(self.passed) * 100 / self.sat).quantize(Decimal("0.1")) if self.sat else None

    @property
    def attendance_rate(self) -> Decimal | None:
        return (Decimal(self.checked_in) * 100 / self.registered).quantize(Decimal("0.1")) if self.registered \
            else None


def summaries(session: Session, org_id: int, session_id: int | None = None) -> list[SessionSummary]:
    """Every session of the base (or just ``session_id``), newest first, with its counts."""
    query = select(ExamSession).where(ExamSession.org_id == org_id).order_by(ExamSession.starts_at.desc())
    sessions = session.scalars(query if session_id is None else query.where(ExamSession.id == session_id)).all()
    ids = [s.id for s in sessions]
    reg = {sid: (n, c) for sid, n, c in session.execute(
        select(Registration.session_id, func.count(Registration.id), func.count(Registration.checked_in_at))
        .where(Registration.session_id.in_(ids), Registration.status == RegistrationStatus.REGISTERED)
        .group_by(Registration.session_id)).tuples()}
    att = {sid: (n, p, avg) for sid, n, p, avg in session.execute(
        select(Attempt.session_id, func.count(Attempt.id),
               func.sum(case((Attempt.passed.is_(True), 1), else_=0)), func.avg(Attempt.percent))
        .where(Attempt.session_id.in_(ids), Attempt.status == AttemptStatus.SUBMITTED)
        .group_by(Attempt.session_id)).tuples()}
    out = []
    for s in sessions:
        registered, checked_in = reg.get(s.id, (0, 0))
        sat, passed, average = att.get(s.id, (0, 0, None))
        out.append(SessionSummary(s, registered, checked_in, sat, int(passed or 0),
                                  Decimal(str(average)).quantize(Decimal("0.01")) if average is not None else None))
    return out


@dataclass(frozen=True)
class CandidateLine:
    ticket_number: str
    name: str
    checked_in: bool
    status: str
    percent: Decimal | None
    passed: bool | None
    submitted_by: str | None


@dataclass(frozen=True)
class SessionReport:
    summary: SessionSummary
    candidates: list[CandidateLine]
    analysis: SessionAnalysis | None


def session_report(session: Session, exam_session: ExamSession) -> SessionReport:
    [summary] = summaries(session, exam_session.org_id, exam_session.id)
    rows = session.execute(
        select(Registration, User.name, Attempt)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED)
        .order_by(Registration.room_id, Registration.seat_no, Registration.id)).tuples().all()
    lines = [CandidateLine(r.ticket_number or "", name, r.checked_in_at is not None,
                           a.status if a else ("present" if r.checked_in_at else "absent"),
                           a.percent if a else None, a.passed if a else None, a.submitted_by if a else None)
             for r, name, a in rows]
    return SessionReport(summary, lines, analyse_session(session, exam_session))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def report_tables(report: SessionReport, labels: dict[str, str]) -> dict[str, list[list[object]]]:
    """Sheets as rows (header first): candidates, and items with their flags."""
    candidates = [[labels["ticket"], labels["name"], labels["checked_in"], labels["status"], labels["score"],
                   labels["passed"], labels["submitted_by"]]]
    for c in report.candidates:
        candidates.append([c.ticket_number, c.name, _yes_no(c.checked_in), c.status,
                           float(c.percent) if c.percent is not None else None, _yes_no(c.passed),
                           c.submitted_by or ""])
    items = [[labels["question"], labels["stem"], labels["seen_by"], labels["facility"], labels["discrimination"],
              labels["flags"]]]
    for item in report.analysis.items if report.analysis else []:
        items.append([item.version.id, item.version.spec.get("stem", ""), item.seen_by, item.stats.facility,
                      item.stats.discrimination, " ".join(item.stats.flags)])
    return {"candidates": candidates, "items": items}


def to_csv(rows: list[list[object]]) -> bytes:
    """UTF-8 with a BOM (Excel and WPS open it as Chinese text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else v for v in neutralise_row(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, list[list[object]]], titles: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for key, rows in sheets.items():
        sheet = book.create_sheet(titles.get(key, key)[:31])
        for row in rows:
            sheet.append(neutralise_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def record_export(session: Session, *, exam_session: ExamSession, actor_id: int, file_format: str, rows: int,
                  now: datetime, ip: str = "") -> None:
    audit.record(session, action="exam.report_exported", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                 target=f"exam_session:{exam_session.id}", details={"format": file_format, "rows": rows}, ip=ip)
