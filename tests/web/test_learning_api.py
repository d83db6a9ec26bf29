"""Learning JSON API (DESIGN §9): catalogue, outline, enrolment, completion, progress, offline manifest."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_worker
from tests.lms.content_factory import SLUG, build_course, lesson

API = "/api/v1"



@pytest.fixture
def course(session, tmp_path):
    course = build_course(session, tmp_path)
    session.commit()
    return course


@pytest.fixture
def auth(client, session, cipher):
    make_worker(session, cipher, phone_number="13812340002")
    session.commit()
    token = client.post(f"{API}/auth/token", json={"phone": "13812340002", "password": PASSWORD}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _is_error(resp, status: int, code: str) -> bool:
    body = resp.get_json()
    return resp.status_code == status and set(body) == {"error", "message", "field"} and body["error"] == code


def test_catalogue_is_public(client, course):
    courses = client.get(f"{API}/courses").get_json()["courses"]
    assert [(c["slug"], c["lesson_count"], c["hours"]) for c in courses] == [(SLUG, 3, 2)]


def test_outline_lists_lessons_with_their_ids(client, course):
    body = client.get(f"{API}/courses/{SLUG}").get_json()
    assert [ls["id"] for ls in body["lessons"]] == [ls.id for ls in course.lessons]
    assert body["lessons"][0] == {"id": lesson(course, 1).id, "slug": "01-sling-angles", "position": 1,
                                  "title": "吊索夹角与受力", "minutes": 6,
                                  "url": f"/courses/{SLUG}/lessons/01-sling-angles"}


def test_enrolment_is_201_then_200(client, course, auth):
    first = client.post(f"{API}/courses/{SLUG}/enrolment", headers=auth)
    again = client.post(f"{API}/courses/{SLUG}/enrolment", headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert first.get_json()["course"] == SLUG and first.get_json()["completed_at"] is None


def test_completion_is_idempotent_and_returns_the_progress(client, course, auth):
    url = f"{API}/lessons/{lesson(course, 1).id}/completion"
    first = client.post(url, headers=auth)
    again = client.post(url, headers=auth)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert first.get_json()["progress"]["completed_lessons"] == 1


def test_progress_has_the_documented_shape(client, course, auth):
    client.post(f"{API}/lessons/{lesson(course, 2).id}/completion", headers=auth)
    body = client.get(f"{API}/courses/{SLUG}/progress", headers=auth).get_json()
    assert body == {"completed_lessons": 1, "total_lessons": 3, "practice_score": 0.0, "is_complete": False}


def test_offline_manifest_lists_the_course_every_lesson_and_every_figure(client, course, auth):
    body = client.get(f"{API}/courses/{SLUG}/offline-manifest", headers=auth).get_json()
    assert body["key"] == f"course:{SLUG}" and body["pages"] == 4
    assert body["urls"][:2] == [f"/courses/{SLUG}", f"/courses/{SLUG}/lessons/01-sling-angles?offline=1"]
    assert f"/media/{SLUG}/sling-angle.svg" in body["urls"] and "/static/lms.js" in body["urls"]
    for url in body["urls"]:
        assert client.get(url, headers=auth).status_code in {200, 302}  # pages need the browser session


@pytest.mark.parametrize("method,path", [
    ("post", "/courses/demo/enrolment"), ("post", "/lessons/1/completion"), ("get", "/courses/demo/progress"),
    ("get", "/courses/demo/offline-manifest"),
])
def test_learner_endpoints_need_a_user(client, course, method, path):
    assert _is_error(getattr(client, method)(API + path), 401, "unauthorized")


@pytest.mark.parametrize("method,path", [
    ("get", "/courses/nothing"), ("post", "/courses/nothing/enrolment"), ("post", "/lessons/999999/completion"),
    ("get", "/courses/nothing/progress"), ("get", "/courses/nothing/offline-manifest"),
])
def test_unknown_course_or_lesson_is_a_404_in_the_error_shape(client, course, auth, method, path):
    assert _is_error(getattr(client, method)(API + path, headers=auth), 404, "not_found")


def test_a_browser_session_completes_with_the_csrf_header(client, course, session, cipher):
    make_worker(session, cipher, phone_number="13812340003")
    session.commit()
    client.post("/login", data={"csrf_token": csrf_token(client.get("/login").get_data(as_text=True)),
                                "phone": "13812340003", "password": PASSWORD})
    page = client.get(f"/courses/{SLUG}/lessons/01-sling-angles").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    url = f"{API}/lessons/{lesson(course, 1).id}/completion"
    assert client.post(url).status_code == 400  # no header: refused
    assert client.post(url, headers={"X-CSRFToken": token}).status_code == 200


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path, method in [("/courses", "get"), ("/courses/{slug}", "get"), ("/courses/{slug}/enrolment", "post"),
                         ("/lessons/{lesson_id}/completion", "post"), ("/courses/{slug}/progress", "get"),
                         ("/courses/{slug}/offline-manifest", "get")]:
        assert method in paths[API + path]
