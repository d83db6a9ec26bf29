"""CSRF on every HTML form route, session fixation at login, and no personal data on error pages."""

from __future__ import annotations

import pytest
from flask import url_for

from core.identity import id_check_char
from core.models import OrgKind
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_worker
from tests.security.security_world import build_security_world, login_phone


def _html_post_urls(app, org_id: int):
    """Every HTML route that takes a POST, with its variables filled (objects need not exist)."""
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/"):
                continue
            values = {}
            for arg in rule.arguments:
                integer = "Integer" in rule._converters[arg].__class__.__name__
                values[arg] = org_id if arg == "org_id" else 1 if integer else "x"
            yield url_for(rule.endpoint, **values)


def test_every_html_post_route_refuses_a_request_without_a_csrf_token(app, session, cipher):
    world = build_security_world(session, cipher)
    client = app.test_client()
    login_phone(client, world.phones["base_admin"])
    base_id = world.own.orgs[OrgKind.TRAINING_BASE].id
    urls = list(_html_post_urls(app, base_id))
    bad = {}
    for url in urls:
        for data in ({"name": "x"}, {"csrf_token": "forged", "name": "x"}):
            status = client.post(url, data=data).status_code
            if status != 400:
                bad[url] = status
    assert not bad, "\n".join(f"POST {url} without a valid token -> {status}" for url, status in bad.items())
    assert len(urls) >= 30
    # the user is still logged in, and a real token still works (the refusals were about the token)
    assert client.get("/account").status_code == 200


def test_a_session_planted_before_login_is_not_the_session_after_login(client, session, cipher):
    make_worker(session, cipher, phone_number="13812340001")
    session.commit()
    planted_token = csrf_token(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as planted:
        planted["planted_by_attacker"] = "yes"
        planted_csrf = planted["csrf_token"]
        planted_items = dict(planted)
    resp = client.post("/login", data={"csrf_token": planted_token, "phone": "13812340001", "password": PASSWORD})
    assert resp.status_code in (302, 303)
    with client.session_transaction() as after:
        assert "planted_by_attacker" not in after
        assert after.get("csrf_token") != planted_csrf
        assert dict(after) != planted_items
        assert after.get("_user_id")
    # a CSRF token minted in the pre-login session is no longer accepted
    assert client.post("/logout", data={"csrf_token": planted_token}).status_code == 400
    assert client.get("/account").status_code == 200


ID_NUMBER = "11010519900307101X"  # a valid check digit (GB 11643)
PHONE = "13912345678"


@pytest.fixture
def worker_client(app, session, cipher):
    assert id_check_char(ID_NUMBER[:17]) == ID_NUMBER[17]
    make_worker(session, cipher, phone_number=PHONE, id_number=ID_NUMBER)
    session.commit()
    client = app.test_client()
    token = login_phone(client, PHONE)
    return client, token


def _bodies_leak(responses) -> list[str]:
    leaks = []
    for label, resp in responses:
        body = resp.get_data(as_text=True)
        for secret in (ID_NUMBER, ID_NUMBER.lower(), PHONE):
            if secret in body:
                leaks.append(f"{label} -> {resp.status_code} shows {secret}")
    return leaks


def test_error_pages_never_show_the_full_id_number_or_phone(app, worker_client):
    client, token = worker_client
    api_token = client.post("/api/v1/auth/token", json={"phone": PHONE, "password": PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {api_token}"}
    bad_id = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    responses = [
        ("GET /no-such-page", client.get("/no-such-page")),
        ("GET /orgs/999999/banks", client.get("/orgs/999999/banks")),
        ("GET /me/certificates/PS-2026-X-00001", client.get("/me/certificates/PS-2026-X-00001")),
        ("GET /exams/attempts/999999", client.get("/exams/attempts/999999")),
        ("GET /admin/orgs", client.get("/admin/orgs")),
        ("GET /verify/bulk", client.get("/verify/bulk")),
        ("GET /banks", client.get("/banks")),
        ("POST /exams/sessions/999999/register", client.post("/exams/sessions/999999/register",
                                                              data={"csrf_token": token})),
        ("POST /account/password (bad)", client.post("/account/password", data={
            "csrf_token": token, "old_password": "wrong", "new_password": "x", "confirm": "y"})),
        ("POST /logout no token", client.post("/logout")),
        ("GET /api/v1/me/nothing", client.get("/api/v1/me/nothing", headers=bearer)),
        ("GET /api/v1/certificates/PS-2026-X-00001", client.get("/api/v1/certificates/PS-2026-X-00001",
                                                                 headers=bearer)),
        ("POST /api/v1/exam-sessions/999999/registrations", client.post(
            "/api/v1/exam-sessions/999999/registrations", json={}, headers=bearer)),
        ("GET /api/v1/roster", client.get("/api/v1/roster", headers=bearer)),
        ("POST /api/v1/auth/register (taken)", client.post("/api/v1/auth/register", json={
            "phone": PHONE, "password": "An0ther-Passw0rd!", "name": "李四", "id_number": ID_NUMBER, "consent": True})),
        ("POST /api/v1/auth/register (bad check digit)", client.post("/api/v1/auth/register", json={
            "phone": "13700009999", "password": "An0ther-Passw0rd!", "name": "李四", "id_number": bad_id,
            "consent": True})),
        ("POST /api/v1/auth/token (wrong password)", client.post("/api/v1/auth/token", json={
            "phone": PHONE, "password": "wrong"})),
    ]
    statuses = {label: resp.status_code for label, resp in responses}
    assert all(s < 500 for s in statuses.values()), statuses
    assert {400, 401, 403, 404, 409, 422}.issubset(statuses.values()), statuses
    assert not _bodies_leak(responses)
    # sanity: the worker's own profile shows the data masked, so the strings above are the right ones
    me = client.get("/api/v1/me", headers=bearer).get_data(as_text=True)
    assert ID_NUMBER not in me and PHONE not in me and PHONE[-4:] in me


@pytest.mark.parametrize("path", ["/admin/orgs/2147483648", "/exams/attempts/9223372036854775808",
                                  "/api/v1/competitions/91679029602900688896/results",
                                  "/api/v1/attempts/41741834316865346567999145902080/answers/300"])
def test_an_id_beyond_the_database_range_is_a_404_not_a_500(client, path):
    assert client.open(path, method="PUT" if "answers" in path else "GET").status_code == 404
