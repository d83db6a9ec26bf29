"""Registration at a venue: seats and tickets, the waiting list, cancellation, capacity under concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import make_session_factory, transaction
from core.errors import Conflict, RuleViolated
from core.models import AuditEvent, Notification, User
from exams.models import Registration, RegistrationStatus
from exams.rules.tickets import is_valid
from exams.sessions import register
from exams.waitlist import cancel_registration, join_waitlist, waitlist_position
from tests.exams.base_world import add_candidate, build_exam_day
from tests.factories import NOW


def _reg(session, user) -> Registration:
    return session.scalar(select(Registration).where(Registration.user_id == user.id))


def test_registered_candidates_get_a_valid_unique_ticket_and_seats_in_room_order(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(2, 3), capacity=5, candidates=4)
    regs = [_reg(session, u) for u in day.candidates]
    assert all(is_valid(r.ticket_number) for r in regs) and len({r.ticket_number for r in regs}) == 4
    assert [(r.room_id, r.seat_no) for r in regs] == [(day.rooms[0].id, 1), (day.rooms[0].id, 2),
                                                      (day.rooms[1].id, 1), (day.rooms[1].id, 2)]


def test_a_full_session_puts_the_next_candidate_on_the_waiting_list_in_order(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(2,), capacity=2, candidates=2)
    first, second = add_candidate(session, cipher, day, register_at=None), add_candidate(session, cipher, day,
                                                                                           register_at=None)
    with pytest.raises(Conflict):
        register(session, exam_session_id=day.exam_session.id, candidate=first, now=NOW)
    a = join_waitlist(session, exam_session_id=day.exam_session.id, candidate=first, now=NOW)
    b = join_waitlist(session, exam_session_id=day.exam_session.id, candidate=second, now=NOW + timedelta(seconds=1))
    assert a.status == b.status == RegistrationStatus.WAITLISTED
    assert a.ticket_number is None and a.seat_no is None
    assert (waitlist_position(session, a), waitlist_position(session, b)) == (1, 2)
    with pytest.raises(Conflict) as exc:
        join_waitlist(session, exam_session_id=day.exam_session.id, candidate=first, now=NOW)
    assert exc.value.code == "already_waitlisted"


def test_joining_the_waiting_list_with_a_seat_free_simply_registers(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(3,), capacity=3, candidates=1)
    user = add_candidate(session, cipher, day, register_at=None)
    registration = join_waitlist(session, exam_session_id=day.exam_session.id, candidate=user, now=NOW)
    assert registration.status == RegistrationStatus.REGISTERED and registration.seat_no == 2


def test_a_cancellation_moves_the_head_of_the_waiting_list_into_the_freed_seat(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(2,), capacity=2, candidates=2)
    waiting = [add_candidate(session, cipher, day, register_at=None) for _ in range(2)]
    for n, user in enumerate(waiting):
        join_waitlist(session, exam_session_id=day.exam_session.id, candidate=user, now=NOW + timedelta(minutes=n))
    leaving = _reg(session, day.candidates[0])
    seat = (leaving.room_id, leaving.seat_no)
    promoted = cancel_registration(session, registration_id=leaving.id, actor_id=day.candidates[0].id,
                                   now=NOW + timedelta(hours=1))
    assert promoted.user_id == waiting[0].id and promoted.status == RegistrationStatus.REGISTERED
    assert (promoted.room_id, promoted.seat_no) == seat and is_valid(promoted.ticket_number)
    assert leaving.status == RegistrationStatus.CANCELLED and leaving.seat_no is None
    assert waitlist_position(session, _reg(session, waiting[1])) == 1
    note = session.scalar(select(Notification).where(Notification.user_id == waiting[0].id))
    assert "候补成功" in note.title
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"exam.registration_cancelled", "exam.waitlist_promoted"} <= actions


def test_promotion_skips_a_candidate_no_longer_eligible(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(1,), capacity=1, candidates=1)
    busy, free = add_candidate(session, cipher, day, register_at=None), add_candidate(session, cipher, day,
                                                                                       register_at=None)
    join_waitlist(session, exam_session_id=day.exam_session.id, candidate=busy, now=NOW)
    join_waitlist(session, exam_session_id=day.exam_session.id, candidate=free, now=NOW + timedelta(minutes=1))
    from exams.sessions import create_session  # busy now sits another exam at the same time

    clash = create_session(session, exam=day.world.exam, starts_at=day.exam_session.starts_at,
                           ends_at=day.exam_session.ends_at, capacity=5, now=NOW)
    register(session, exam_session_id=clash.id, candidate=busy, now=NOW)
    promoted = cancel_registration(session, registration_id=_reg(session, day.candidates[0]).id,
                                   actor_id=day.admin.id, now=NOW + timedelta(hours=1))
    assert promoted.user_id == free.id
    busy_place = session.scalar(select(Registration).where(Registration.user_id == busy.id,
                                                           Registration.session_id == day.exam_session.id))
    assert busy_place.status == RegistrationStatus.WAITLISTED


def test_candidates_cannot_cancel_after_the_cut_off_but_the_base_can_until_the_start(session, cipher, tmp_path):
    starts = NOW + timedelta(days=2)
    day = build_exam_day(session, cipher, tmp_path, candidates=2, starts_at=starts,
                         cancel_closes_at=starts - timedelta(days=1))
    late = starts - timedelta(hours=2)
    with pytest.raises(RuleViolated) as exc:
        cancel_registration(session, registration_id=_reg(session, day.candidates[0]).id,
                            actor_id=day.candidates[0].id, now=late)
    assert exc.value.code == "cancel_closed"
    cancel_registration(session, registration_id=_reg(session, day.candidates[0]).id, actor_id=day.admin.id,
                        now=late, by_staff=True)
    with pytest.raises(RuleViolated):
        cancel_registration(session, registration_id=_reg(session, day.candidates[1]).id, actor_id=day.admin.id,
                            now=starts, by_staff=True)


def test_after_the_cut_off_a_freed_seat_does_not_move_the_waiting_list(session, cipher, tmp_path):
    starts = NOW + timedelta(days=2)
    day = build_exam_day(session, cipher, tmp_path, seats=(1,), capacity=1, candidates=1, starts_at=starts,
                         cancel_closes_at=starts - timedelta(days=1))
    waiting = add_candidate(session, cipher, day, register_at=None)
    join_waitlist(session, exam_session_id=day.exam_session.id, candidate=waiting, now=NOW)
    assert cancel_registration(session, registration_id=_reg(session, day.candidates[0]).id, actor_id=day.admin.id,
                               now=starts - timedelta(hours=1), by_staff=True) is None
    assert _reg(session, waiting).status == RegistrationStatus.WAITLISTED


def test_registering_again_after_cancelling_gives_a_new_ticket(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=1)
    registration = _reg(session, day.candidates[0])
    old = registration.ticket_number
    cancel_registration(session, registration_id=registration.id, actor_id=day.candidates[0].id, now=NOW)
    again = register(session, exam_session_id=day.exam_session.id, candidate=day.candidates[0], now=NOW)
    assert again.id == registration.id and again.ticket_number != old and again.seat_no == 1


def test_concurrent_cancellations_and_waitlist_joins_never_exceed_capacity(engine, session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, seats=(10,), capacity=10, candidates=10)
    joiners = [add_candidate(session, cipher, day, register_at=None).id for _ in range(30)]
    session.commit()
    leavers = [_reg(session, u).id for u in day.candidates[:6]]
    session_id = day.exam_session.id  # read before the threads: the test's session is not theirs
    session.rollback()
    factory = make_session_factory(engine)
    barrier = threading.Barrier(12)
    errors: list[str] = []

    def work(kind, items):
        barrier.wait()
        for item in items:
            try:
                with factory() as s, transaction(s):
                    if kind == "join":
                        join_waitlist(s, exam_session_id=session_id, candidate=s.get(User, item), now=NOW)
                    else:
                        cancel_registration(s, registration_id=item, actor_id=1, now=NOW)
            except Conflict as exc:
                errors.append(exc.code)

    threads = [threading.Thread(target=work, args=("join", joiners[i::10])) for i in range(10)]
    threads += [threading.Thread(target=work, args=("cancel", leavers[i::2])) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.rollback()
    registered = session.scalar(select(func.count(Registration.id)).where(
        Registration.status == RegistrationStatus.REGISTERED))
    seats = session.execute(select(Registration.seat_no).where(Registration.status == RegistrationStatus.REGISTERED)
                            ).scalars().all()
    assert registered == 10 and sorted(seats) == list(range(1, 11)) and errors == []
    assert session.scalar(select(func.count(Registration.id)).where(
        Registration.status == RegistrationStatus.WAITLISTED)) == 30 - 6
