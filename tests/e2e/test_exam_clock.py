"""At phone size: a candidate who keeps answering sends no clock polls (each save reply carries the clock),
an idle one polls every 10 s, and a pause and its end still reach the page. Timers run on Playwright's clock;
requests are real."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.models import Role
from exams.invigilation import pause_session, resume_session
from tests.exams.world import build_world
from tests.factories import make_staff

pytestmark = pytest.mark.e2e


def _login(page, phone):
    page.goto("/login")
    page.fill("#phone", phone)
    page.fill("#password", "Passw0rd!")
    page.click("button[type=submit]")


def _answer(page, n: int) -> None:
    """Pick an option of question ``n`` and let the debounce run until the server's reply is shown."""
    fieldset = page.locator("fieldset.question").nth(n)
    fieldset.locator("label.opt").nth(n % 2).click()
    page.clock.run_for(600)
    fieldset.locator(".save-state", has_text="已保存").wait_for()


def test_save_replies_stand_in_for_the_clock_poll(page, session, cipher, tmp_path, script_errors):
    world = build_world(session, cipher, tmp_path, starts_at=utcnow() - timedelta(minutes=1), duration_s=1800)
    user = world.candidates[0]
    clock_polls = []
    page.on("request", lambda r: clock_polls.append(r.url) if "view=clock" in r.url else None)
    page.clock.install()
    _login(page, cipher.decrypt(user.phone_enc, purpose="phone"))
    page.goto("/exams/mine")
    page.click("text=开始考试")
    page.wait_for_selector("#paper")

    for n in range(6):  # an answer every 5 s for 30 s: three poll ticks, none needed
        _answer(page, n)
        page.clock.run_for(4_400)
    assert clock_polls == []

    page.clock.run_for(20_000)  # nothing answered for 20 s: the poll runs again
    page.wait_for_timeout(300)
    assert len(clock_polls) >= 1

    invigilator = make_staff(session, cipher, world.base, Role.INVIGILATOR)
    pause_session(session, exam_session=world.exam_session, actor_id=invigilator.id, reason="停电", now=utcnow())
    session.commit()
    _answer(page, 6)  # the reply says paused: it does not stand in for the poll, which shows the notice
    page.clock.run_for(10_000)
    page.locator("#notice", has_text="暂停").wait_for()
    page.clock.run_for(1_000)  # the held countdown is re-applied every 0.5 s
    frozen = page.inner_text("#timer")
    page.clock.run_for(5_000)
    assert page.inner_text("#timer") == frozen  # the countdown stands still while paused

    resume_session(session, exam_session=world.exam_session, actor_id=invigilator.id, now=utcnow())
    session.commit()
    _answer(page, 7)  # a running exam's reply ends the pause on the page without waiting for a poll
    assert page.locator("#notice").is_hidden()
    page.clock.run_for(3_000)
    assert page.inner_text("#timer") != frozen
    assert not [e for e in script_errors if "net::" not in e]
