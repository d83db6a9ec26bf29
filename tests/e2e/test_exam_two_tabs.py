"""Two tabs on one attempt share the phone's storage: an answer changed in the tab opened first, after the
other tab saved, gets a newer sequence number and is the one stored; each tab shows the other's answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from exams.models import Answer
from tests.exams.world import build_world

pytestmark = pytest.mark.e2e

SAVED = "() => document.getElementById('pending').textContent === ''"


def test_an_answer_changed_in_the_older_tab_is_stored_and_both_tabs_agree(page, context, session, cipher, tmp_path,
                                                                          script_errors):
    world = build_world(session, cipher, tmp_path, starts_at=utcnow() - timedelta(minutes=1), duration_s=1800)
    page.goto("/login")
    page.fill("#phone", cipher.decrypt(world.candidates[0].phone_enc, purpose="phone"))
    page.fill("#password", "Passw0rd!")
    page.click("button[type=submit]")
    page.goto("/exams/mine")
    page.click("text=开始考试")
    page.wait_for_selector("#paper")
    first, second = page, context.new_page()
    second.goto(first.url)
    second.wait_for_selector("#paper")
    a, b = first.eval_on_selector_all('fieldset[data-kind="single"]', "fs => fs.map(f => f.dataset.qid)")[:2]

    second.check(f'fieldset[data-qid="{a}"] input[value="A"]')
    second.check(f'fieldset[data-qid="{b}"] input[value="B"]')
    second.wait_for_function(SAVED)
    first.check(f'fieldset[data-qid="{a}"] input[value="C"]')  # this tab loaded before the other one counted on
    first.wait_for_function(SAVED)

    session.rollback()
    stored = {str(x.question_version_id): x.response for x in session.scalars(select(Answer))}
    assert stored == {a: "C", b: "B"}
    assert first.is_checked(f'fieldset[data-qid="{b}"] input[value="B"]')
    second.wait_for_function(f"() => document.querySelector('fieldset[data-qid=\"{a}\"] input[value=\"C\"]').checked")
    assert not [e for e in script_errors if "net::" not in e]
