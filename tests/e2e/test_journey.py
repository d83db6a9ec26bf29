"""The whole path of DESIGN.md §2 in a real browser, every step through the pages, a screenshot per step.

A worker on a 360 px phone registers, studies, completes the course, registers for today's session and shows
the ticket number at the door; the invigilator (desktop) checks them in; the worker takes the exam and the
network drops in the middle; two examiners (desktop) score the practical checklist; the issuance job runs;
the certificate appears in 我的证书; an enterprise's phone (not logged in) opens the QR link and sees 有效; the
base admin revokes it with a reason; the same link shows 已撤销. Screenshots: test-artifacts/journey/NN-step.png.

Set up beforehand, as an operator would: the base with a venue and rooms, its admin and invigilator, two
examiners, synced course content, an exam with its paper blueprint and a practical checklist, and a session open
for registration.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from certificates.jobs import make_jobs as certificate_jobs
from certificates.models import Certificate, SourceType
from certificates.pdf import qr_svg, verify_url
from core.clock import utcnow
from core.db import make_session_factory
from core.jobs import run_if_due
from core.models import Role, User
from exams.models import Answer, Attempt, PracticalAssessment, Registration
from exams.practical import create_task
from tests.certificates.cert_world import TASK
from tests.e2e.conftest import PHONE
from tests.exams.base_world import build_exam_day
from tests.factories import PASSWORD, make_staff, valid_id_number

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

DESKTOP = {"width": 1280, "height": 800}
WORKER_PHONE = "13812345601"
WORKER_NAME = "马建华"
REVOKE_REASON = "实操考核视频复查发现冒名顶替，经基地复核撤销"
# The bank written by tests.exams.world.write_bank: every single choice is B, every multiple choice A+C, every
# true/false statement true. Practice quizzes and the exam draw from it.
KEYS = {"single": ["B"], "multiple": ["A", "C"], "truefalse": ["true"]}


@pytest.fixture
def world(session, cipher, tmp_path):
    now = utcnow()
    day = build_exam_day(session, cipher, tmp_path, capacity=20)
    # Today's session still takes registrations after it opened, like the demo's 今日场 (walk-in candidates).
    exam_session = day.exam_session
    exam_session.title = "司索工理论考试（今日场）"
    exam_session.starts_at, exam_session.ends_at = now - timedelta(minutes=5), now + timedelta(hours=3)
    exam_session.registration_closes_at = now + timedelta(hours=2)
    create_task(session, exam=day.world.exam, title="墙板吊装实操", checklist=TASK, max_gap=Decimal(10), now=now)
    day.examiners = [make_staff(session, cipher, day.base, Role.EXAMINER) for _ in range(2)]
    session.commit()
    return day


@pytest.fixture
def desktop(browser, live_server):
    """Staff sit at desktops: one profile per person, opened on demand."""
    opened = []

    def open_as(user, cipher):
        ctx = browser.new_context(base_url=live_server, viewport=DESKTOP, device_scale_factor=1, locale="zh-CN")
        ctx.set_default_timeout(15_000)
        opened.append(ctx)
        page = ctx.new_page()
        _log_in(page, cipher.decrypt(user.phone_enc, purpose="phone"), PASSWORD)
        return page

    yield open_as
    for ctx in opened:
        ctx.close()


class Shots:
    def __init__(self, folder):
        folder.mkdir(exist_ok=True)
        self.folder, self.n = folder, 0

    def __call__(self, page, step: str, *, full_page: bool = True) -> None:
        self.n += 1
        if full_page:
            page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{step}.png"), full_page=full_page)


def _log_in(page, phone: str, password: str) -> None:
    page.goto("/login")
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("link", name="我的", exact=True)).to_be_visible()


def _answer(fieldset) -> None:
    """Give the key of ``write_bank``'s question in this fieldset (practice quiz or exam paper)."""
    for value in KEYS[fieldset.get_attribute("data-kind")]:
        fieldset.locator(f'input[value="{value}"]').check()


def _fresh(session):
    session.rollback()  # a new snapshot: the live server wrote in its own transactions
    session.expire_all()
    return session


def _study_lesson(page, shots, number: int) -> None:
    expect(page.locator("h1")).to_have_text(f"第{number}课")
    page.get_by_role("button", name="标记为已学完").click()
    expect(page.locator("#lesson-done")).to_be_visible()
    if number == 1:
        shots(page, "lesson")
    page.get_by_role("link", name="做本课练习题").click()
    drawn = page.locator("fieldset.q").all()
    for fieldset in drawn:
        _answer(fieldset)
    if number == 1:
        shots(page, "practice")
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("section.q-right")).to_have_count(len(drawn))  # every answer right


def test_the_whole_journey_from_registration_to_a_revoked_certificate(page, context, browser, live_server, desktop,
                                                                      world, session, cipher, engine, app, artifacts,
                                                                      script_errors):
    shots = Shots(artifacts / "journey")

    # 1. The worker registers on the phone: real name, ID number with a valid check digit, separate consent.
    page.goto("/")
    page.get_by_role("link", name="注册").first.click()
    page.fill("#phone", WORKER_PHONE)
    page.fill("#name", WORKER_NAME)
    id_number = valid_id_number()
    page.fill("#id_number", id_number)
    page.fill("#password", "Journey2026")
    page.fill("#password2", "Journey2026")
    page.check("#consent")
    shots(page, "register")
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".flash-success")).to_have_text("注册成功，欢迎加入！")
    worker = _fresh(session).scalar(select(User).where(User.name == WORKER_NAME))
    assert id_number not in page.content()

    # 2. Studies the course: enrols, marks each lesson read, passes each lesson's practice quiz.
    page.get_by_role("link", name="课程").click()
    shots(page, "catalogue")
    page.get_by_role("link", name="考试题库课程").click()
    page.get_by_role("button", name="报名学习").click()
    page.get_by_role("link", name=re.compile("继续学习")).click()
    _study_lesson(page, shots, 1)
    shots(page, "practice-result")
    page.get_by_role("link", name=re.compile("下一课")).first.click()
    _study_lesson(page, shots, 2)
    page.get_by_role("link", name="返回课程").click()
    expect(page.locator(".progress-line")).to_have_text("完成 2/2 课，练习平均分 100%")
    expect(page.get_by_text("已达到完成条件")).to_be_visible()
    shots(page, "course-complete")

    # 3. Registers for today's session and reads the ticket number off the phone.
    page.get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("link", name="我的考试").click()
    page.get_by_role("link", name="去报名").click()
    session_card = page.locator("section.card", has_text=world.exam_session.title)
    shots(page, "open-sessions")
    session_card.get_by_role("button", name="报名").click()
    expect(page.locator(".flash-success")).to_have_text("报名成功。")
    page.get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("link", name="报名与准考证").click()
    ticket = page.locator(".ticket-no").inner_text()
    shots(page, "ticket")

    # 4. The invigilator, at the door, types the number from the worker's phone.
    door = desktop(world.invigilator, cipher)
    door.get_by_role("link", name="我的", exact=True).click()
    door.get_by_role("link", name="考务管理").click()
    door.locator("section.session-card", has_text=world.exam_session.title).get_by_role("link", name="签到").click()
    door.locator("#ticket_number").fill(ticket)
    door.get_by_role("button", name="签到", exact=True).click()
    expect(door.locator("#checkin-result")).to_contain_text("签到成功")
    expect(door.locator("#checkin-result")).to_contain_text(WORKER_NAME)
    shots(door, "checked-in")
    registration = _fresh(session).scalar(select(Registration).where(Registration.user_id == worker.id))
    assert registration.checked_in_at is not None

    # 5. The exam on the phone; the network drops for a few seconds in the middle of answering.
    page.get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("link", name="我的考试").click()
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_selector("#paper")
    questions = page.locator("fieldset.question")
    total = questions.count()
    assert total == 10
    for i in range(4):
        _answer(questions.nth(i))
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=20_000)
    shots(page, "exam", full_page=False)
    context.set_offline(True)
    for i in range(4, 7):
        _answer(questions.nth(i))
    expect(questions.nth(6).locator(".save-state")).to_have_text("已存本机，等待上传")
    questions.nth(6).scroll_into_view_if_needed()
    shots(page, "exam-offline", full_page=False)
    page.wait_for_timeout(3000)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=20_000)
    for i in range(7, total):
        _answer(questions.nth(i))
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=20_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit")
    page.wait_for_url("**/result")
    shots(page, "exam-result")
    attempt = _fresh(session).scalar(select(Attempt).where(Attempt.user_id == worker.id))
    answers = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert attempt.status == "submitted" and len(answers) == total and attempt.percent == 100

    # 6. Two examiners score the practical checklist on their own sheets; the second signs off.
    for n, (examiner, points) in enumerate(zip(world.examiners, ("45", "43"), strict=True), start=1):
        sheet = desktop(examiner, cipher)
        sheet.get_by_role("link", name="我的", exact=True).click()
        sheet.get_by_role("link", name="考务管理").click()
        sheet.locator("section.session-card", has_text=world.exam_session.title).get_by_role(
            "link", name="实操评分").click()
        row = sheet.locator("tr", has_text=WORKER_NAME)
        if n == 1:
            shots(sheet, "practical-board")
        row.get_by_role("button", name="评分").click()
        sheet.fill("#m_angle", points)
        sheet.fill("#m_trial", "44")
        if n == 1:
            shots(sheet, "practical-sheet")
        sheet.get_by_role("button", name="提交我的评分").click()
        expect(sheet.locator(".flash-success")).to_have_text("评分已提交。")
    sheet.get_by_role("button", name="签字确认并锁定").click()
    expect(sheet.locator(".badge.ok")).to_have_text("已签字锁定")
    shots(sheet, "practical-signed-off")
    assessment = _fresh(session).scalar(select(PracticalAssessment))
    assert assessment.signed_off_at is not None and assessment.percent == Decimal("88.00")

    # 7. The scheduler's issuance job. `flask jobs run` would do this within a minute; the test runs the very
    # job it schedules ("certificates.issue"), through the same lease-claiming runner, instead of waiting.
    issue = next(job for job in certificate_jobs(app.extensions["certificates"]) if job.name == "certificates.issue")
    assert run_if_due(make_session_factory(engine), issue, holder="journey-scheduler")
    cert = _fresh(session).scalar(select(Certificate).where(Certificate.source_type == SourceType.REGISTRATION))
    assert cert.holder_id == worker.id and cert.level == "五级"

    # 8. The certificate in the worker's wallet, with the QR code the gate scans.
    page.get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("link", name="我的证书").click()
    expect(page.locator(".wallet-item", has_text=cert.serial)).to_contain_text("有效")
    shots(page, "wallet")
    page.get_by_text(cert.serial).click()
    qr_path = page.locator(".qr-card svg path").first.get_attribute("d")
    link = verify_url(app.extensions["certificates"], cert)
    assert f'd="{qr_path}"' in str(qr_svg(link, scale=5))  # the code on the phone encodes exactly this link
    shots(page, "wallet-qr")

    # 9. An enterprise's phone, not logged in, opens the QR link.
    gate_context = browser.new_context(base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                       has_touch=True, locale="zh-CN")
    try:
        gate = gate_context.new_page()
        qr_target = link.removeprefix(app.extensions["certificates"].base_url)
        gate.goto(qr_target)
        expect(gate.locator(".status .word")).to_have_text("有效")
        expect(gate.locator(".holder")).to_have_text(WORKER_NAME)
        assert gate.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shots(gate, "verify-valid")

        # 10. The base admin revokes the certificate with a reason, through the certificate pages.
        admin = desktop(world.admin, cipher)
        admin.get_by_role("link", name="我的", exact=True).click()
        admin.get_by_role("link", name="考务管理").click()
        admin.get_by_role("link", name="证书管理").click()
        admin.get_by_role("link", name=cert.serial).click()
        admin.fill("#reason-revoke", REVOKE_REASON)
        shots(admin, "revoke")
        admin.get_by_role("button", name="撤销证书（不可恢复）").click()
        expect(admin.locator(".flash-success")).to_contain_text(cert.serial)
        expect(admin.locator(".status .word")).to_have_text("已撤销")

        # 11. The same link now says 已撤销, with the reason.
        gate.goto(qr_target)
        expect(gate.locator(".status .word")).to_have_text("已撤销")
        expect(gate.locator(".reason")).to_contain_text(REVOKE_REASON)
        shots(gate, "verify-revoked")
    finally:
        gate_context.close()
    assert not [e for e in script_errors if "net::" not in e]
