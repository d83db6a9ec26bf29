"""A gate guard's phone (360 × 740) opens a certificate's QR link; the worker shows the QR full-screen."""

from __future__ import annotations

import pytest

from certificates.lifecycle import revoke_certificate
from core.clock import utcnow
from tests.certificates.cert_world import base_with_admin, make_cert
from tests.factories import PASSWORD, make_worker, valid_id_number

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

PHONE_NUMBER = "13812340077"



@pytest.fixture
def certs(app, session, cipher):
    config = app.extensions["certificates"]
    base, admin = base_with_admin(session, cipher, name="昆明市装配式建筑产业工人实训基地")
    id_number = valid_id_number()
    holder = make_worker(session, cipher, name="张晓明", phone_number=PHONE_NUMBER, id_number=id_number)
    valid = make_cert(session, holder=holder, org=base, config=config, now=utcnow(), skill="PRECAS",
                      skill_name="装配式建筑施工员（构件安装）")  # the longest serial a skill code gives
    revoked = make_cert(session, holder=holder, org=base, config=config, now=utcnow())
    revoke_certificate(session, certificate=revoked, actor_id=admin.id, reason="考核记录与现场视频不符，经复核撤销",
                       now=utcnow())
    session.commit()
    return valid, revoked, id_number


def test_the_verification_page_on_a_phone(page, certs, artifacts, script_errors):
    valid, _revoked, id_number = certs
    response = page.goto(f"/verify/{valid.serial}?t={valid.token}")
    assert response.status == 200
    expect(page.locator(".status .word")).to_have_text("有效")
    expect(page.locator(".holder")).to_have_text("张晓明")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    # the facts stay inside their card: a long serial wraps instead of running past the right edge
    assert page.evaluate("(() => { const s = document.querySelector('.sheet'); const r = s.getBoundingClientRect();"
                         " const inner = r.right - parseFloat(getComputedStyle(s).paddingRight);"
                         " return Math.max(...[...s.querySelectorAll('dd, dt')].map(e => e.getBoundingClientRect()"
                         ".right)) <= inner + 0.5; })()")
    page.screenshot(path=str(artifacts / "verify-1-valid.png"), full_page=True)
    page.fill("#id_number", id_number)
    page.get_by_role("button", name="核对").click()
    expect(page.locator(".match.yes")).to_be_visible()
    assert id_number not in page.content()
    page.screenshot(path=str(artifacts / "verify-2-id-match.png"), full_page=True)
    assert script_errors == []


def test_a_revoked_certificate_on_a_phone(page, certs, artifacts, script_errors):
    _valid, revoked, _id = certs
    page.goto(f"/verify/{revoked.serial}?t={revoked.token}")
    expect(page.locator(".status .word")).to_have_text("已撤销")
    expect(page.locator(".reason")).to_contain_text("考核记录与现场视频不符")
    colour = page.evaluate("getComputedStyle(document.querySelector('.status')).backgroundColor")
    assert colour == "rgb(253, 233, 231)"  # the red tone
    page.screenshot(path=str(artifacts / "verify-3-revoked.png"), full_page=True)
    assert script_errors == []


def test_the_worker_shows_the_qr_full_screen(page, certs, artifacts, script_errors):
    valid, _revoked, _id = certs
    page.goto("/login")
    page.fill("#phone", PHONE_NUMBER)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto("/me/certificates")
    page.get_by_text(valid.serial).click()
    page.screenshot(path=str(artifacts / "verify-4-wallet-detail.png"), full_page=True)
    page.get_by_role("link", name="全屏出示二维码").click()
    expect(page.locator(".qr-full svg")).to_be_visible()
    box = page.locator(".qr-full svg").bounding_box()
    assert box["width"] >= 300  # big enough for a gate scanner
    page.screenshot(path=str(artifacts / "verify-5-qr-fullscreen.png"))
    assert script_errors == []
