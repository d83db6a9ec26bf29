"""At phone size: the network drops mid-exam, three answers are given offline, the page is reloaded while
still offline, the network returns, the candidate submits, and every answer is graded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from exams.models import Answer, Attempt
from tests.exams.world import build_world

pytestmark = pytest.mark.e2e

TEN_MINUTES_AHEAD = "(() => { const shift = 600000; const RealDate = Date; " \
    "class Skewed extends RealDate { constructor(...a) { super(...(a.length ? a : [RealDate.now() + shift])); } " \
    "static now() { return RealDate.now() + shift; } } window.Date = Skewed; })();"


def _login(page, phone):
    page.goto("/login")
    page.fill("#phone", phone)
    page.fill("#password", "Passw0rd!")
    page.click("button[type=submit]")


def test_offline_answers_survive_a_reload_and_are_graded(page, context, session, cipher, tmp_path, artifacts,
                                                         script_errors):
    world = build_world(session, cipher, tmp_path, starts_at=utcnow() - timedelta(minutes=1), duration_s=1800)
    user = world.candidates[0]
    phone = cipher.decrypt(user.phone_enc, purpose="phone")
    context.add_init_script(TEN_MINUTES_AHEAD)  # the phone's clock is ten minutes fast: it must not matter

    _login(page, phone)
    page.goto("/exams/mine")
    page.click("text=开始考试")
    page.wait_for_selector("#paper")
    assert page.inner_text("#timer").startswith(("29:", "30:"))
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => caches.open('lessons-v1').then(c => c.match(location.href)).then(r => !!r)")

    context.set_offline(True)
    fieldsets = page.locator("fieldset.question")
    for i in range(3):
        fieldsets.nth(i).locator("label.opt").first.click()
    page.wait_for_timeout(300)
    assert "等待上传" in fieldsets.nth(0).inner_text()
    page.screenshot(path=str(artifacts / "exam-offline.png"), full_page=False)

    page.reload()  # still offline: the service worker's copy comes back, answers from the phone's storage
    page.wait_for_selector("#paper")
    for i in range(3):
        assert page.locator("fieldset.question").nth(i).locator("input").first.is_checked()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=20_000)
    page.screenshot(path=str(artifacts / "exam-online-again.png"), full_page=False)

    page.once("dialog", lambda d: d.accept())
    page.click("#submit")
    page.wait_for_url("**/result")
    page.screenshot(path=str(artifacts / "exam-result.png"), full_page=True)

    session.rollback()
    session.expire_all()
    attempt = session.scalars(select(Attempt)).one()
    answers = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert attempt.status == "submitted" and len(answers) == 3
    assert all(a.credit is not None for a in answers)
    assert not [e for e in script_errors if "net::" not in e]
