from sqlalchemy import select

from core import apikeys
from core.models import ApiKey, AuditEvent, Membership, OrgKind, Role
from tests.conftest import login_as
from tests.factories import NOW, make_org, make_staff


def test_platform_admin_creates_an_organisation(client, session, cipher):
    authority = make_org(session, kind=OrgKind.AUTHORITY)
    admin = make_staff(session, cipher, authority, Role.PLATFORM_ADMIN)
    session.commit()
    token = login_as(client, cipher, admin)
    resp = client.post("/admin/orgs", data={"csrf_token": token, "kind": "training_base", "name": "新基地",
                                            "region": "昆明"})
    assert resp.status_code == 302
    assert "新基地" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_base_admin_invites_an_examiner_who_gets_a_one_time_password(client, session, cipher):
    base = make_org(session)
    admin = make_staff(session, cipher, base, Role.BASE_ADMIN)
    session.commit()
    token = login_as(client, cipher, admin)
    resp = client.post(f"/admin/orgs/{base.id}", data={"csrf_token": token, "name": "考评员甲",
                                                        "phone": "13711112222", "role": "examiner"})
    html = resp.get_data(as_text=True)
    assert "临时密码" in html and "137****2222" in html
    roles = session.scalars(select(Membership.role).where(Membership.org_id == base.id)).all()
    assert sorted(roles) == ["base_admin", "examiner"]
    assert "role.granted" in session.scalars(select(AuditEvent.action)).all()


def test_a_role_the_organisation_kind_cannot_grant_is_refused(client, session, cipher):
    base = make_org(session)
    admin = make_staff(session, cipher, base, Role.BASE_ADMIN)
    session.commit()
    token = login_as(client, cipher, admin)
    resp = client.post(f"/admin/orgs/{base.id}", data={"csrf_token": token, "name": "某人",
                                                        "phone": "13711112222", "role": "platform_admin"})
    assert resp.status_code == 200 and "平台管理员" not in resp.get_data(as_text=True).split("添加人员")[1]


def test_an_examiner_may_not_manage_the_base(client, session, cipher):
    base = make_org(session)
    examiner = make_staff(session, cipher, base, Role.EXAMINER)
    session.commit()
    login_as(client, cipher, examiner)
    assert client.get(f"/admin/orgs/{base.id}").status_code == 403


def test_api_key_is_shown_once_stored_hashed_and_revocable(client, session, cipher):
    ent = make_org(session, kind=OrgKind.ENTERPRISE)
    hr = make_staff(session, cipher, ent, Role.ENTERPRISE_HR)
    session.commit()
    token = login_as(client, cipher, hr)
    html = client.post(f"/admin/orgs/{ent.id}/keys", data={"csrf_token": token, "key-name": "门禁系统"}
                       ).get_data(as_text=True)
    secret = html.split('<code class="break">')[1].split("</code>")[0]
    key = session.scalars(select(ApiKey)).one()
    assert secret.startswith("psk_") and secret not in repr(key.__dict__)
    assert apikeys.authenticate_api_key(session, secret, now=NOW).id == key.id
    session.commit()
    assert secret not in client.get(f"/admin/orgs/{ent.id}").get_data(as_text=True)
    client.post(f"/admin/orgs/{ent.id}/keys/{key.id}/revoke", data={"csrf_token": token})
    session.expire_all()
    assert apikeys.authenticate_api_key(session, secret, now=NOW) is None
    assert {"apikey.created", "apikey.revoked"} <= set(session.scalars(select(AuditEvent.action)).all())


def test_a_tampered_api_key_does_not_authenticate(session, cipher):
    ent = make_org(session, kind=OrgKind.ENTERPRISE)
    hr = make_staff(session, cipher, ent, Role.ENTERPRISE_HR)
    _key, secret = apikeys.create_api_key(session, actor_id=hr.id, org=ent, name="k", scopes=["verify"], now=NOW)
    assert apikeys.authenticate_api_key(session, secret[:-1] + ("A" if secret[-1] != "A" else "B"), now=NOW) is None


def test_admin_page_shows_the_scheduler_badge(client, session, cipher):
    authority = make_org(session, kind=OrgKind.AUTHORITY)
    admin = make_staff(session, cipher, authority, Role.PLATFORM_ADMIN)
    session.commit()
    login_as(client, cipher, admin)
    assert "定时任务未运行" in client.get("/admin/orgs").get_data(as_text=True)
