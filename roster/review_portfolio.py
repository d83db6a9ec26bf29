"""The portfolio a review panel reads (read side, no Flask): the subject's certificates, competition placings
and titles, and the theory and practical scores of the assessment that led to the certificate under review,
item by item and examiner by examiner where the practical checklist has them.

Only masked personal data appears here (the ID number as the platform masks it, never a phone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.models import Certificate, SourceType
from certificates.policy import title_of
from certificates.queries import certificates_of
from certificates.status import public_status, status_label
from core.i18n import lazy
from core.models import Organisation, User
from exams.competitions.models import Competition, Event, FinalPlacing
from exams.competitions.rules.messages import AWARD_LABELS
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
from exams.practical import checklist_from_json, practical_percent
from roster.review_models import ReviewApplication

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CertificateLine:
    serial: str
    title: str
    skill_name: str
    level: str
    issuer: str
    status: str
    expires_at: datetime | None


@dataclass(frozen=True)
class PlacingLine:
    competition: str
    event: str
    level: str
    rank: int
    total: Decimal
    awards: tuple[str, ...]  # labels (金牌, 技术能手 …)
    decided_at: datetime


@dataclass(frozen=True)
class ItemLine:
    """One checklist item: its marks from each examiner, in sheet order (redline items: 违反 / 未违反)."""

    title: str
    kind: str
    max_points: Decimal | None
    marks: tuple[str, ...]


@dataclass(frozen=True)
class PracticalLine:
    task: str
    percent: Decimal | None  # the signed-off result (the reconciled one when there was a reconciliation)
    reconciled: bool
    failed_by_redline: bool
    examiner_percents: tuple[Decimal, ...]
    items: tuple[ItemLine, ...]


@dataclass(frozen=True)
class AssessmentRecord:
    exam: str
    level: str
    base: str
    exam_date: str
    theory_percent: Decimal | None
    theory_pass_mark: Decimal
    practical_pass_mark: Decimal
    practicals: tuple[PracticalLine, ...]


@dataclass(frozen=True)
class Portfolio:
    name: str
    id_number_masked: str
    certificate: Certificate  # the one under review
    certificates: tuple[CertificateLine, ...]
    placings: tuple[PlacingLine, ...]
    titles: tuple[str, ...]  # distinct competition titles and awards (技术能手 …), labelled
    assessment: AssessmentRecord | None


def _award_label(code: str) -> str:
    return str(lazy(AWARD_LABELS[code])) if code in AWARD_LABELS else code


def _certificates(session: Session, user_id: int, config: CertConfig, now: datetime) -> tuple[CertificateLine, ...]:
    return tuple(
        CertificateLine(c.serial, title_of(c.kind), c.skill_name, c.level, c.issuer_name,
                        status_label(public_status(c.state, config.policy(c.kind), c.expires_at, now)), c.expires_at)
        for c in certificates_of(session, user_id))


def _placings(session: Session, user_id: int) -> tuple[PlacingLine, ...]:
    rows = session.execute(
        select(FinalPlacing, Event, Competition).join(Event, Event.id == FinalPlacing.event_id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(FinalPlacing.user_id == user_id).order_by(FinalPlacing.decided_at.desc(), FinalPlacing.id.desc()))
    return tuple(PlacingLine(c.title, e.title, e.level, p.rank, p.total, tuple(_award_label(a) for a in p.awards),
                             p.decided_at) for p, e, c in rows)


def _mark_text(value: object) -> str:
    if isinstance(value, bool):
        return str(lazy("违反")) if value else str(lazy("未违反"))
    return "" if value is None else str(value)


def _practical(session: Session, assessment: PracticalAssessment) -> PracticalLine:
    task = session.get(PracticalTask, assessment.task_id)
    checklist = checklist_from_json(task.checklist)
    sheets = session.scalars(select(PracticalSheet).where(PracticalSheet.assessment_id == assessment.id)
                             .order_by(PracticalSheet.id)).all()
    items = tuple(ItemLine(item.title, str(item.kind), item.full_marks if item.kind != "redline" else None,
                           tuple(_mark_text(s.marks.get(item.code)) for s in sheets))
                  for item in checklist.items)
    return PracticalLine(task.title, practical_percent(assessment), assessment.reconciled_percent is not None,
                         assessment.failed_by_redline, tuple(s.percent for s in sheets), items)


def _assessment(session: Session, certificate: Certificate) -> AssessmentRecord | None:
    """The level assessment behind a certificate issued for an exam registration; None for other sources."""
    if certificate.source_type != SourceType.REGISTRATION:
        return None
    registration = session.get(Registration, certificate.source_id)
    if registration is None:
        return None
    exam_session = session.get(ExamSession, registration.session_id)
    exam = session.get(Exam, exam_session.exam_id)
    attempt = session.scalar(select(Attempt).join(Paper, Paper.id == Attempt.paper_id)
                             .where(Paper.registration_id == registration.id))
    theory = attempt.percent if attempt is not None and attempt.status == AttemptStatus.SUBMITTED else None
    assessments = session.scalars(select(PracticalAssessment).where(
        PracticalAssessment.registration_id == registration.id).order_by(PracticalAssessment.id)).all()
    base = session.get(Organisation, exam_session.org_id)
    return AssessmentRecord(exam.title, exam.level, base.name if base else "",
                            exam_session.starts_at.astimezone(CHINA).date().isoformat(), theory,
                            Decimal(exam.pass_mark), Decimal(exam.practical_pass_mark),
                            tuple(_practical(session, a) for a in assessments))


def portfolio(session: Session, application: ReviewApplication, *, config: CertConfig,
              now: datetime) -> Portfolio:
    """Everything the panel weighs for one application; certificate statuses are as of ``now``."""
    subject = session.get(User, application.subject_user_id)
    certificate = session.get(Certificate, application.certificate_id)
    placings = _placings(session, subject.id)
    titles = tuple(dict.fromkeys(a for p in placings for a in p.awards))
    return Portfolio(subject.name, subject.id_number_masked or "", certificate,
                     _certificates(session, subject.id, config, now), placings, titles,
                     _assessment(session, certificate))
