"""Generated over the URL map: malformed, oversized and wrongly typed input gets a clear 4xx, never a 500."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_worker

# A value for each URL variable, good enough to reach the view (objects need not exist: 404 is a 4xx too).
SAMPLE_VALUES = {"int": 1, "default": "x"}


def _urls(app, prefix_api: bool):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/api/") != prefix_api or rule.endpoint == "static":
                continue
            methods = sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"})
            if not methods:
                continue
            values = {}
            for arg in rule.arguments:
                converter = rule._converters[arg].__class__.__name__
                values[arg] = SAMPLE_VALUES["int"] if "Integer" in converter else SAMPLE_VALUES["default"]
            yield url_for(rule.endpoint, **values), methods


@pytest.fixture
def worker_token(client, session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    session.commit()
    return client.post("/api/v1/auth/token", json={"phone": "13812341234", "password": PASSWORD}).get_json()["token"]


BAD_BODIES = [
    ("not json", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ('{"a": ' * 50 + "1" + "}" * 50, "application/json"),
    ('{"phone": {"$gt": ""}, "password": [], "items": "x", "response": {"a": [1]}, "seq": "9"}', "application/json"),
    ("a=1&b=2", "application/x-www-form-urlencoded"),
]


def test_every_api_write_answers_bad_bodies_with_a_4xx_error_shape(app, client, worker_token):
    auth = {"Authorization": f"Bearer {worker_token}"}
    checked = 0
    for url, methods in _urls(app, prefix_api=True):
        for method in methods:
            for body, content_type in BAD_BODIES:
                resp = client.open(url, method=method, data=body, content_type=content_type, headers=auth)
                assert 400 <= resp.status_code < 500, f"{method} {url} {body[:20]!r} -> {resp.status_code}"
                assert set(resp.get_json()) == {"error", "message", "field"}
                checked += 1
            big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
            resp = client.open(url, method=method, data=big, content_type="application/json", headers=auth)
            status = resp.status_code
            assert status in (404, 413), f"{method} {url} oversized -> {status}"  # 404 when the object is unknown
    assert checked >= 10


def test_every_html_form_answers_garbage_without_a_server_error(app, client, session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    session.commit()
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": "13812341234",
                                "password": PASSWORD})
    token = csrf_token(client.get("/login").get_data(as_text=True))
    garbage = {"csrf_token": token, "phone": "\x00" * 10, "name": "<script>", "id_number": "1" * 500,
               "password": "", "role": "superuser", "kind": "nope", "file": "not a file", "count": "-1"}
    for url, methods in _urls(app, prefix_api=False):
        for method in methods:
            resp = client.open(url, method=method, data=garbage)
            assert resp.status_code < 500, f"{method} {url} -> {resp.status_code}"
            assert not re.search(r"Traceback|sqlalchemy", resp.get_data(as_text=True))
