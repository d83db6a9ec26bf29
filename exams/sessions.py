"""Exam sessions and registration: eligibility, capacity that is never exceeded, cancellation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.models import Exam, ExamSession, Registration, RegistrationStatus
from exams.seating import admit
from lms.queries import has_completed_course


def create_session(session: Session, *, exam: Exam, starts_at: datetime, ends_at: datetime, capacity: int,
                   now: datetime, title: str = "", registration_opens_at: datetime | None = None,
                   registration_closes_at: datetime | None = None) -> ExamSession:
    if ends_at <= starts_at:
        raise ValidationFailed("invalid_window", str(lazy("结束时间必须晚于开始时间。")), "ends_at")
    if capacity < 1:
        raise ValidationFailed("invalid_capacity", str(lazy("容量至少为1。")), "capacity")
    row = ExamSession(org_id=exam.org_id, exam_id=exam.id, title=title or exam.title, starts_at=starts_at,
                      ends_at=ends_at, capacity=capacity, registration_opens_at=registration_opens_at,
                      registration_closes_at=registration_closes_at or starts_at, created_at=now)
    session.add(row)
    session.flush()
    return row


def seats_taken(session: Session, exam_session_id: int) -> int:
    return session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == exam_session_id, Registration.status == RegistrationStatus.REGISTERED)) or 0


def check_eligible(session: Session, *, exam_session: ExamSession, candidate: User) -> None:
    """Course completed, real-name profile complete, no overlapping registration; else 422 with the reason."""
    exam = session.get(Exam, exam_session.exam_id)
    if not candidate.id_number_enc:
        raise RuleViolated("profile_incomplete", str(lazy("请先完成实名信息（身份证号）。")), "id_number")
    if exam.course_id and not has_completed_course(session, user_id=candidate.id, course_id=exam.course_id):
        raise RuleViolated("course_not_completed", str(lazy("请先学完对应课程并通过练习（平均 ≥ 80%）。")), None)
    overlap = session.scalar(
        select(Registration.id).join(ExamSession, ExamSession.id == Registration.session_id)
        .where(Registration.user_id == candidate.id, Registration.status == RegistrationStatus.REGISTERED,
               ExamSession.id != exam_session.id, ExamSession.starts_at < exam_session.ends_at,
               ExamSession.ends_at > exam_session.starts_at))
    if overlap:
        raise RuleViolated("overlapping", str(lazy("您已报名同一时间段的另一场考试。")), None)


def register(session: Session, *, exam_session_id: int, candidate: User, now: datetime) -> Registration:
    """Register for a seat. 409 when full or already registered, 422 when not eligible.

    The session row is locked while seats are counted, so concurrent registrations never exceed capacity.
    """
    exam_session = session.scalar(select(ExamSession).where(ExamSession.id == exam_session_id).with_for_update())
    if exam_session is None:
        raise NotFound()
    if exam_session.registration_opens_at and now < exam_session.registration_opens_at:
        raise RuleViolated("registration_not_open", str(lazy("报名尚未开始。")), None)
    if exam_session.registration_closes_at and now >= exam_session.registration_closes_at:
        raise RuleViolated("registration_closed", str(lazy("报名已截止。")), None)
    existing = session.scalar(select(Registration).where(Registration.session_id == exam_session.id,
                                                         Registration.user_id == candidate.id))
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise Conflict("already_registered", str(lazy("您已报名这场考试。")), None)
    check_eligible(session, exam_session=exam_session, candidate=candidate)
    if seats_taken(session, exam_session.id) >= exam_session.capacity:
        raise Conflict("full", str(lazy("这场考试已满员。")), None)
    if existing is not None:
        existing.status, existing.created_at, existing.cancelled_at = RegistrationStatus.REGISTERED, now, None
        existing.ticket_number = None  # a fresh ticket: the cancelled one must not open the door again
        session.flush()
        return admit(session, exam_session=exam_session, registration=existing)
    registration = Registration(session_id=exam_session.id, user_id=candidate.id,
                                status=RegistrationStatus.REGISTERED, created_at=now)
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        raise Conflict("already_registered", str(lazy("您已报名这场考试。")), None) from None
    return admit(session, exam_session=exam_session, registration=registration)


def open_sessions(session: Session, *, now: datetime) -> list[tuple[ExamSession, int]]:
    """Sessions whose registration is open now, with seats taken."""
    taken = (select(Registration.session_id, func.count(Registration.id).label("n"))
             .where(Registration.status == RegistrationStatus.REGISTERED).group_by(Registration.session_id).subquery())
    rows = session.execute(
        select(ExamSession, func.coalesce(taken.c.n, 0)).outerjoin(taken, taken.c.session_id == ExamSession.id)
        .where((ExamSession.registration_opens_at.is_(None)) | (ExamSession.registration_opens_at <= now),
               ExamSession.registration_closes_at > now)
        .order_by(ExamSession.starts_at)).all()
    return [(row[0], int(row[1])) for row in rows]
