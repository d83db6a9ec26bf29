"""Venues, rooms, scheduling sessions at a venue, and the staff on duty (with the staffing check)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import lazy
from core.models import Membership, Role, User
from exams.models import (
    Exam,
    ExamSession,
    PracticalTask,
    Registration,
    RegistrationStatus,
    SessionStaff,
    StaffDuty,
    Venue,
    VenueRoom,
)
from exams.rules.staffing import RoomLoad, StaffingWarning, check_staffing, planned_room_loads
from exams.seating import rooms_of_venue
from exams.sessions import create_session

DUTY_ROLES = {StaffDuty.INVIGILATOR: (Role.INVIGILATOR, Role.BASE_ADMIN), StaffDuty.EXAMINER: (Role.EXAMINER,)}


def create_venue(session: Session, *, org_id: int, actor_id: int, name: str, address: str, now: datetime) -> Venue:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("invalid_name", str(lazy("请填写考点名称。")), "name")
    venue = Venue(org_id=org_id, name=name[:120], address=(address or "").strip()[:200], created_at=now)
    session.add(venue)
    session.flush()
    audit.record(session, action="exam.venue_created", now=now, actor_id=actor_id, org_id=org_id,
                 target=f"venue:{venue.id}")
    return venue


def add_room(session: Session, *, venue: Venue, actor_id: int, name: str, seats: int, now: datetime) -> VenueRoom:
    """A room with ``seats`` seats (1–500); names are unique within the venue."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("invalid_name", str(lazy("请填写考场名称。")), "name")
    if not isinstance(seats, int) or not 1 <= seats <= 500:
        raise ValidationFailed("invalid_seats", str(lazy("座位数应为1–500。")), "seats")
    position = session.scalar(select(func.coalesce(func.max(VenueRoom.position), 0))
                              .where(VenueRoom.venue_id == venue.id)) + 1
    room = VenueRoom(venue_id=venue.id, name=name[:60], seats=seats, position=position)
    try:
        with session.begin_nested():
            session.add(room)
            session.flush()
    except IntegrityError:
        raise Conflict("room_exists", str(lazy("这个考点已有同名考场。")), "name") from None
    audit.record(session, action="exam.room_added", now=now, actor_id=actor_id, org_id=venue.org_id,
                 target=f"venue:{venue.id}", details={"room_id": room.id, "seats": seats})
    return room


def schedule_session(session: Session, *, exam: Exam, venue: Venue, actor_id: int, starts_at: datetime,
                     ends_at: datetime, capacity: int, now: datetime, title: str = "",
                     registration_opens_at: datetime | None = None, registration_closes_at: datetime | None = None,
                     cancel_closes_at: datetime | None = None) -> ExamSession:
    """A session of the base's exam at the base's venue; capacity cannot exceed the venue's seats."""
    if venue.org_id != exam.org_id:
        raise NotFound()
    seats = sum(room.seats for room in rooms_of_venue(session, venue.id))
    if capacity > seats:
        raise ValidationFailed("capacity_over_seats",
                               str(lazy("容量不能超过考点座位总数（%(n)s）。", n=seats)), "capacity")
    closes = registration_closes_at or starts_at
    if registration_opens_at and registration_opens_at >= closes:
        raise ValidationFailed("invalid_registration_window", str(lazy("报名开始时间必须早于报名截止时间。")),
                               "registration_opens_at")
    if closes > starts_at:
        raise ValidationFailed("invalid_registration_window", str(lazy("报名截止时间不能晚于考试开始时间。")),
                               "registration_closes_at")
    if cancel_closes_at and cancel_closes_at > starts_at:
        raise ValidationFailed("invalid_cancel_cutoff", str(lazy("取消截止时间不能晚于考试开始时间。")),
                               "cancel_closes_at")
    exam_session = create_session(session, exam=exam, starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                                  now=now, title=title, registration_opens_at=registration_opens_at,
                                  registration_closes_at=closes)
    exam_session.venue_id, exam_session.cancel_closes_at = venue.id, cancel_closes_at
    session.flush()
    audit.record(session, action="exam.session_scheduled", now=now, actor_id=actor_id, org_id=exam.org_id,
                 target=f"exam_session:{exam_session.id}", details={"venue_id": venue.id, "capacity": capacity})
    return exam_session


def staff_choices(session: Session, org_id: int, duty: StaffDuty) -> list[User]:
    """Members of the base who may take ``duty``."""
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.org_id == org_id, Membership.role.in_(DUTY_ROLES[duty]))
                                .distinct().order_by(User.name, User.id)))


def assign_staff(session: Session, *, exam_session: ExamSession, actor_id: int, user_id: int, duty: str,
                 room_id: int | None, now: datetime) -> SessionStaff:
    """Put a member of the base on duty; invigilators need a room of the session's venue."""
    try:
        duty = StaffDuty(duty)
    except ValueError:
        raise ValidationFailed("invalid_duty", str(lazy("职责无效。")), "duty") from None
    if user_id not in {u.id for u in staff_choices(session, exam_session.org_id, duty)}:
        raise ValidationFailed("not_staff", str(lazy("只能安排本基地具有相应角色的人员。")), "user_id")
    rooms = {r.id for r in rooms_of_venue(session, exam_session.venue_id)}
    if duty == StaffDuty.INVIGILATOR and rooms and room_id not in rooms:
        raise ValidationFailed("invalid_room", str(lazy("请选择本场考试的考场。")), "room_id")
    row = SessionStaff(session_id=exam_session.id, user_id=user_id, duty=duty,
                       room_id=room_id if duty == StaffDuty.INVIGILATOR else None, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("already_assigned", str(lazy("此人已安排了这项职责。")), "user_id") from None
    audit.record(session, action="exam.staff_assigned", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                 target=f"exam_session:{exam_session.id}", details={"user_id": user_id, "duty": str(duty)})
    return row


def remove_staff(session: Session, *, assignment: SessionStaff, exam_session: ExamSession, actor_id: int,
                 now: datetime) -> None:
    audit.record(session, action="exam.staff_removed", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                 target=f"exam_session:{exam_session.id}",
                 details={"user_id": assignment.user_id, "duty": assignment.duty})
    session.delete(assignment)
    session.flush()


@dataclass(frozen=True)
class RoomDuty:
    room: VenueRoom
    planned: int
    registered: int
    invigilators: list[tuple[SessionStaff, User]]


@dataclass(frozen=True)
class Staffing:
    rooms: list[RoomDuty]
    examiners: list[tuple[SessionStaff, User]]
    unplaced: list[tuple[SessionStaff, User]]  # invigilators of a session without rooms
    has_practical: bool
    warnings: list[StaffingWarning]


def staffing_of(session: Session, exam_session: ExamSession) -> Staffing:
    """Who is on duty where, and the staffing rule checked against a full session (capacity)."""
    rooms = rooms_of_venue(session, exam_session.venue_id)
    duty = session.execute(select(SessionStaff, User).join(User, User.id == SessionStaff.user_id)
                           .where(SessionStaff.session_id == exam_session.id)
                           .order_by(SessionStaff.id)).tuples().all()
    per_room = dict(session.execute(select(Registration.room_id, func.count(Registration.id)).where(
        Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED)
        .group_by(Registration.room_id)).tuples().all())
    planned = planned_room_loads([r.seats for r in rooms], exam_session.capacity)
    room_duties = [RoomDuty(r, p, per_room.get(r.id, 0),
                            [(s, u) for s, u in duty if s.duty == StaffDuty.INVIGILATOR and s.room_id == r.id])
                   for r, p in zip(rooms, planned, strict=True)]
    unplaced = [(s, u) for s, u in duty if s.duty == StaffDuty.INVIGILATOR and s.room_id not in {r.id for r in rooms}]
    examiners = [(s, u) for s, u in duty if s.duty == StaffDuty.EXAMINER]
    has_practical = session.scalar(select(PracticalTask.id).where(PracticalTask.exam_id == exam_session.exam_id)
                                   .limit(1)) is not None
    loads = [RoomLoad(rd.room.name, rd.planned, len(rd.invigilators)) for rd in room_duties]
    if not rooms:
        loads = [RoomLoad("", exam_session.capacity, len(unplaced))]
    warnings = check_staffing(loads, examiners=len(examiners), practical_candidates=exam_session.capacity,
                              has_practical=has_practical)
    return Staffing(room_duties, examiners, unplaced, has_practical, warnings)
