"""The exam API as a phone uses it: register, start, save with sequence numbers, submit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from exams.models import Paper
from exams.sessions import register
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
