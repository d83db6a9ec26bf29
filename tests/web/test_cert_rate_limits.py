"""Public certificate endpoints are rate-limited per IP: enumeration and ID-number guessing hit 429."""

import re

import pytest

from app import create_app
from certificates.serials import make_serial
from core.clock import utcnow
from tests.certificates.cert_world import base_with_admin, limiter_enabled, make_cert, worker
from tests.conftest import make_settings
from tests.factories import valid_id_number


@pytest.fixture
def limited_app(tmp_path, database_url):
    with limiter_enabled(True):
        app = create_app(make_settings(tmp_path, database_url, ratelimit_enabled=True))
        app.config.update(TESTING=True)
        yield app
        app.extensions["prefabskills"].engine.dispose()


def test_enumerating_serials_hits_the_rate_limit(limited_app):
    client = limited_app.test_client()
    codes = [client.get(f"/verify/{make_serial(year=2026, skill='HOIST', sequence=n)}?t=guess").status_code
             for n in range(1, 66)]
    assert codes[:60] == [404] * 60
    assert codes[-1] == 429
    assert "操作太频繁" in client.get("/verify/PS-2026-HOIST-000001-X").get_data(as_text=True)


def test_the_api_answers_429_in_the_error_shape(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/api/v1/verifications", json={"items": []}).status_code for _ in range(62)]
    assert codes[0] == 401 and codes[-1] == 429
    assert client.post("/api/v1/verifications", json={}).get_json()["error"] == "rate_limited"


def test_guessing_an_id_number_hits_the_rate_limit(limited_app, session, cipher):
    org, _admin = base_with_admin(session, cipher)
    cert = make_cert(session, holder=worker(session, cipher), org=org, config=limited_app.extensions["certificates"],
                     now=utcnow())
    session.commit()
    client = limited_app.test_client()
    page = client.get(f"/verify/{cert.serial}?t={cert.token}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    codes = [client.post(f"/verify/{cert.serial}/id-check",
                         data={"csrf_token": token, "t": cert.token, "id_number": valid_id_number()}).status_code
             for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[-1] == 429
