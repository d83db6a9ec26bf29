import pytest

from tests.factories import PASSWORD, valid_id_number


def _register(client, **overrides):
    body = {"phone": "13812341234", "password": PASSWORD, "name": "王小明", "id_number": valid_id_number(),
            "consent": True}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_register_then_token_then_me(client):
    resp = _register(client, id_number="11010519491231002X")
    assert resp.status_code == 201
    token = client.post("/api/v1/auth/token", json={"phone": "13812341234", "password": PASSWORD}).get_json()
    assert token["token"] and token["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).get_json()
    assert me["id_number"] == "110105********002X" and me["phone"] == "138****1234"


def test_bad_check_digit_is_422_with_the_field(client):
    resp = _register(client, id_number="110105194912310021")
    assert resp.status_code == 422
    assert resp.get_json()["field"] == "id_number"


def test_taken_phone_is_409_on_phone_and_taken_id_number_409_on_id_number(client):
    _register(client, id_number="11010519491231002X")
    assert _register(client, id_number=valid_id_number()).get_json()["field"] == "phone"
    resp = _register(client, phone="13912341234", id_number="11010519491231002X")
    assert resp.status_code == 409 and resp.get_json()["field"] == "id_number"


@pytest.mark.parametrize("body,field", [
    ({"phone": 13812341234}, "phone"),
    ({"consent": "yes"}, "consent"),
    ({"name": ["王"]}, "name"),
])
def test_wrong_types_are_422_naming_the_field(client, body, field):
    resp = _register(client, **body)
    assert resp.status_code == 422 and resp.get_json()["field"] == field


def test_missing_field_is_named(client):
    resp = client.post("/api/v1/auth/register", json={"phone": "13812341234"})
    assert resp.status_code == 422 and resp.get_json()["field"] == "password"


@pytest.mark.parametrize("data", ["not json", "[1, 2]", ""])
def test_malformed_body_is_a_clear_4xx(client, data):
    resp = client.post("/api/v1/auth/register", data=data, content_type="application/json")
    assert resp.status_code == 422
    assert set(resp.get_json()) == {"error", "message", "field"}


def test_oversized_body_is_413_in_the_error_shape(client, app):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    resp = client.post("/api/v1/auth/token", data=big, content_type="application/json")
    assert resp.status_code == 413 and resp.get_json()["error"] == "payload_too_large"


def test_bad_credentials_are_401(client):
    _register(client)
    resp = client.post("/api/v1/auth/token", json={"phone": "13812341234", "password": "wrong-pass1"})
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_credentials"


def test_me_without_token_is_401_and_with_a_forged_token_too(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged.token.value"}).status_code == 401


def test_password_change_invalidates_old_tokens(client, session, cipher):
    from core import accounts
    from core.models import User

    _register(client)
    token = client.post("/api/v1/auth/token", json={"phone": "13812341234", "password": PASSWORD}).get_json()["token"]
    user = session.query(User).one()
    accounts.change_password(session, user=user, old_password=PASSWORD, new_password="NewPass123",
                             now=user.created_at, cipher=cipher)
    session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_unknown_api_route_is_404_in_the_error_shape(client):
    resp = client.get("/api/v1/no-such-route")
    assert resp.status_code == 404 and set(resp.get_json()) == {"error", "message", "field"}
