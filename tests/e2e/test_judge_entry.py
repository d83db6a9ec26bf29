"""A judge scores on a tablet (768×1024): online, then offline with a correction, then back online; the queued
marks are replayed and stored once each; a re-vote opened by the other judges shows on the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exams.competitions.models import MarkEvent, Revote
from tests.competitions.world import build_comp_world, mark

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}



@pytest.fixture
def tablet(browser, live_server):
    ctx = browser.new_context(base_url=live_server, viewport=TABLET, device_scale_factor=1, is_mobile=True,
                              has_touch=True, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def _card(page, competitor, aspect):
    return page.locator(f'section[data-competitor="{competitor.id}"] article[data-aspect="{aspect.id}"]')


def _login(page, cipher, user):
    page.goto("/login")
    page.fill("#phone", cipher.decrypt(user.phone_enc, purpose="phone"))
    page.fill("#password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _pending_clear(page):
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=20_000)


def test_judge_scores_offline_corrects_with_a_reason_and_the_queue_replays(tablet, session, cipher, artifacts):
    world = build_comp_world(session, cipher, competitors=3)
    judge = world.judges[0]
    first, second, _third = world.competitors
    errors: list[str] = []
    page = tablet.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Content Security" in m.text else None)

    _login(page, cipher, judge)
    page.goto(f"/judge/modules/{world.module('A').id}")
    page.wait_for_selector("#judge")
    assert first.name not in page.content()
    page.screenshot(path=str(artifacts / "judge-tablet-start.png"), full_page=False)

    a1, a2, a3, a4 = (world.aspect(c) for c in ("A1", "A2", "A3", "A4"))
    _card(page, first, a1).locator("input.reading").fill("12.05")
    _card(page, first, a1).locator("button.save").click()
    _card(page, first, a2).locator("input.reading").fill("305")
    _card(page, first, a2).locator("input.reading").press("Enter")
    _card(page, first, a3).locator('button[data-score="3"]').click()
    _card(page, first, a4).locator("input.reading").fill("0")
    _card(page, first, a4).locator("button.save").click()
    _pending_clear(page)
    assert "等待其他裁判（1/3）" in _card(page, first, a3).inner_text()

    tablet.set_offline(True)
    page.click(f'button[data-target="st-{second.id}"]')
    _card(page, second, a1).locator("input.reading").fill("11.9")
    _card(page, second, a1).locator("button.save").click()
    _card(page, second, a3).locator('button[data-score="2"]').click()
    page.click(f'button[data-target="st-{first.id}"]')
    _card(page, first, a3).locator('button[data-score="2"]').click()  # a correction: asks for a reason
    reason_box = _card(page, first, a3).locator(".reason")
    reason_box.locator(".reason-text").fill("复看搅拌视频后改判")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "judge-tablet-offline-correction.png"), full_page=False)
    reason_box.locator("button.confirm").click()
    assert "待上传 3 条" in page.inner_text("#pending")
    assert "已存本机" in _card(page, first, a3).inner_text()

    tablet.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _pending_clear(page)
    page.screenshot(path=str(artifacts / "judge-tablet-synced.png"), full_page=False)

    session.rollback()
    session.expire_all()
    marks = session.scalars(select(MarkEvent).where(MarkEvent.judge_id == judge.id).order_by(MarkEvent.seq)).all()
    assert [m.seq for m in marks] == [1, 2, 3, 4, 5, 6, 7]
    assert marks[-1].reason == "复看搅拌视频后改判" and marks[-1].value == 2 and marks[-1].device_id.startswith("d")
    assert not [e for e in errors if "net::" not in e]

    # The other two judges score the first station's A3 far apart: a re-vote opens for everyone.
    world.seqs = {}
    mark(session, world, world.judges[1], first, "A3", 3, seq=1)
    mark(session, world, world.judges[2], first, "A3", 0, seq=1)
    session.commit()
    assert session.scalars(select(Revote)).one().round == 1
    page.reload()
    page.wait_for_selector("#judge")
    text = _card(page, first, a3).inner_text()
    assert "第 2 轮" in text and "请重新评分" in text
    _card(page, first, a3).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "judge-tablet-revote.png"), full_page=False)
    _card(page, first, a3).locator('button[data-score="2"]').click()  # round 2: a fresh score, no reason asked
    _pending_clear(page)
    session.rollback()
    latest = session.scalars(select(MarkEvent).where(MarkEvent.judge_id == judge.id)
                             .order_by(MarkEvent.seq.desc())).first()
    assert latest.round == 2 and latest.outcome == "applied"
