"""At the door on a 360 px phone: the invigilator types a ticket number and the candidate is marked present;
a mistyped number is caught by its check character. Screenshots of the pages (and of the ticket PDF) go to
test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from exams.models import Registration
from exams.rules.tickets import display
from exams.tickets import render_pdf, ticket_of
from tests.exams.base_world import build_exam_day
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def day(session, cipher, tmp_path):
    day = build_exam_day(session, cipher, tmp_path, candidates=2, starts_at=utcnow() + timedelta(minutes=30))
    day.candidates[0].name = "李建国"
    session.commit()
    return day


def _log_in(page, cipher, user) -> None:
    page.goto("/login")
    page.fill("#phone", cipher.decrypt(user.phone_enc, purpose="phone"))
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("link", name="我的")).to_be_visible()


def _shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"checkin-{name}.png"), full_page=True)


def _registration(session, user) -> Registration:
    session.rollback()
    return session.scalar(select(Registration).where(Registration.user_id == user.id))


def test_an_invigilator_checks_a_candidate_in_by_typing_the_ticket_number(page, day, session, cipher, artifacts,
                                                                           script_errors, app):
    registration = _registration(session, day.candidates[0])
    _log_in(page, cipher, day.invigilator)
    url = f"/orgs/{day.base.id}/sessions/{day.exam_session.id}/checkin"
    page.goto(url)
    expect(page.get_by_role("heading", name="考生签到")).to_be_visible()
    _shot(page, artifacts, "1-door")

    number = registration.ticket_number
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    page.locator("#ticket_number").type(typo.lower())
    expect(page.locator("#ticket_number")).to_have_value(display(typo))  # checkin.js formats as it is typed
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator(".err")).to_have_text("准考证号有误，请核对后重新输入。")
    _shot(page, artifacts, "2-typo")
    assert _registration(session, day.candidates[0]).checked_in_at is None

    page.locator("#ticket_number").fill(display(number))
    page.get_by_role("button", name="签到", exact=True).click()
    result = page.locator("#checkin-result")
    expect(result).to_contain_text("签到成功")
    expect(result).to_contain_text("李建国")
    expect(result).to_contain_text("101室 · 1号座位")
    _shot(page, artifacts, "3-present")
    assert _registration(session, day.candidates[0]).checked_in_at is not None

    page.goto(f"/orgs/{day.base.id}/sessions/{day.exam_session.id}/console")
    expect(page.locator('[data-count="present"]')).to_have_text("1")
    expect(page.locator('[data-count="not_arrived"]')).to_have_text("1")
    _shot(page, artifacts, "4-console")
    page.goto(f"/orgs/{day.base.id}/sessions/{day.exam_session.id}")
    _shot(page, artifacts, "5-session")
    page.goto(f"/orgs/{day.base.id}/calendar")
    expect(page.locator(".cal .ev")).to_have_count(1)
    _shot(page, artifacts, "7-calendar")
    assert script_errors == []

    # The ticket the candidate brought, as a picture to look at.
    if shutil.which("pdftoppm"):
        with app.test_request_context():
            from flask import render_template

            ticket = ticket_of(session, registration, day.base.name)
            pdf = render_pdf(render_template("exams/base/ticket_pdf.html", t=ticket))
        (artifacts / "checkin-ticket.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(artifacts / "checkin-ticket.pdf"),
                        str(artifacts / "checkin-ticket")], check=True)


FAKE_CAMERA = """
(() => {
  const number = %r;
  window.BarcodeDetector = class {
    static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
    detect() { return Promise.resolve([{ rawValue: number, format: "qr_code" }]); }
  };
  const canvas = document.createElement("canvas");
  canvas.width = 320; canvas.height = 240;
  navigator.mediaDevices.getUserMedia = () => {
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#888"; ctx.fillRect(0, 0, 320, 240);
    return Promise.resolve(canvas.captureStream(5));
  };
})();
"""


def test_scanning_the_tickets_qr_code_with_the_camera_checks_the_candidate_in(page, day, session, cipher, artifacts,
                                                                               script_errors):
    """Chromium on Linux has no BarcodeDetector: a stand-in camera and detector read the ticket's number."""
    registration = _registration(session, day.candidates[1])
    page.add_init_script(FAKE_CAMERA % registration.ticket_number)
    _log_in(page, cipher, day.invigilator)
    page.goto(f"/orgs/{day.base.id}/sessions/{day.exam_session.id}/checkin")
    expect(page.locator("#scanner")).to_be_visible()
    _shot(page, artifacts, "6-scanner")
    page.get_by_role("button", name="打开摄像头扫码").click()
    expect(page.locator("#checkin-result")).to_contain_text("签到成功")
    expect(page.locator("#checkin-result")).to_contain_text("101室 · 2号座位")
    assert _registration(session, day.candidates[1]).checked_in_at is not None
    assert script_errors == []
