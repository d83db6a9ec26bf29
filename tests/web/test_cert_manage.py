"""Lifecycle pages: the issuing base's base_admin suspends, revokes, renews, re-issues; others get 404/403."""

import re

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from certificates.status import CertificateState
from core.clock import utcnow
from core.models import AuditEvent, OrgKind, Role
from tests.certificates.cert_world import base_with_admin, login, make_cert, worker
from tests.factories import make_org, make_staff


@pytest.fixture
def world(app, session, cipher):
    config = app.extensions["certificates"]
    base, admin = base_with_admin(session, cipher, name="昆明装配式建筑实训基地")
    holder = worker(session, cipher, name="张晓明")
    cert = make_cert(session, holder=holder, org=base, config=config, now=utcnow())
    session.commit()
    return base, admin, holder, cert


def _fresh(session) -> None:
    """See what the app committed: end our read snapshot (SQLite WAL) and forget loaded rows."""
    session.rollback()
    session.expire_all()


def _post(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data})


def test_a_base_admin_suspends_reinstates_and_revokes(client, cipher, session, world):
    base, admin, _holder, cert = world
    token = login(client, cipher, admin)
    url = f"/orgs/{base.id}/certificates/{cert.serial}"
    page = client.get(url).get_data(as_text=True)
    assert "暂停证书" in page and "撤销证书" in page
    assert cert.serial in client.get(f"/orgs/{base.id}/certificates").get_data(as_text=True)
    resp = _post(client, url, token, action="suspend", reason="安全事故调查中")
    assert resp.status_code == 302
    _fresh(session)
    assert session.get(Certificate, cert.id).state == CertificateState.SUSPENDED
    _post(client, url, token, action="reinstate", reason="")
    _post(client, url, token, action="revoke", reason="考核记录造假")
    _fresh(session)
    revoked = session.get(Certificate, cert.id)
    assert revoked.state == CertificateState.REVOKED and revoked.state_reason == "考核记录造假"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"certificate:{cert.id}")
                              .order_by(AuditEvent.seq)).all()
    assert actions == ["certificate.issued", "certificate.suspended", "certificate.reinstated", "certificate.revoked"]


def test_a_missing_reason_is_shown_and_nothing_changes(client, cipher, session, world):
    base, admin, _holder, cert = world
    token = login(client, cipher, admin)
    resp = _post(client, f"/orgs/{base.id}/certificates/{cert.serial}", token, action="revoke", reason="")
    assert resp.status_code == 200 and "请写明原因" in resp.get_data(as_text=True)
    _fresh(session)
    assert session.get(Certificate, cert.id).state == CertificateState.ISSUED


def test_a_name_correction_reissues_from_the_page(client, cipher, session, world):
    base, admin, holder, cert = world
    holder = session.merge(holder)
    holder.name = "张晓鸣"
    session.commit()
    token = login(client, cipher, admin)
    page = client.get(f"/orgs/{base.id}/certificates/{cert.serial}").get_data(as_text=True)
    assert "按更正后的姓名换发" in page
    resp = _post(client, f"/orgs/{base.id}/certificates/{cert.serial}", token, action="reissue", reason="姓名更正")
    new_serial = re.search(r"/certificates/(PS-[0-9A-Z-]+)$", resp.headers["Location"]).group(1)
    _fresh(session)
    new = session.scalars(select(Certificate).where(Certificate.serial == new_serial)).one()
    assert new.holder_name == "张晓鸣" and session.get(Certificate, cert.id).superseded_by_id == new.id


def test_the_base_admin_downloads_the_pdf(client, cipher, world):
    base, admin, _holder, cert = world
    login(client, cipher, admin)
    resp = client.get(f"/orgs/{base.id}/certificates/{cert.serial}/certificate.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")


def test_another_base_gets_404_and_a_non_admin_member_403(app, client, cipher, session, world):
    base, _admin, _holder, cert = world
    other, other_admin = base_with_admin(session, cipher)
    examiner = make_staff(session, cipher, base, Role.EXAMINER)
    session.commit()
    login(client, cipher, other_admin)
    assert client.get(f"/orgs/{base.id}/certificates/{cert.serial}").status_code == 404
    assert client.get(f"/orgs/{base.id}/certificates").status_code == 404
    assert client.get(f"/orgs/{other.id}/certificates/{cert.serial}").status_code == 404  # not theirs
    fresh = app.test_client()
    login(fresh, cipher, examiner)
    assert fresh.get(f"/orgs/{base.id}/certificates/{cert.serial}").status_code == 403


def test_a_platform_admin_manages_platform_issued_certificates(app, client, cipher, session, world):
    _base, _admin, holder, _cert = world
    authority = make_org(session, kind=OrgKind.AUTHORITY, name="主管部门")
    platform_admin = make_staff(session, cipher, authority, Role.PLATFORM_ADMIN)
    training = make_cert(session, holder=holder, org=None, config=app.extensions["certificates"], now=utcnow())
    session.commit()
    token = login(client, cipher, platform_admin)
    listing = client.get(f"/orgs/{authority.id}/certificates").get_data(as_text=True)
    assert training.serial in listing
    resp = _post(client, f"/orgs/{authority.id}/certificates/{training.serial}", token, action="suspend",
                 reason="平台核查中")
    assert resp.status_code == 302
