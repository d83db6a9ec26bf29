"""The exam API as a phone uses it: register, start, save with sequence numbers, submit."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import accounts, clock
from core.models import User
from exams.models import Answer, AttemptEvent, Paper
from exams.rules.sequencing import apply_save
from exams.sessions import register
from tests.conftest import login_as
from tests.exams.world import build_world, complete_course
from tests.factories import NOW, PASSWORD, make_worker


@pytest.fixture
def frozen(monkeypatch):
    """Server time under test control (the device's clock never enters the protocol)."""
    current = {"now": NOW + timedelta(minutes=1)}
    monkeypatch.setattr(clock, "utcnow", lambda: current["now"])
    for module in ("exams.api", "exams.views", "core.api_views", "core.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: current["now"], raising=False)
    return current


def token_for(client, session, cipher, user):
    phone = cipher.decrypt(user.phone_enc, purpose="phone")
    body = client.post("/api/v1/auth/token", json={"phone": phone, "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {body['token']}"}


def test_start_save_replay_and_submit(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path)
    auth = token_for(client, session, cipher, world.candidates[0])
    started = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/attempt", json={"device_id": "p1"},
                          headers=auth).get_json()
    assert started["remaining_s"] == 30 * 60 and len(started["questions"]) == 10
    assert all("answer" not in q for q in started["questions"])
    attempt_id, q = started["attempt_id"], started["questions"][0]
    key = {"single": "B", "multiple": ["A", "C"], "truefalse": True}[q["kind"]]
    url = f"/api/v1/attempts/{attempt_id}/answers/{q['id']}"
    first = client.put(url, json={"response": key, "seq": 2, "device_id": "p1"}, headers=auth).get_json()
    assert first == {"seq": 2, "applied": True, "remaining_s": started["remaining_s"], "closed": False}
    stale = client.put(url, json={"response": None, "seq": 1, "device_id": "p1"}, headers=auth).get_json()
    assert stale["applied"] is False and stale["seq"] == 1
    result = client.post(f"/api/v1/attempts/{attempt_id}/submission", headers=auth).get_json()
    again = client.post(f"/api/v1/attempts/{attempt_id}/submission", headers=auth).get_json()
    assert result == again and result["score"] == 10.0 and result["passed"] is False


def test_a_device_clock_ten_minutes_off_changes_nothing(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path)
    auth = token_for(client, session, cipher, world.candidates[0])
    skewed = {**auth, "Date": "Mon, 02 Mar 2026 01:41:00 GMT"}  # the phone thinks it is 10 minutes later
    started = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/attempt",
                          json={"device_id": "p1", "client_time": "2026-03-02T01:41:00Z"}, headers=skewed).get_json()
    frozen["now"] += timedelta(minutes=5)
    q = started["questions"][0]
    saved = client.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q['id']}",
                       json={"response": None, "seq": 1, "client_time": "2026-03-02T01:51:00Z"},
                       headers=skewed).get_json()
    assert saved["remaining_s"] == started["remaining_s"] - 300


def test_answers_after_grace_are_acknowledged_as_closed(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path, duration_s=600)
    auth = token_for(client, session, cipher, world.candidates[0])
    started = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/attempt", headers=auth).get_json()
    frozen["now"] += timedelta(seconds=600 + 61)
    q = started["questions"][0]
    late = client.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q['id']}",
                      json={"response": None, "seq": 1}, headers=auth).get_json()
    assert late["closed"] is True and late["applied"] is False


def test_old_device_gets_409_after_another_device_took_over(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path)
    auth = token_for(client, session, cipher, world.candidates[0])
    url = f"/api/v1/exam-sessions/{world.exam_session.id}/attempt"
    started = client.post(url, json={"device_id": "old"}, headers=auth).get_json()
    taken = client.post(url, json={"device_id": "new"}, headers=auth).get_json()
    assert taken["took_over"] is True and taken["attempt_id"] == started["attempt_id"]
    q = started["questions"][0]
    resp = client.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q['id']}",
                      json={"response": None, "seq": 1, "device_id": "old"}, headers=auth)
    assert resp.status_code == 409 and resp.get_json()["error"] == "device_superseded"


def test_registration_answers_201_then_409_and_422_when_not_eligible(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path, candidates=0, starts_at=NOW + timedelta(days=3))
    eligible, not_done = make_worker(session, cipher), make_worker(session, cipher)
    complete_course(session, eligible, world.course)
    session.commit()
    url = f"/api/v1/exam-sessions/{world.exam_session.id}/registrations"
    auth = token_for(client, session, cipher, eligible)
    assert client.post(url, headers=auth).status_code == 201
    assert client.post(url, headers=auth).get_json()["error"] == "already_registered"
    refused = client.post(url, headers=token_for(client, session, cipher, not_done))
    assert refused.status_code == 422 and refused.get_json()["error"] == "course_not_completed"


def test_a_full_session_answers_409(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path, candidates=0, capacity=1, starts_at=NOW + timedelta(days=3))
    first, second = make_worker(session, cipher), make_worker(session, cipher)
    for user in (first, second):
        complete_course(session, user, world.course)
    register(session, exam_session_id=world.exam_session.id, candidate=first, now=NOW)
    session.commit()
    resp = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/registrations",
                       headers=token_for(client, session, cipher, second))
    assert resp.status_code == 409 and resp.get_json()["error"] == "full"


def test_open_sessions_list_seats_left(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path, candidates=1, capacity=5, starts_at=NOW + timedelta(days=3))
    items = client.get("/api/v1/exam-sessions?status=open").get_json()["items"]
    assert [(i["id"], i["seats_left"], i["capacity"]) for i in items] == [(world.exam_session.id, 4, 5)]


def test_paper_is_generated_before_the_session_so_start_only_reads_and_writes_once(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=3)
    assert session.query(Paper).count() == 3
    assert world.exam_session.papers_generated_at is not None


def _started(client, world, auth):
    started = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/attempt", json={"device_id": "p1"},
                          headers=auth).get_json()
    return started["attempt_id"], started["questions"][0]["id"]


def _valid_response(client, world, auth):
    started = client.post(f"/api/v1/exam-sessions/{world.exam_session.id}/attempt", json={"device_id": "p1"},
                          headers=auth).get_json()
    return {"single": "B", "multiple": ["A", "C"], "truefalse": True}[started["questions"][0]["kind"]]


def test_a_token_issued_before_a_password_change_can_no_longer_save(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path)
    candidate = world.candidates[0]
    auth = token_for(client, session, cipher, candidate)
    attempt_id, question = _started(client, world, auth)
    url = f"/api/v1/attempts/{attempt_id}/answers/{question}"
    assert client.put(url, json={"response": None, "seq": 1}, headers=auth).status_code == 200
    accounts.change_password(session, user=session.get(User, candidate.id), old_password=PASSWORD,
                             new_password="N3w-passw0rd!", now=NOW, cipher=cipher)
    session.commit()
    refused = client.put(url, json={"response": None, "seq": 2}, headers=auth)
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    session.rollback()
    assert session.scalars(select(Answer.seq).where(Answer.attempt_id == attempt_id)).all() == [1]


def test_an_unknown_attempt_is_401_for_a_bad_token_and_404_for_a_good_one(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path, candidates=2)
    auth = token_for(client, session, cipher, world.candidates[0])
    attempt_id, question = _started(client, world, auth)
    other = token_for(client, session, cipher, world.candidates[1])
    url = f"/api/v1/attempts/{attempt_id}/answers/{question}"
    assert client.put(url, json={"response": None, "seq": 1}, headers=other).status_code == 404
    assert client.put(f"/api/v1/attempts/{attempt_id + 999}/answers/{question}", json={"response": None, "seq": 1},
                      headers=other).status_code == 404
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.put(url, json={"response": None, "seq": 1}, headers=forged).status_code == 401
    assert client.put(url, json={"response": None, "seq": 1}).status_code == 401


def test_the_exam_page_saves_with_its_session_cookie_and_csrf_header(client, session, cipher, tmp_path, frozen):
    world = build_world(session, cipher, tmp_path)
    candidate = world.candidates[0]
    attempt_id, question = _started(client, world, token_for(client, session, cipher, candidate))
    csrf = login_as(client, cipher, candidate, PASSWORD)
    url = f"/api/v1/attempts/{attempt_id}/answers/{question}"
    without = client.put(url, json={"response": None, "seq": 1})
    assert without.status_code == 400  # a cookie alone is not enough: the CSRF header is required
    saved = client.put(url, json={"response": None, "seq": 1}, headers={"X-CSRFToken": csrf})
    assert saved.status_code == 200 and saved.get_json()["applied"] is True
    client.post("/logout", data={"csrf_token": csrf})
    assert client.put(url, json={"response": None, "seq": 2}, headers={"X-CSRFToken": csrf}).status_code == 401


@pytest.mark.parametrize("seed", range(3))
def test_stored_answers_follow_the_sequence_rule_for_any_order_of_saves(client, session, cipher, tmp_path, frozen,
                                                                        seed):
    """The save's SQL upsert against the pure rule (``apply_save``): replays, duplicates and reordering."""
    world = build_world(session, cipher, tmp_path)
    auth = token_for(client, session, cipher, world.candidates[0])
    attempt_id, question = _started(client, world, auth)
    key = _valid_response(client, world, auth)
    rng = random.Random(seed)
    sends = [rng.randint(1, 12) for _ in range(30)]
    stored: int | None = None
    expected_log = []
    for seq in sends:
        reply = client.put(f"/api/v1/attempts/{attempt_id}/answers/{question}",
                           json={"response": None if seq % 2 else key, "seq": seq, "device_id": "p1"},
                           headers=auth).get_json()
        decision = apply_save(stored, seq)
        assert (reply["seq"], reply["applied"]) == (decision.ack_seq, decision.applied)
        stored = seq if decision.applied else stored
        expected_log.append(("save_applied" if decision.applied else "save_stale", question, seq, "p1", {}))
    session.rollback()
    answer = session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).one()
    assert answer.seq == max(sends) and answer.response == (None if max(sends) % 2 else key)
    # one log row per save, in order, saying whether it was applied (on PostgreSQL the upsert and its row are one
    # statement, on SQLite two)
    log = session.execute(select(AttemptEvent.kind, AttemptEvent.question_version_id, AttemptEvent.seq,
                                 AttemptEvent.device_id, AttemptEvent.details)
                          .where(AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind.like("save%"))
                          .order_by(AttemptEvent.id)).tuples().all()
    assert log == expected_log
