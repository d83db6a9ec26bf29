from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEvent
from roster.build import refresh_roster
from tests.certificates.cert_world import login
from tests.conftest import csrf_token
from tests.factories import NOW
from tests.roster.roster_world import build_roster_world


def _world(session, cipher, tmp_path):
    world = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    session.commit()
    return world


def test_committee_searches_the_whole_roster_with_masked_id_numbers_only(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.committee)
    html = client.get("/roster").get_data(as_text=True)
    assert all(name in html for name in ("李建国", "王志强", "赵红梅"))
    assert world.skilled.id_number_masked in html
    assert cipher.decrypt(world.skilled.id_number_enc, purpose="id_number") not in html
    assert "王志强" not in client.get("/roster?skill=HOIST").get_data(as_text=True)
    assert client.get("/roster?level=x").status_code == 422


def test_record_page_shows_certificates_placings_and_employer(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.committee)
    html = client.get(f"/roster/{world.skilled.id}").get_data(as_text=True)
    assert "三级/高级工" in html and world.ent_a.name in html
    assert "gold" in client.get(f"/roster/{world.medallist.id}").get_data(as_text=True)


def test_enterprise_hr_sees_only_own_employees(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.hr_a)
    html = client.get("/roster").get_data(as_text=True)
    assert "李建国" in html and "王志强" not in html and "赵红梅" not in html
    assert client.get(f"/roster/{world.skilled.id}").status_code == 200
    assert client.get(f"/roster/{world.expired.id}").status_code == 404


def test_a_worker_is_refused(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.skilled)
    assert client.get("/roster").status_code == 403
    assert client.get(f"/roster/{world.skilled.id}").status_code == 403
    assert client.get("/api/v1/roster").status_code == 403


def test_id_number_lookup_page_posts_and_writes_an_audit_row(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.committee)
    token = csrf_token(client.get("/roster").get_data(as_text=True))
    id_number = cipher.decrypt(world.expired.id_number_enc, purpose="id_number")
    resp = client.post("/roster/lookup", data={"csrf_token": token, "id_number": id_number})
    assert resp.status_code == 200 and "王志强" in resp.get_data(as_text=True) and id_number not in resp.get_data(
        as_text=True)
    assert client.post("/roster/lookup", data={"csrf_token": token, "id_number": "123"}).status_code == 422
    session.rollback()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.lookup")).all()
    assert [(e.actor_id, e.details) for e in events] == [(world.committee.id, {"found": True})]


def test_api_shape_filters_and_errors_for_the_committee(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    login(client, cipher, world.committee)
    body = client.get("/api/v1/roster").get_json()
    assert body["next"] is None and len(body["items"]) == 3
    item = next(i for i in body["items"] if i["user_id"] == world.skilled.id)
    assert item["enterprise"] == {"id": world.ent_a.id, "name": world.ent_a.name}
    assert item["id_number_masked"] == world.skilled.id_number_masked and item["top_level"] == 3
    assert item["certificates"]["valid"] == 1 and item["skills"][0]["code"] == "HOIST"
    filtered = client.get(f"/api/v1/roster?enterprise={world.ent_b.id}&region=广东").get_json()
    assert [i["name"] for i in filtered["items"]] == ["王志强"]
    assert client.get("/api/v1/roster?after=999999").get_json() == {"items": [], "next": None}
    bad = client.get("/api/v1/roster?level=0")
    assert bad.status_code == 422 and bad.get_json()["field"] == "level"


def test_api_is_committee_only(client, session, cipher, tmp_path):
    world = _world(session, cipher, tmp_path)
    assert client.get("/api/v1/roster").status_code == 401
    login(client, cipher, world.hr_a)
    assert client.get("/api/v1/roster").status_code == 403

