"""The waiting list and cancellation.

- A candidate may join the waiting list of a full session while registration is open (same eligibility
  as registering). When a seat is free, joining simply registers.
- A candidate may cancel until the cancellation cut-off (``cancel_closes_at``, else the registration
  close); the base may cancel until the session starts, but never a candidate who has started.
- A seat freed before the cut-off goes at once to the first eligible candidate on the waiting list
  (first come, first served), who gets a ticket, a seat and a notification. After the cut-off the list
  no longer moves; the closing job tells those left on it.

Every change happens under the session row lock, like registration, so capacity is never exceeded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, DomainError, NotFound, RuleViolated
from core.i18n import lazy
from core.models import Notification, User
from exams.models import Attempt, ExamSession, Paper, Registration, RegistrationStatus
from exams.seating import admit, release
from exams.sessions import check_eligible, register, seats_taken

MY_REGISTRATIONS_PATH = "/exams/registrations"


def _locked_session(session: Session, exam_session_id: int) -> ExamSession:
    exam_session = session.scalar(select(ExamSession).where(ExamSession.id == exam_session_id).with_for_update())
    if exam_session is None:
        raise NotFound()
    return exam_session


def cancel_deadline(exam_session: ExamSession) -> datetime:
    """Until when candidates may cancel and the waiting list moves up."""
    return exam_session.cancel_closes_at or exam_session.registration_closes_at or exam_session.starts_at


def join_waitlist(session: Session, *, exam_session_id: int, candidate: User, now: datetime) -> Registration:
    """Queue for a full session (registers at once when a seat is free). 409 when already on it or registered."""
    exam_session = _locked_session(session, exam_session_id)
    if exam_session.registration_opens_at and now < exam_session.registration_opens_at:
        raise RuleViolated("registration_not_open", str(lazy("报名尚未开始。")), None)
    if exam_session.registration_closes_at and now >= exam_session.registration_closes_at:
        raise RuleViolated("registration_closed", str(lazy("报名已截止。")), None)
    if seats_taken(session, exam_session.id) < exam_session.capacity:
        return register(session, exam_session_id=exam_session.id, candidate=candidate, now=now)
    existing = session.scalar(select(Registration).where(Registration.session_id == exam_session.id,
                                                         Registration.user_id == candidate.id))
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise Conflict("already_registered", str(lazy("您已报名这场考试。")), None)
    if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
        raise Conflict("already_waitlisted", str(lazy("您已在候补名单上。")), None)
    check_eligible(session, exam_session=exam_session, candidate=candidate)
    if existing is not None:
        existing.status, existing.created_at, existing.cancelled_at = RegistrationStatus.WAITLISTED, now, None
        existing.ticket_number = None
        session.flush()
        return existing
    registration = Registration(session_id=exam_session.id, user_id=candidate.id,
                                status=RegistrationStatus.WAITLISTED, created_at=now)
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        raise Conflict("already_waitlisted", str(lazy("您已在候补名单上。")), None) from None
    return registration


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the head of the list; None when not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == registration.session_id, Registration.status == RegistrationStatus.WAITLISTED,
        (Registration.created_at < registration.created_at)
        | ((Registration.created_at == registration.created_at) & (Registration.id < registration.id))))
    return (ahead or 0) + 1


def _has_started(session: Session, registration: Registration) -> bool:
    return session.scalar(select(Attempt.id).join(Paper, Paper.id == Attempt.paper_id)
                          .where(Paper.registration_id == registration.id)) is not None


def cancel_registration(session: Session, *, registration_id: int, actor_id: int, now: datetime,
                        by_staff: bool = False) -> Registration | None:
    """Cancel a seat or a waiting-list place; returns the registration promoted into a freed seat, if any."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound()
    exam_session = _locked_session(session, registration.session_id)
    session.refresh(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict("already_cancelled", str(lazy("该报名已取消。")), None)
    limit = exam_session.starts_at if by_staff else cancel_deadline(exam_session)
    if now >= limit:
        raise RuleViolated("cancel_closed", str(lazy("已过取消截止时间，请联系培训基地。")), None)
    if _has_started(session, registration):
        raise RuleViolated("attempt_started", str(lazy("考生已开始作答，不能取消。")), None)
    held_seat = registration.status == RegistrationStatus.REGISTERED
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, now
    release(registration)
    session.flush()
    audit.record(session, action="exam.registration_cancelled", now=now, actor_id=actor_id,
                 org_id=exam_session.org_id, target=f"registration:{registration.id}",
                 details={"session_id": exam_session.id, "by_staff": by_staff, "held_seat": held_seat})
    if held_seat and now < cancel_deadline(exam_session):
        return promote_next(session, exam_session=exam_session, now=now)
    return None


def promote_next(session: Session, *, exam_session: ExamSession, now: datetime) -> Registration | None:
    """Give free seats to the waiting list in order, skipping those no longer eligible (they stay queued).

    The caller holds the session row lock. Returns the last candidate promoted, or None.
    """
    promoted = None
    queue = session.scalars(select(Registration).where(
        Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id)).all()
    for registration in queue:
        if seats_taken(session, exam_session.id) >= exam_session.capacity:
            break
        candidate = session.get(User, registration.user_id)
        try:
            check_eligible(session, exam_session=exam_session, candidate=candidate)
        except DomainError:
            continue
        registration.status = RegistrationStatus.REGISTERED
        session.flush()
        admit(session, exam_session=exam_session, registration=registration)
        session.add(Notification(
            user_id=candidate.id, title=str(lazy("候补成功：%(t)s", t=exam_session.title)),
            body=str(lazy("有考生取消了报名，您已从候补名单递补，获得座位。请下载准考证。")),
            link=MY_REGISTRATIONS_PATH, dedupe_key=f"exam-promoted:{registration.id}:{int(now.timestamp())}",
            created_at=now))
        audit.record(session, action="exam.waitlist_promoted", now=now, actor_id=None, org_id=exam_session.org_id,
                     target=f"registration:{registration.id}", details={"session_id": exam_session.id})
        promoted = registration
    session.flush()
    return promoted
