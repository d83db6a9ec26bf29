"""An exam day at a training base for tests: a venue with rooms, a session there, staff and candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from core.models import Organisation, Role, User
from exams.models import ExamSession, Venue, VenueRoom
from exams.sessions import register
from exams.venues import add_room, create_venue, schedule_session
from tests.exams.world import World, build_world, complete_course
from tests.factories import NOW, make_staff, make_worker


@dataclass
class ExamDay:
    world: World
    base: Organisation
    venue: Venue
    rooms: list[VenueRoom]
    exam_session: ExamSession
    admin: User
    invigilator: User
    candidates: list[User] = field(default_factory=list)


def build_exam_day(session, cipher, tmp_path: Path, *, seats: tuple[int, ...] = (10, 10), capacity: int = 20,
                   candidates: int = 0, starts_at: datetime = NOW + timedelta(days=2), window_s: int = 3600,
                   duration_s: int = 1800, registration_closes_at: datetime | None = None,
                   cancel_closes_at: datetime | None = None) -> ExamDay:
    """``candidates`` workers registered (a day before ``starts_at`` minus two); nothing else drawn."""
    world = build_world(session, cipher, tmp_path, candidates=0, papers=False, starts_at=NOW + timedelta(days=30))
    base = world.base
    admin = make_staff(session, cipher, base, Role.BASE_ADMIN)
    invigilator = make_staff(session, cipher, base, Role.INVIGILATOR)
    venue = create_venue(session, org_id=base.id, actor_id=admin.id, name="一号考点", address="昆明市西山区实训路1号",
                         now=NOW - timedelta(days=5))
    rooms = [add_room(session, venue=venue, actor_id=admin.id, name=f"{n + 1}01室", seats=s, now=NOW)
             for n, s in enumerate(seats)]
    exam_session = schedule_session(session, exam=world.exam, venue=venue, actor_id=admin.id, starts_at=starts_at,
                                    ends_at=starts_at + timedelta(seconds=window_s), capacity=capacity,
                                    title="司索工理论考试（第1场）", now=NOW - timedelta(days=5),
                                    registration_closes_at=registration_closes_at or starts_at - timedelta(hours=12),
                                    cancel_closes_at=cancel_closes_at)
    day = ExamDay(world, base, venue, rooms, exam_session, admin, invigilator)
    for _ in range(candidates):
        day.candidates.append(add_candidate(session, cipher, day, register_at=NOW))
    session.commit()
    return day


def add_candidate(session, cipher, day: ExamDay, *, register_at: datetime | None = NOW, name: str = "测试学员") -> User:
    """An eligible worker; registered at ``register_at`` (or just before registration closed) unless None."""
    user = make_worker(session, cipher, name=name)
    complete_course(session, user, day.world.course)
    if register_at is not None:
        at = min(register_at, day.exam_session.registration_closes_at - timedelta(hours=1))
        register(session, exam_session_id=day.exam_session.id, candidate=user, now=at)
    return user


def add_exam_day_objects(session, cipher, tenant, world: World) -> None:
    """Give a tenant of the cross-tenant test a venue, a registration and a staff assignment at ``world``."""
    from exams.models import Registration
    from exams.venues import assign_staff

    admin = make_staff(session, cipher, world.base, Role.BASE_ADMIN)
    tenant.venue = create_venue(session, org_id=world.base.id, actor_id=admin.id, name="考点", address="", now=NOW)
    tenant.registration = session.query(Registration).filter_by(session_id=world.exam_session.id).first()
    tenant.assignment = assign_staff(session, exam_session=world.exam_session, actor_id=admin.id, user_id=admin.id,
                                     duty="invigilator", room_id=None, now=NOW)
