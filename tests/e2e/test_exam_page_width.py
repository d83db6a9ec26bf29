"""The exam page fits a 360 px phone whatever the paper holds: an ordering question whose steps are long sentences
must not widen the page (a wider page is zoomed out or scrolls sideways, and taps land on the wrong control)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from exams.attempts import start_attempt
from exams.models import Answer, Paper
from lms.models import QuestionVersion
from tests.exams.world import build_world
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ORDERING = {"kind": "ordering", "stem": "请按正确顺序排列墙板安装的下列步骤。", "answer": ["B", "C", "A", "D"],
            "options": {"A": "摘钩", "B": "构件就位并校准", "C": "设置临时固定（斜撑）",
                        "D": "结构达到后续施工承载要求、经检查确认后再拆除全部临时固定和支撑"}}


def _exam_with_an_ordering_question(page, session, cipher, tmp_path):
    """A started attempt whose first question asks for an order of steps, open in the logged-in phone."""
    now = utcnow()
    world = build_world(session, cipher, tmp_path, starts_at=now - timedelta(minutes=1))
    candidate = world.candidates[0]
    attempt = start_attempt(session, exam_session=world.exam_session, candidate=candidate, device_id="",
                            now=now).attempt
    first = session.get(QuestionVersion, session.get(Paper, attempt.paper_id).items[0]["q"])
    first.kind, first.spec = "ordering", ORDERING
    session.commit()
    page.goto("/login")
    page.fill("#phone", cipher.decrypt(candidate.phone_enc, purpose="phone"))
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"/exams/attempts/{attempt.id}")
    page.wait_for_selector("#paper")
    return attempt, first


def test_an_ordering_question_with_long_steps_does_not_widen_the_exam_page(page, session, cipher, tmp_path,
                                                                            artifacts, script_errors):
    _exam_with_an_ordering_question(page, session, cipher, tmp_path)
    page.screenshot(path=str(artifacts / "exam-ordering-question.png"))
    assert page.locator("fieldset.question select").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert script_errors == []


def test_an_ordering_answer_is_saved_only_once_every_place_differs(page, session, cipher, tmp_path, script_errors):
    attempt, first = _exam_with_an_ordering_question(page, session, cipher, tmp_path)
    question = page.locator(f"fieldset.question[data-qid='{first.id}']")
    selects = question.locator("select")
    assert [selects.nth(n).input_value() for n in range(4)] == [""] * 4  # nothing pre-chosen
    saves = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "PUT" else None)
    for n, key in enumerate(["B", "C", "A"]):
        selects.nth(n).select_option(key)
    assert "不同的选项" in question.locator(".save-state").inner_text() and saves == []
    selects.nth(3).select_option("D")
    question.locator(".save-state").filter(has_text="已保存").wait_for()
    session.rollback()
    stored = session.scalar(select(Answer.response).where(Answer.attempt_id == attempt.id,
                                                          Answer.question_version_id == first.id))
    assert stored == ["B", "C", "A", "D"] and len(saves) == 1
    page.reload()
    page.wait_for_selector("#paper")
    assert [page.locator(f"fieldset.question[data-qid='{first.id}'] select").nth(n).input_value()
            for n in range(4)] == ["B", "C", "A", "D"]
    assert script_errors == []
