"""Certificate JSON API: mine, one (key or login), bulk verifications (audit-logged), the credential."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from certificates.lifecycle import revoke_certificate
from certificates.serials import make_serial
from core import apikeys
from core.clock import utcnow
from core.models import AuditEvent
from tests.certificates.cert_world import base_with_admin, enterprise_hr, login, make_cert, worker
from tests.factories import NOW, valid_id_number

REPO = Path(__file__).resolve().parents[2]



@pytest.fixture
def world(app, session, cipher):
    config = app.extensions["certificates"]
    base, admin = base_with_admin(session, cipher, name="西安装配式建筑实训基地")
    holder = worker(session, cipher, name="张晓明")
    id_number = valid_id_number()
    holder.id_number_hash = cipher.lookup_hash(id_number, purpose="id_number")
    certs = [make_cert(session, holder=holder, org=base, config=config, now=utcnow()) for _ in range(2)]
    revoke_certificate(session, certificate=certs[1], actor_id=admin.id, reason="证书信息造假", now=utcnow())
    enterprise, hr = enterprise_hr(session, cipher, name="建工集团")
    key, secret = apikeys.create_api_key(session, actor_id=hr.id, org=enterprise, name="门禁系统", scopes=["verify"],
                                         now=NOW)
    session.commit()
    return {"holder": holder, "certs": certs, "id": id_number, "hr": hr, "key": key, "secret": secret,
            "enterprise": enterprise}


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_mine_lists_the_callers_certificates(client, cipher, world):
    login(client, cipher, world["holder"])
    items = client.get("/api/v1/certificates/mine").get_json()["items"]
    assert {i["serial"] for i in items} == {c.serial for c in world["certs"]}
    revoked = next(i for i in items if i["serial"] == world["certs"][1].serial)
    assert revoked["status"] == "revoked" and revoked["reason"] == "证书信息造假"
    assert all("verify_url" in i and "id_number" not in i for i in items)


def test_mine_needs_a_login(client, world):
    resp = client.get("/api/v1/certificates/mine")
    assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"


def test_one_certificate_with_an_api_key(client, world):
    cert = world["certs"][0]
    body = client.get(f"/api/v1/certificates/{cert.serial}", headers=_bearer(world["secret"])).get_json()
    assert body["status"] == "valid" and body["holder_name"] == "张晓明" and body["issuer"] == "西安装配式建筑实训基地"
    assert set(body) >= {"serial", "skill", "level", "issued_on", "expires_on", "status_label"}
    assert "id_number" not in body


def test_one_certificate_answers_for_each_kind_of_caller(client, cipher, session, world):
    cert = world["certs"][0]
    url = f"/api/v1/certificates/{cert.serial}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_bearer("psk_nope_nope")).status_code == 401
    assert client.get(f"{url}?t={cert.token}").status_code == 200
    assert client.get(f"{url}?t=wrong").status_code == 404
    typo = client.get(f"/api/v1/certificates/{cert.serial[:-1]}0", headers=_bearer(world["secret"]))
    assert typo.status_code == 422 and typo.get_json()["field"] == "serial"
    unknown = make_serial(year=2026, skill="HOIST", sequence=999_999)
    assert client.get(f"/api/v1/certificates/{unknown}", headers=_bearer(world["secret"])).status_code == 404
    stranger = worker(session, cipher, name="路人甲")
    session.commit()
    login(client, cipher, stranger)
    assert client.get(url).status_code == 404


def test_a_key_without_the_verify_scope_is_refused(client, session, world):
    key = world["key"]
    key.scopes = ["other"]
    session.merge(key)
    session.commit()
    cert = world["certs"][0]
    resp = client.get(f"/api/v1/certificates/{cert.serial}", headers=_bearer(world["secret"]))
    assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"


def test_bulk_verifications_with_an_api_key_are_audit_logged(client, session, world):
    good, revoked = world["certs"]
    items = [{"serial": good.serial, "name": "张晓明", "id_number": world["id"]},
             {"serial": revoked.serial, "name": "张三"},
             {"serial": "PS-2026-HOIST-000001-0"},
             {"serial": good.serial, "id_number": "123"},
             "not an object"]
    resp = client.post("/api/v1/verifications", json={"items": items}, headers=_bearer(world["secret"]))
    assert resp.status_code == 200
    out = resp.get_json()["items"]
    assert [o["row"] for o in out] == [1, 2, 3, 4, 5]
    assert (out[0]["status"], out[0]["name_match"], out[0]["id_number_match"]) == ("valid", True, True)
    assert (out[1]["status"], out[1]["name_match"]) == ("revoked", False)
    assert out[2]["error"] in {"serial_check", "serial_format"} and out[2]["field"] == "serial"
    assert out[3]["status"] == "valid" and out[3]["error"] == "invalid_id_number"
    assert out[4]["error"] == "missing_serial"
    assert "holder_name" not in str(out) and world["id"] not in resp.get_data(as_text=True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificates.bulk_verified")).one()
    assert event.org_id == world["enterprise"].id and event.details["rows"] == 5
    assert event.details["key"] == world["key"].prefix


def test_bulk_verifications_by_an_enterprise_login_need_the_csrf_header(client, cipher, world):
    token = login(client, cipher, world["hr"])
    body = {"items": [{"serial": world["certs"][0].serial}]}
    assert client.post("/api/v1/verifications", json=body).status_code == 400
    resp = client.post("/api/v1/verifications", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["items"][0]["status"] == "valid"


def test_bulk_verifications_refuse_workers_and_bad_bodies(client, cipher, world):
    token = login(client, cipher, world["holder"])
    resp = client.post("/api/v1/verifications", json={"items": [{"serial": "x"}]}, headers={"X-CSRFToken": token})
    assert resp.status_code == 403
    assert client.post("/api/v1/verifications", json={"items": []}, headers=_bearer(world["secret"])).status_code == 422
    too_many = {"items": [{"serial": "x"}] * 10_001}
    resp = client.post("/api/v1/verifications", json=too_many, headers=_bearer(world["secret"]))
    assert resp.status_code == 422 and resp.get_json()["field"] == "items"
    resp = client.post("/api/v1/verifications", json={"items": "x"}, headers=_bearer(world["secret"]))
    assert resp.status_code == 422 and resp.get_json()["field"] == "items"


def test_the_credential_needs_the_token_or_a_caller(client, world):
    cert = world["certs"][0]
    url = f"/api/v1/certificates/{cert.serial}/credential"
    assert client.get(url).status_code == 401
    assert client.get(f"{url}?t=wrong").status_code == 404
    assert client.get(url, headers=_bearer(world["secret"])).status_code == 200


def test_jwks_and_issuer_are_public(client, world):
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.mimetype == "application/jwk-set+json"
    assert jwks.get_json(force=True)["keys"][0]["crv"] == "Ed25519"
    assert "d" not in jwks.get_json(force=True)["keys"][0]  # never the private part
    assert client.get("/issuer").get_json(force=True)["type"] == ["Profile"]


def test_the_certificate_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/certificates/mine"]
    assert "get" in paths["/api/v1/certificates/{serial}"]
    assert "get" in paths["/api/v1/certificates/{serial}/credential"]
    assert "post" in paths["/api/v1/verifications"]
    assert paths["/api/v1/verifications"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"] == ["items"]


def test_the_shared_contract_check_finds_the_certificate_routes(live_server_url):
    script = REPO.parent / "shared" / "contract" / "check_openapi.py"
    if not script.exists():
        pytest.skip("shared/contract/check_openapi.py not found beside the repo")
    out = subprocess.run([sys.executable, str(script), live_server_url], capture_output=True, text=True,
                         timeout=60).stdout
    for route in ("/certificates/mine", "/certificates/{}", "/verifications", "/certificates/{}/credential"):
        assert f"missing {'POST' if route == '/verifications' else 'GET'} /api/v1{route}" not in out, out
    assert "jwks.json has no keys" not in out and "/healthz is not 200" not in out


@pytest.fixture
def live_server_url(app):
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_keys_use_is_recorded_once_an_hour_even_by_reads(client, session, world):
    serial = world["certs"][0].serial
    assert client.get(f"/api/v1/certificates/{serial}", headers=_bearer(world["secret"])).status_code == 200
    session.rollback()
    session.expire_all()
    first = session.get(apikeys.ApiKey, world["key"].id).last_used_at
    assert first is not None  # stored although the read itself never commits
    assert client.get(f"/api/v1/certificates/{serial}", headers=_bearer(world["secret"])).status_code == 200
    session.rollback()
    session.expire_all()
    assert session.get(apikeys.ApiKey, world["key"].id).last_used_at == first  # no second write within the hour
