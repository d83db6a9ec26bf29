"""Issuing certificates: for a passed level assessment, a completed course, a competition award.

Issuance is automatic and idempotent: the sweeper (``sweep_issuance``) finds passed assessments and completed
courses without a certificate and issues one; running it twice issues nothing new, and the unique constraint
on (source, generation) stops two certificates for one source even when two writers race. Levels 二级 and
一级 wait in ``pending_approval`` until the expert committee decides (``decide_approval``, called by the
package that runs the committee review).

Services take the session, actor and time, flush and never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.models import Certificate, IssuanceCheck, SerialCounter, SourceType
from certificates.policy import (
    CertificateKind,
    expiry_for,
    kind_for_exam_level,
    needs_committee_review,
    skill_code,
    title_of,
)
from certificates.serials import make_serial
from certificates.status import CertificateState
from core import audit
from core.errors import Conflict, ValidationFailed
from core.i18n import lazy
from core.models import Organisation, User
from exams.models import Exam, ExamSession, PracticalAssessment, Registration
from exams.practical import level_result
from exams.rules.scoring import ResultStatus
from lms.models import Course, Enrolment
from lms.queries import has_completed_course

CHINA = ZoneInfo("Asia/Shanghai")
RECHECK_FAILED = timedelta(days=1)
RECHECK_PENDING = timedelta(minutes=10)


@dataclass(frozen=True)
class Draft:
    """Everything printed on a certificate, before it gets a serial."""

    kind: CertificateKind
    holder: User
    issuer_org: Organisation | None
    issuer_name: str
    skill_code: str
    skill_name: str
    level: str = ""
    award: str = ""
    details: dict = field(default_factory=dict)


def allocate_serial(session: Session, *, skill: str, now: datetime) -> str:
    """Next serial for (year, skill); the counter row's update serialises concurrent writers."""
    year = now.astimezone(CHINA).year
    scope = f"{year}-{skill}"
    for _ in range(3):
        value = session.execute(
            update(SerialCounter).where(SerialCounter.scope == scope)
            .values(last_value=SerialCounter.last_value + 1).returning(SerialCounter.last_value)
            .execution_options(synchronize_session=False)).scalar()
        if value is not None:
            return make_serial(year=year, skill=skill, sequence=value)
        try:
            with session.begin_nested():
                session.add(SerialCounter(scope=scope, last_value=0))
        except IntegrityError:
            pass  # another writer created the row first; update it
    raise RuntimeError(f"could not allocate a serial for {scope}")


def _activate(cert: Certificate, config: CertConfig, now: datetime, valid_from: datetime | None = None,
              expires_at: datetime | None = None) -> None:
    cert.state = CertificateState.ISSUED
    cert.issued_at = now
    cert.valid_from = valid_from or now
    cert.expires_at = expires_at or expiry_for(config.policy(cert.kind), cert.valid_from)


def create_certificate(session: Session, *, draft: Draft, source_type: SourceType, source_id: int,
                       config: CertConfig, now: datetime, actor_id: int | None = None, generation: int = 0,
                       pending: bool = False, valid_from: datetime | None = None,
                       expires_at: datetime | None = None) -> Certificate:
    """Insert one certificate (inside a savepoint); ``Conflict`` when that source and generation exist."""
    try:
        with session.begin_nested():
            cert = Certificate(
                serial=allocate_serial(session, skill=draft.skill_code, now=now),
                token=secrets.token_urlsafe(16), kind=draft.kind, state=CertificateState.PENDING_APPROVAL,
                holder_id=draft.holder.id, holder_name=draft.holder.name,
                issuer_org_id=draft.issuer_org.id if draft.issuer_org else None, issuer_name=draft.issuer_name,
                title=title_of(draft.kind), skill_code=draft.skill_code, skill_name=draft.skill_name,
                level=draft.level, award=draft.award, details=draft.details, source_type=source_type,
                source_id=source_id, generation=generation, created_at=now)
            if not pending:
                _activate(cert, config, now, valid_from, expires_at)
            session.add(cert)
            session.flush()
    except IntegrityError:
        raise Conflict("already_certified", str(lazy("该来源已经发过证书。"))) from None
    audit.record(session, action="certificate.pending_review" if pending else "certificate.issued", now=now,
                 actor_id=actor_id, org_id=cert.issuer_org_id, target=f"certificate:{cert.id}",
                 details={"serial": cert.serial, "kind": str(cert.kind), "source": f"{source_type}:{source_id}"})
    return cert


def certificate_for_source(session: Session, source_type: SourceType, source_id: int) -> Certificate | None:
    """The first certificate issued for a source (generation 0), if any."""
    return session.scalar(select(Certificate).where(Certificate.source_type == source_type,
                                                    Certificate.source_id == source_id,
                                                    Certificate.generation == 0))


def _issue_once(session: Session, *, draft: Draft, source_type: SourceType, source_id: int, config: CertConfig,
                now: datetime, actor_id: int | None = None, pending: bool = False) -> Certificate:
    existing = certificate_for_source(session, source_type, source_id)
    if existing is not None:
        return existing
    try:
        return create_certificate(session, draft=draft, source_type=source_type, source_id=source_id,
                                  config=config, now=now, actor_id=actor_id, pending=pending)
    except Conflict:
        return certificate_for_source(session, source_type, source_id)  # a concurrent writer won


# -- the three sources --------------------------------------------------------------------------------------------

def issue_for_registration(session: Session, *, registration: Registration, config: CertConfig,
                           now: datetime) -> Certificate | None:
    """A level certificate when ``exams.practical.level_result`` says passed; None otherwise. Idempotent."""
    if level_result(session, registration=registration).status != ResultStatus.PASSED:
        return None
    return _certify_registration(session, registration=registration, config=config, now=now)


def _certify_registration(session: Session, *, registration: Registration, config: CertConfig,
                          now: datetime) -> Certificate:
    exam_session = session.get(ExamSession, registration.session_id)
    exam = session.get(Exam, exam_session.exam_id)
    course = session.get(Course, exam.course_id) if exam.course_id else None
    base = session.get(Organisation, exam_session.org_id)
    draft = Draft(kind=kind_for_exam_level(exam.level), holder=session.get(User, registration.user_id),
                  issuer_org=base, issuer_name=base.name, skill_code=skill_code(course.slug if course else None),
                  skill_name=(course.occupation or course.title) if course else exam.title, level=exam.level,
                  details={"exam": exam.title,
                           "exam_date": exam_session.starts_at.astimezone(CHINA).date().isoformat()})
    return _issue_once(session, draft=draft, source_type=SourceType.REGISTRATION, source_id=registration.id,
                       config=config, now=now, pending=needs_committee_review(exam.level))


def issue_for_enrolment(session: Session, *, enrolment: Enrolment, config: CertConfig,
                        now: datetime) -> Certificate | None:
    """A training certificate (issued by the platform) once the course is complete. Idempotent."""
    if not has_completed_course(session, user_id=enrolment.user_id, course_id=enrolment.course_id):
        return None
    course = session.get(Course, enrolment.course_id)
    draft = Draft(kind=CertificateKind.TRAINING, holder=session.get(User, enrolment.user_id), issuer_org=None,
                  issuer_name=config.issuer_name, skill_code=skill_code(course.slug), skill_name=course.title,
                  details={"course": course.slug, "hours": course.hours,
                           "completed_on": enrolment.completed_at.astimezone(CHINA).date().isoformat()})
    return _issue_once(session, draft=draft, source_type=SourceType.ENROLMENT, source_id=enrolment.id,
                       config=config, now=now)


def issue_competition_award(session: Session, *, award_id: int, holder: User, issuer_org: Organisation,
                            competition: str, award: str, skill_name: str, skill_slug: str | None, now: datetime,
                            config: CertConfig, actor_id: int | None, level: str = "",
                            awarded_at: datetime | None = None) -> Certificate:
    """A competition award certificate (金牌, 技术能手 …) for one award row of the competitions package.

    Idempotent per ``award_id``. ``issuer_org`` is the organiser (a training base or the committee).
    """
    if not (competition or "").strip() or not (award or "").strip():
        raise ValidationFailed("award_incomplete", str(lazy("请提供竞赛名称和奖项。")), "award")
    draft = Draft(kind=CertificateKind.COMPETITION_AWARD, holder=holder, issuer_org=issuer_org,
                  issuer_name=issuer_org.name, skill_code=skill_code(skill_slug), skill_name=skill_name,
                  level=level, award=award.strip()[:120],
                  details={"competition": competition.strip()[:200],
                           "awarded_on": (awarded_at or now).astimezone(CHINA).date().isoformat()})
    return _issue_once(session, draft=draft, source_type=SourceType.AWARD, source_id=award_id, config=config,
                       now=now, actor_id=actor_id)


def decide_approval(session: Session, *, certificate: Certificate, approved: bool, actor_id: int, note: str,
                    config: CertConfig, now: datetime) -> Certificate:
    """The committee's decision on a 二级/一级 certificate: issue it, or mark it rejected (never public)."""
    if certificate.state != CertificateState.PENDING_APPROVAL:
        raise Conflict("not_pending", str(lazy("该证书不在待评审状态。")))
    certificate.approval_decided_at, certificate.approval_decided_by_id = now, actor_id
    certificate.approval_note = (note or "").strip()[:2000]
    if approved:
        _activate(certificate, config, now)
    else:
        certificate.state = CertificateState.REJECTED
    audit.record(session, action="certificate.approved" if approved else "certificate.rejected", now=now,
                 actor_id=actor_id, org_id=certificate.issuer_org_id, target=f"certificate:{certificate.id}",
                 details={"serial": certificate.serial})
    session.flush()
    return certificate


def pending_approvals(session: Session, *, limit: int = 200) -> list[Certificate]:
    """Certificates waiting for the committee, oldest first (the roster's review queue reads this)."""
    return list(session.scalars(select(Certificate).where(Certificate.state == CertificateState.PENDING_APPROVAL)
                                .order_by(Certificate.id).limit(limit)))


# -- the sweeper -----------------------------------------------------------------------------------------------

@dataclass
class SweepReport:
    issued: list[str] = field(default_factory=list)
    pending_review: list[str] = field(default_factory=list)
    not_passed: int = 0


def _not_certified(source_type: SourceType, id_column):
    return ~exists().where(Certificate.source_type == source_type, Certificate.source_id == id_column)


def _registration_candidates(session: Session, *, after_id: int, now: datetime, batch: int) -> list[Registration]:
    signed_off = exists().where(PracticalAssessment.registration_id == Registration.id,
                                PracticalAssessment.signed_off_at.is_not(None))
    recently_checked = exists().where(
        IssuanceCheck.source_type == SourceType.REGISTRATION, IssuanceCheck.source_id == Registration.id,
        ((IssuanceCheck.outcome == ResultStatus.FAILED) & (IssuanceCheck.checked_at > now - RECHECK_FAILED))
        | ((IssuanceCheck.outcome == ResultStatus.PENDING) & (IssuanceCheck.checked_at > now - RECHECK_PENDING)))
    return list(session.scalars(
        select(Registration).where(Registration.id > after_id, signed_off, ~recently_checked,
                                   _not_certified(SourceType.REGISTRATION, Registration.id))
        .order_by(Registration.id).limit(batch)))


def _remember(session: Session, registration_id: int, outcome: str, now: datetime) -> None:
    check = session.get(IssuanceCheck, (SourceType.REGISTRATION, registration_id))
    if check is None:
        session.add(IssuanceCheck(source_type=SourceType.REGISTRATION, source_id=registration_id,
                                  outcome=outcome, checked_at=now))
    else:
        check.outcome, check.checked_at = outcome, now


def _record(report: SweepReport, cert: Certificate | None) -> None:
    if cert is None:
        report.not_passed += 1
    elif cert.state == CertificateState.PENDING_APPROVAL:
        report.pending_review.append(cert.serial)
    else:
        report.issued.append(cert.serial)


def sweep_issuance(session: Session, *, config: CertConfig, now: datetime, batch: int = 200,
                   max_per_run: int = 2000) -> SweepReport:
    """Certify every passed level assessment and completed course that has no certificate yet.

    A registration that is not passed is remembered and looked at again after 10 minutes (pending) or a
    day (failed: only a regrade can change it), so failures do not cost every run.
    """
    report = SweepReport()
    after = 0
    while len(report.issued) + len(report.pending_review) + report.not_passed < max_per_run:
        candidates = _registration_candidates(session, after_id=after, now=now, batch=batch)
        for registration in candidates:
            result = level_result(session, registration=registration).status
            cert = None
            if result == ResultStatus.PASSED:
                cert = _certify_registration(session, registration=registration, config=config, now=now)
            else:
                _remember(session, registration.id, result, now)
            _record(report, cert)
            after = registration.id
        if len(candidates) < batch:
            break
    enrolments = session.scalars(
        select(Enrolment).where(Enrolment.completed_at.is_not(None), _not_certified(SourceType.ENROLMENT, Enrolment.id))
        .order_by(Enrolment.id).limit(max_per_run)).all()
    for enrolment in enrolments:
        _record(report, issue_for_enrolment(session, enrolment=enrolment, config=config, now=now))
    session.flush()
    return report
