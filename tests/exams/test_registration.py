"""Registration rules: capacity is never exceeded, even by a burst of concurrent registrations."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import make_session_factory, transaction
from core.errors import Conflict, RuleViolated
from core.models import User
from exams.models import Registration
from exams.sessions import register
from tests.exams.world import build_world, complete_course
from tests.factories import NOW, make_worker


def test_a_hundred_concurrent_registrations_for_ten_seats_give_exactly_ten(engine, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=0, capacity=10, starts_at=NOW + timedelta(days=2),
                        papers=False)
    users = []
    for _ in range(100):
        user = make_worker(session, cipher)
        complete_course(session, user, world.course)
        users.append(user.id)
    session.commit()
    factory = make_session_factory(engine)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def attempt(batch):
        barrier.wait()
        for user_id in batch:
            try:
                with factory() as s, transaction(s):
                    register(s, exam_session_id=world.exam_session.id, candidate=s.get(User, user_id), now=NOW)
                outcome = "ok"
            except Conflict as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(users[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 10 and outcomes.count("full") == 90
    session.rollback()
    assert session.scalar(select(func.count(Registration.id))) == 10


def test_registration_closes_at_the_cut_off(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=0, starts_at=NOW + timedelta(days=2))
    user = make_worker(session, cipher)
    complete_course(session, user, world.course)
    with pytest.raises(RuleViolated) as exc:
        register(session, exam_session_id=world.exam_session.id, candidate=user, now=NOW + timedelta(days=2))
    assert exc.value.code == "registration_closed"


def test_an_overlapping_registration_is_refused(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=1, starts_at=NOW + timedelta(days=2))
    from exams.sessions import create_session

    other = create_session(session, exam=world.exam, starts_at=NOW + timedelta(days=2, minutes=30),
                           ends_at=NOW + timedelta(days=2, hours=2), capacity=5, now=NOW)
    with pytest.raises(RuleViolated) as exc:
        register(session, exam_session_id=other.id, candidate=world.candidates[0], now=NOW)
    assert exc.value.code == "overlapping"
