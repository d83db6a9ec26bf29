"""Read side of the training-base pages: objects scoped to their base, lists for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Membership, Organisation, OrgKind, Role, User
from exams.models import (
    Attempt,
    Exam,
    ExamSession,
    Paper,
    Registration,
    RegistrationStatus,
    SessionStaff,
    Venue,
    VenueRoom,
)
from exams.sessions import seats_taken
from exams.waitlist import cancel_deadline, waitlist_position

STAFF_ROLES = (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER)


def bases_staffed_by(session: Session, user: User) -> list[Organisation]:
    return list(session.scalars(select(Organisation).join(Membership, Membership.org_id == Organisation.id)
                                .where(Membership.user_id == user.id, Membership.role.in_(STAFF_ROLES),
                                       Organisation.kind == OrgKind.TRAINING_BASE)
                                .distinct().order_by(Organisation.name)))


def venue_in_org(session: Session, org_id: int, venue_id: int) -> Venue | None:
    venue = session.get(Venue, venue_id)
    return venue if venue is not None and venue.org_id == org_id else None


def session_in_org(session: Session, org_id: int, session_id: int) -> ExamSession | None:
    exam_session = session.get(ExamSession, session_id)
    return exam_session if exam_session is not None and exam_session.org_id == org_id else None


def registration_in_session(session: Session, exam_session: ExamSession, registration_id: int) -> Registration | None:
    registration = session.get(Registration, registration_id)
    return registration if registration is not None and registration.session_id == exam_session.id else None


def attempt_in_session(session: Session, exam_session: ExamSession, attempt_id: int) -> Attempt | None:
    attempt = session.get(Attempt, attempt_id)
    return attempt if attempt is not None and attempt.session_id == exam_session.id else None


def assignment_in_session(session: Session, exam_session: ExamSession, assignment_id: int) -> SessionStaff | None:
    row = session.get(SessionStaff, assignment_id)
    return row if row is not None and row.session_id == exam_session.id else None


def venues_of(session: Session, org_id: int) -> list[tuple[Venue, int, int]]:
    """(venue, rooms, seats) of the base."""
    rows = session.execute(
        select(Venue, func.count(VenueRoom.id), func.coalesce(func.sum(VenueRoom.seats), 0))
        .outerjoin(VenueRoom, VenueRoom.venue_id == Venue.id).where(Venue.org_id == org_id)
        .group_by(Venue.id).order_by(Venue.name)).tuples().all()
    return [(v, int(n), int(s)) for v, n, s in rows]


def exams_of(session: Session, org_id: int) -> list[Exam]:
    return list(session.scalars(select(Exam).where(Exam.org_id == org_id).order_by(Exam.title)))


def sessions_of(session: Session, org_id: int) -> list[tuple[ExamSession, Venue | None, int]]:
    taken = (select(Registration.session_id, func.count(Registration.id).label("n"))
             .where(Registration.status == RegistrationStatus.REGISTERED).group_by(Registration.session_id)
             .subquery())
    rows = session.execute(
        select(ExamSession, Venue, func.coalesce(taken.c.n, 0)).outerjoin(Venue, Venue.id == ExamSession.venue_id)
        .outerjoin(taken, taken.c.session_id == ExamSession.id).where(ExamSession.org_id == org_id)
        .order_by(ExamSession.starts_at.desc())).tuples().all()
    return [(s, v, int(n)) for s, v, n in rows]


@dataclass(frozen=True)
class RegistrationLine:
    registration: Registration
    name: str
    phone_masked: str
    room: str
    attempt_id: int | None


def registrations_of(session: Session, exam_session: ExamSession) -> list[RegistrationLine]:
    """Registered first (seat order), then the waiting list in order, then cancellations."""
    rows = session.execute(
        select(Registration, User.name, User.phone_masked, VenueRoom.name, Attempt.id)
        .join(User, User.id == Registration.user_id)
        .outerjoin(VenueRoom, VenueRoom.id == Registration.room_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.session_id == exam_session.id)
        .order_by(VenueRoom.position, Registration.seat_no, Registration.created_at, Registration.id)).tuples().all()
    order = {RegistrationStatus.REGISTERED: 0, RegistrationStatus.WAITLISTED: 1, RegistrationStatus.CANCELLED: 2}
    lines = [RegistrationLine(r, n, p, room or "", a) for r, n, p, room, a in rows]
    return sorted(lines, key=lambda line: order.get(line.registration.status, 3))


@dataclass(frozen=True)
class MyRegistration:
    registration: Registration
    exam_session: ExamSession
    venue: Venue | None
    room: str
    position: int | None
    can_cancel: bool
    attempt_id: int | None


def my_registrations(session: Session, user_id: int, *, now: datetime) -> list[MyRegistration]:
    rows = session.execute(
        select(Registration, ExamSession, Venue, VenueRoom.name, Attempt.id)
        .join(ExamSession, ExamSession.id == Registration.session_id)
        .outerjoin(Venue, Venue.id == ExamSession.venue_id)
        .outerjoin(VenueRoom, VenueRoom.id == Registration.room_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.user_id == user_id).order_by(ExamSession.starts_at.desc())).tuples().all()
    return [MyRegistration(r, s, v, room or "", waitlist_position(session, r),
                           r.status != RegistrationStatus.CANCELLED and now < cancel_deadline(s) and a is None, a)
            for r, s, v, room, a in rows]


def full_open_sessions(session: Session, *, now: datetime, user_id: int) -> list[ExamSession]:
    """Sessions open for registration with no seat left, that the user is not already on."""
    mine = select(Registration.session_id).where(Registration.user_id == user_id,
                                                  Registration.status != RegistrationStatus.CANCELLED)
    candidates = session.scalars(select(ExamSession).where(
        (ExamSession.registration_opens_at.is_(None)) | (ExamSession.registration_opens_at <= now),
        ExamSession.registration_closes_at > now, ExamSession.id.not_in(mine)).order_by(ExamSession.starts_at))
    return [s for s in candidates if seats_taken(session, s.id) >= s.capacity]


def own_registration(session: Session, user_id: int, registration_id: int) -> Registration | None:
    registration = session.get(Registration, registration_id)
    return registration if registration is not None and registration.user_id == user_id else None
