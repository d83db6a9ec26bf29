"""A worker on a 360 px phone: enrol, read, mark as read, practise; then read offline and sync later."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms import queries
from lms.models import LessonCompletion
from tests.factories import PASSWORD, make_worker
from tests.lms.content_factory import ANSWERS, SLUG, TITLE, build_course, lesson

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

PHONE_NUMBER = "13812340009"
COURSE = f"/courses/{SLUG}"


@pytest.fixture
def course(session, tmp_path):
    course = build_course(session, tmp_path)
    session.commit()
    return course


@pytest.fixture
def worker(session, cipher):
    user = make_worker(session, cipher, phone_number=PHONE_NUMBER)
    session.commit()
    return user


def _log_in(page) -> None:
    page.goto("/login")
    page.fill("#phone", PHONE_NUMBER)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("link", name="我的")).to_be_visible()


def _answer_correctly(page) -> None:
    for block in page.locator("fieldset.q").all():
        key = ANSWERS[block.locator(".q-stem").inner_text()]
        if block.get_attribute("data-kind") == "truefalse":
            key = "true" if key else "false"
        for value in key if isinstance(key, list) else [key]:
            block.locator(f'input[value="{value}"]').check()


def _shot(page, artifacts, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page in a full-page shot
    page.screenshot(path=str(artifacts / f"lesson-flow-{name}.png"), full_page=True)


def _completed(session, user_id: int) -> set[int]:
    session.rollback()  # a fresh snapshot: the live server wrote in its own transactions
    return set(session.scalars(select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == user_id)))


def test_worker_enrols_reads_marks_and_practises_on_a_phone(page, course, worker, artifacts, script_errors):
    _log_in(page)
    page.goto("/courses")
    _shot(page, artifacts, "1-catalogue")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="报名学习").click()
    expect(page.locator(".progress-line")).to_have_text("完成 0/3 课，练习平均分 0%")
    expect(page.locator("#offline-save")).to_be_visible()  # JavaScript shows the offline button

    page.get_by_role("link", name=re.compile("继续学习")).click()
    expect(page.locator("h1")).to_have_text("吊索夹角与受力")
    expect(page.locator("aside.box-redline")).to_contain_text("第 1 课红线")
    figure = page.locator("figure img")
    figure.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('figure img').naturalWidth > 0")
    _shot(page, artifacts, "2-lesson")

    page.get_by_role("button", name="标记为已学完").click()
    expect(page.locator("#complete-status")).to_have_text("已标记为学完。")
    expect(page.locator("#lesson-done")).to_be_visible()

    page.get_by_role("link", name="做本课练习题").click()
    _answer_correctly(page)
    _shot(page, artifacts, "3-practice")
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("section.q-right")).to_have_count(3)
    expect(page.locator(".explain").first).to_contain_text("第1课解析")
    _shot(page, artifacts, "4-feedback")

    page.goto(COURSE)
    expect(page.locator(".progress-line")).to_have_text("完成 1/3 课，练习平均分 33.33%")
    expect(page.locator(".outline li").first).to_have_class("done")
    expect(page.get_by_role("link", name=re.compile("继续学习"))).to_have_text("继续学习：试吊")
    _shot(page, artifacts, "5-course")
    assert script_errors == []


def test_a_saved_course_reads_offline_and_a_completion_syncs_when_back_online(page, context, course, worker, session,
                                                                              artifacts, script_errors):
    _log_in(page)
    page.goto(COURSE)
    page.get_by_role("button", name="报名学习").click()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.locator("#save-offline").click()
    expect(page.locator("#save-status")).to_have_text("已保存 4 页，没有网络时也能阅读。", timeout=30_000)

    context.set_offline(True)
    second = lesson(course, 2)
    page.goto(f"{COURSE}/lessons/{second.slug}")
    expect(page.locator("h1")).to_have_text("试吊")
    expect(page.locator(".lesson-body")).to_contain_text("200～300 mm")
    _shot(page, artifacts, "6-offline-lesson")
    page.get_by_role("button", name="标记为已学完").click()
    expect(page.locator("#complete-status")).to_have_text("已记录，联网后自动同步。")
    assert page.evaluate("JSON.parse(localStorage.getItem('lms-completions'))") == [{"lesson_id": second.id}]
    # The saved copy was read without reaching the server: that visit was never recorded.
    session.rollback()
    assert queries.enrolment_of(session, worker.id, course.id).last_lesson_id is None
    assert _completed(session, worker.id) == set()

    context.set_offline(False)
    page.wait_for_function("() => JSON.parse(localStorage.getItem('lms-completions') || '[]').length === 0")
    assert _completed(session, worker.id) == {second.id}
    assert script_errors == []

