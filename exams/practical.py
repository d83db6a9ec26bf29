"""Practical assessment: checklists, independent examiner sheets, reconciliation, sign-off, the level result.

Two or more examiners score on their own; the result is their mean unless they differ by more than the
task's gap, which forces a reconciliation with a written reason. Sign-off locks the assessment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, RuleViolated, ValidationFailed
from core.i18n import lazy
from exams.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamSession,
    Paper,
    PracticalAssessment,
    PracticalSheet,
    PracticalTask,
    Registration,
)
from exams.rules.practical import Band, Checklist, ChecklistItem, combine_examiners, score_sheet
from exams.rules.scoring import OverallResult, ResultStatus, overall_result

MIN_EXAMINERS = 2


def checklist_from_json(data: dict) -> Checklist:
    """``{"title": .., "items": [{"code", "title", "kind", "max_points"?, "nominal"?, "bands"?: [[dev, pts]]}]}``."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValidationFailed("invalid_checklist", str(lazy("评分表格式不正确。")), "checklist")
    items = []
    for raw in data["items"]:
        items.append(ChecklistItem(
            code=str(raw.get("code", "")), title=str(raw.get("title", "")), kind=raw.get("kind"),
            max_points=Decimal(str(raw.get("max_points", 0))),
            nominal=Decimal(str(raw["nominal"])) if raw.get("nominal") is not None else None,
            bands=tuple(Band(Decimal(str(d)), Decimal(str(p))) for d, p in raw.get("bands", [])),
            unit=str(raw.get("unit", ""))))
    return Checklist(tuple(items), title=str(data.get("title", "")))


def create_task(session: Session, *, exam: Exam, title: str, checklist: dict, max_gap: Decimal,
                now: datetime) -> PracticalTask:
    checklist_from_json(checklist)  # refuse a bad checklist now, not on assessment day
    task = PracticalTask(org_id=exam.org_id, exam_id=exam.id, title=title, checklist=checklist, max_gap=max_gap,
                         created_at=now)
    session.add(task)
    session.flush()
    return task


def assessment_for(session: Session, *, registration: Registration, task: PracticalTask) -> PracticalAssessment:
    """The candidate's assessment on the task, created on first use (two examiners opening it at once get one)."""
    query = select(PracticalAssessment).where(PracticalAssessment.registration_id == registration.id,
                                              PracticalAssessment.task_id == task.id)
    found = session.scalar(query)
    if found is None:
        try:
            with session.begin_nested():
                found = PracticalAssessment(registration_id=registration.id, task_id=task.id)
                session.add(found)
                session.flush()
        except IntegrityError:
            found = session.scalar(query)  # the other examiner's request created it first
    return found


def submit_sheet(session: Session, *, assessment: PracticalAssessment, examiner_id: int, marks: dict,
                 now: datetime) -> PracticalSheet:
    """One examiner's independent marks; a second submission by the same examiner replaces the first until sign-off."""
    if assessment.signed_off_at is not None:
        raise Conflict("signed_off", str(lazy("该实操评分已签字确认，不能再修改。")), None)
    task = session.get(PracticalTask, assessment.task_id)
    score = score_sheet(checklist_from_json(task.checklist), marks)
    sheet = session.scalar(select(PracticalSheet).where(PracticalSheet.assessment_id == assessment.id,
                                                        PracticalSheet.examiner_id == examiner_id))
    values = dict(marks={k: v if isinstance(v, bool) else str(v) for k, v in marks.items()},
                  total=_decimal(score.total), percent=_decimal(score.percent),
                  redline_violations=list(score.redline_violations), submitted_at=now)
    if sheet is None:
        sheet = PracticalSheet(assessment_id=assessment.id, examiner_id=examiner_id, **values)
        try:
            with session.begin_nested():
                session.add(sheet)
                session.flush()
        except IntegrityError:
            raise Conflict("sheet_exists", str(lazy("您已提交过评分。")), None) from None
    else:
        for key, value in values.items():
            setattr(sheet, key, value)
    _combine(session, assessment, task)
    audit.record(session, action="practical.sheet", now=now, actor_id=examiner_id, org_id=task.org_id,
                 target=f"practical:{assessment.id}", details={"percent": str(score.percent)})
    session.flush()
    return sheet


def _combine(session: Session, assessment: PracticalAssessment, task: PracticalTask) -> None:
    checklist = checklist_from_json(task.checklist)
    sheets = session.scalars(select(PracticalSheet).where(PracticalSheet.assessment_id == assessment.id)).all()
    if len(sheets) < MIN_EXAMINERS:
        assessment.percent, assessment.needs_reconciliation = None, False
        return
    scores = [score_sheet(checklist, {k: v if isinstance(v, bool) else Decimal(v) for k, v in s.marks.items()})
              for s in sheets]
    combined = combine_examiners(scores, Decimal(task.max_gap))
    assessment.percent = _decimal(combined.percent)
    assessment.needs_reconciliation = combined.needs_reconciliation
    assessment.failed_by_redline = combined.failed_by_redline


def _decimal(value) -> Decimal:
    """Fractions from the rules, stored rounded down to two places (never rounds a fail up into a pass)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(Decimal("0.01"), ROUND_DOWN)


def reconcile(session: Session, *, assessment: PracticalAssessment, actor_id: int, percent: Decimal, reason: str,
              now: datetime) -> None:
    """Record the agreed result when examiners differed by more than the gap; the reason is required."""
    if not assessment.needs_reconciliation:
        raise RuleViolated("no_reconciliation_needed", str(lazy("考评员评分差距未超限，无需复核。")), None)
    if len((reason or "").strip()) < 4:
        raise ValidationFailed("reason_required", str(lazy("请写明复核理由。")), "reason")
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationFailed("invalid_percent", str(lazy("成绩应在0–100之间。")), "percent")
    assessment.reconciled_percent, assessment.reconciliation_reason = percent, reason.strip()
    assessment.reconciled_by_id = actor_id
    audit.record(session, action="practical.reconciled", now=now, actor_id=actor_id,
                 target=f"practical:{assessment.id}", details={"percent": str(percent)})
    session.flush()


def sign_off(session: Session, *, assessment: PracticalAssessment, actor_id: int, now: datetime) -> None:
    """Lock the assessment. Needs two sheets, and a reconciliation when the examiners differed too much."""
    sheets = session.scalars(select(PracticalSheet.id).where(PracticalSheet.assessment_id == assessment.id)).all()
    if len(sheets) < MIN_EXAMINERS:
        raise RuleViolated("too_few_examiners", str(lazy("至少需要两名考评员独立评分。")), None)
    if assessment.needs_reconciliation and assessment.reconciled_percent is None:
        raise RuleViolated("reconciliation_required", str(lazy("考评员评分差距超限，须先复核并写明理由。")), None)
    if assessment.signed_off_at is None:
        assessment.signed_off_at, assessment.signed_off_by_id = now, actor_id
        audit.record(session, action="practical.signed_off", now=now, actor_id=actor_id,
                     target=f"practical:{assessment.id}")
    session.flush()


def practical_percent(assessment: PracticalAssessment) -> Decimal | None:
    if assessment.signed_off_at is None:
        return None
    return assessment.reconciled_percent if assessment.reconciled_percent is not None else assessment.percent


def level_result(session: Session, *, registration: Registration) -> OverallResult:
    """Theory ≥ pass and practical ≥ pass (per exam); what the certificates package consumes."""
    exam_session = session.get(ExamSession, registration.session_id)
    exam = session.get(Exam, exam_session.exam_id)
    attempt = session.scalar(select(Attempt).join(Paper, Paper.id == Attempt.paper_id)
                             .where(Paper.registration_id == registration.id))
    theory = attempt.percent if attempt is not None and attempt.status == AttemptStatus.SUBMITTED else None
    assessments = session.scalars(select(PracticalAssessment).where(
        PracticalAssessment.registration_id == registration.id)).all()
    percents = [practical_percent(a) for a in assessments]
    practical = min(percents) if percents and None not in percents else None
    redline = any(a.failed_by_redline for a in assessments if a.signed_off_at is not None)
    return overall_result(theory, practical, Decimal(exam.pass_mark), Decimal(exam.practical_pass_mark),
                          practical_redline=redline)


def passed_registrations(session: Session, *, after_id: int = 0, limit: int = 500) -> list[Registration]:
    """Registrations whose level assessment has passed (both parts), in id order, for a sweeper upstream."""
    candidates = session.scalars(
        select(Registration).join(PracticalAssessment, PracticalAssessment.registration_id == Registration.id)
        .where(Registration.id > after_id, PracticalAssessment.signed_off_at.is_not(None))
        .order_by(Registration.id).distinct().limit(limit)).all()
    return [r for r in candidates if level_result(session, registration=r).status == ResultStatus.PASSED]
