import pytest

from app import create_app
from tests.conftest import make_settings


@pytest.fixture
def limited_client(tmp_path, database_url):
    app = create_app(make_settings(tmp_path, database_url, ratelimit_enabled=True))
    app.config.update(TESTING=True)
    yield app.test_client()
    app.extensions["prefabskills"].engine.dispose()


def test_token_endpoint_is_rate_limited_per_ip(limited_client):
    codes = [limited_client.post("/api/v1/auth/token", json={"phone": "13800000000", "password": "x"}).status_code
             for _ in range(25)]
    assert codes[:20] == [401] * 20
    assert codes[-1] == 429
    last = limited_client.post("/api/v1/auth/token", json={"phone": "13800000000", "password": "x"})
    assert last.get_json()["error"] == "rate_limited"


def test_registration_is_rate_limited_per_ip(limited_client):
    codes = [limited_client.post("/api/v1/auth/register", json={}).status_code for _ in range(5)]
    assert codes[:3] == [422] * 3 and codes[3:] == [429, 429]
