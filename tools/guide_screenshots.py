"""Screenshots for the user guide (docs/guide/): the real app on a fresh demo database, one tour per role.

    .venv/bin/python tools/guide_screenshots.py [--out docs/guide/img] [--keep]

Like ``make run``: a new SQLite file in a temporary folder, ``flask db upgrade``, ``flask content sync``,
``flask demo seed``, then ``flask run`` on a free loopback port and Debian's Chromium through Playwright. Each
demo user of README.md logs in with the password Demo1234. Phone pages are shot at 360 × 740, staff pages at
1280 × 800, all at device scale factor 1, then reduced to a 256-colour palette so the folder stays small.

Beyond the seed, the script plays the exam day through the pages, so the later screenshots have something
to show: the invigilator checks 张建国 in, he takes today's exam (the network drops for a moment), two
examiners score his practical task, ``flask certificates sweep`` (what the scheduler's job runs) issues the
certificates, and an enterprise verifies them. The one thing done outside the pages is the practical task's
checklist, for which there is no page yet.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLASK = ROOT / ".venv" / "bin" / "flask"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
PASSWORD = "Demo1234"
TODAY = "今日场"  # the demo seed's session of today, 张建国 registered
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TOP_AND_HEIGHT = "() => { window.scrollTo(0, 0); return document.documentElement.scrollHeight; }"
MAX_HEIGHT = {"phone": 2200, "desktop": 1600}  # longer pages are cut: the guide shows the top of them

WORKER = "13900000001"
PLATFORM_ADMIN, BASE_ADMIN, INVIGILATOR = "13800000001", "13800000002", "13800000003"
EXAMINERS = ("13800000004", "13800000005")
CHIEF_JUDGE, JUDGE, HR = "13800000007", "13800000008", "13800000010"
COMMITTEE_MEMBER, COMMITTEE_CHAIR = "13800000011", "13800000012"

CHECKLIST = {"title": "预制墙板吊装", "items": [
    {"code": "gear", "title": "吊具、吊索、卸扣检查并记录", "kind": "points", "max_points": 20},
    {"code": "angle", "title": "吊索与构件水平面夹角不小于45°（宜不小于60°）", "kind": "points", "max_points": 30},
    {"code": "trial", "title": "试吊：离地 200~300 mm 停住检查", "kind": "points", "max_points": 30},
    {"code": "signal", "title": "一人指挥，信号清晰", "kind": "points", "max_points": 20},
    {"code": "unhook", "title": "斜撑固定前摘钩", "kind": "redline"},
]}


# -- the demo app ---------------------------------------------------------------------------------------------

class Demo:
    """A fresh demo database and the app serving it; in-process reads for what a tour must know (ids, keys)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "PREFABSKILLS_INSTANCE_PATH": str(folder),
                    "PREFABSKILLS_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
                    "PREFABSKILLS_RATELIMIT_ENABLED": "0", "PREFABSKILLS_BASE_URL": self.url, "FLASK_APP": "app"}
        self.port = port
        self.server: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(FLASK), "--app", "app", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    def prepare(self) -> None:
        for args in (("db", "upgrade"), ("content", "sync"), ("demo", "seed")):
            print(f"flask {' '.join(args)}", flush=True)
            self.flask(*args)
        os.environ.update(self.env)  # the in-process reads below use the same database and keys
        from app import load_models

        load_models()
        self._add_practical_task()

    @contextmanager
    def db(self):
        from core.db import make_engine, make_session_factory
        from core.settings import Settings

        engine = make_engine(Settings.from_env().database_url)
        try:
            with make_session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()

    def _add_practical_task(self) -> None:
        """The demo exam's practical checklist (an operator's set-up; there is no page for it yet)."""
        from sqlalchemy import select

        from core.clock import utcnow
        from exams.demo import DEMO_EXAM
        from exams.models import Exam
        from exams.practical import create_task

        with self.db() as session:
            exam = session.scalar(select(Exam).where(Exam.title == DEMO_EXAM))
            create_task(session, exam=exam, title="预制墙板吊装实操", checklist=CHECKLIST, max_gap=Decimal(10),
                        now=utcnow())
            session.commit()

    def run_job(self, name: str) -> None:
        """Run one of the scheduler's jobs now, through the same lease-claiming runner ``flask jobs run`` uses."""
        from app import jobs
        from core.db import make_engine, make_session_factory
        from core.jobs import run_if_due
        from core.settings import Settings

        settings = Settings.from_env()
        job = next(j for j in jobs(settings) if j.name == name)
        engine = make_engine(settings.database_url)
        try:
            if not run_if_due(make_session_factory(engine), job, holder="guide-screenshots"):
                raise RuntimeError(f"job {name} failed or was not due")
        finally:
            engine.dispose()

    def answer_keys(self, version_ids: list[int]) -> dict[int, object]:
        from lms.models import QuestionVersion
        from lms.questions.spec_dict import full_credit_response

        with self.db() as session:
            return {v: full_credit_response(session.get(QuestionVersion, v).spec) for v in version_ids}

    def crew_list(self) -> bytes:
        """A crew list as an HR clerk would type it: the demo workers' certificates, a typo, a wrong name."""
        from sqlalchemy import select

        from certificates.models import Certificate

        with self.db() as session:
            certs = session.scalars(select(Certificate).order_by(Certificate.id)).all()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["证书编号", "姓名"])
        for cert in certs:
            writer.writerow([cert.serial, cert.holder_name])
        if certs:
            writer.writerow([certs[0].serial, "王五"])
            writer.writerow([certs[0].serial[:-1] + ("X" if certs[0].serial[-1] != "X" else "Y"), "李四"])
        return out.getvalue().encode("utf-8-sig")

    def start(self) -> None:
        self.server = subprocess.Popen([str(FLASK), "--app", "app", "run", "--host", "127.0.0.1", "--port",
                                        str(self.port)], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the app did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the browser ----------------------------------------------------------------------------------------------

class Camera:
    def __init__(self, browser, demo: Demo, out: Path) -> None:
        self.browser, self.demo, self.out = browser, demo, out
        self.contexts = []

    def page(self, phone: str | None, *, kind: str = "desktop"):
        """A fresh browser profile, logged in as ``phone`` (None: not logged in)."""
        mobile = kind == "phone"
        ctx = self.browser.new_context(base_url=self.demo.url, viewport=PHONE if mobile else DESKTOP,
                                       device_scale_factor=1, is_mobile=mobile, has_touch=mobile, locale="zh-CN")
        ctx.set_default_timeout(20_000)
        self.contexts.append(ctx)
        page = ctx.new_page()
        if phone:
            page.goto("/login")
            page.fill("#phone", phone)
            page.fill("#password", PASSWORD)
            page.locator("form button[type=submit]").click()
            page.get_by_role("link", name="我的", exact=True).wait_for()
        return page

    def shot(self, page, name: str, *, full_page: bool = True) -> None:
        path = self.out / f"{name}.png"
        if full_page:
            width = page.viewport_size["width"]
            limit = MAX_HEIGHT["phone" if width < 600 else "desktop"]
            height = min(_settled(page, TOP_AND_HEIGHT), limit)
            page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        else:
            page.screenshot(path=str(path))
        print(f"  {path.name}", flush=True)

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


def _settled(page, script: str):
    """Evaluate once the page that a click just asked for has loaded (a click returns before navigation ends)."""
    for _ in range(20):
        page.wait_for_load_state()
        try:
            return page.evaluate(script)
        except Exception:  # the old document went away mid-call: wait for the new one
            page.wait_for_timeout(250)
    return page.evaluate(script)


def _me(page, link: str) -> None:
    """Open 我的 and follow one of its links, as a user would."""
    page.get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("link", name=link, exact=True).click()


def _answer(page, fieldset, response) -> None:
    kind = fieldset.get_attribute("data-kind")
    if kind in ("single", "multiple"):
        for key in response if isinstance(response, list) else [response]:
            fieldset.locator(f'input[value="{key}"]').check()
    elif kind == "truefalse":
        fieldset.locator(f'input[value="{"true" if response else "false"}"]').check()
    elif kind == "ordering":
        for select, key in zip(fieldset.locator("select").all(), response, strict=False):
            select.select_option(key)
    else:
        fieldset.locator("input[type=text]").fill(str(response))
        fieldset.locator("input[type=text]").dispatch_event("change")


# -- the tours ------------------------------------------------------------------------------------------------

def worker_study(cam: Camera) -> None:
    print("worker: registration and study", flush=True)
    guest = cam.page(None, kind="phone")
    guest.goto("/")
    cam.shot(guest, "worker-01-home")
    guest.goto("/register")
    guest.fill("#phone", "13912345678")
    guest.fill("#name", "王小明")
    guest.fill("#id_number", "53011219950412301X")
    guest.check("#consent")
    cam.shot(guest, "worker-02-register")
    page = cam.page(WORKER, kind="phone")
    page.get_by_role("link", name="课程", exact=True).click()
    cam.shot(page, "worker-03-catalogue")
    page.get_by_role("link", name="预制构件吊装作业", exact=True).click()
    cam.shot(page, "worker-04-course")
    page.locator("ol.outline a").nth(1).click()  # 吊索夹角与受力: a diagram and a red line
    page.locator("figure img").first.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    cam.shot(page, "worker-05-lesson")
    page.get_by_role("link", name="做本课练习题").click()
    cam.shot(page, "worker-06-practice")
    page.goto("/exams")
    cam.shot(page, "worker-07-open-sessions")


def exam_day(cam: Camera) -> None:
    print("exam day: ticket, check-in, exam, practical", flush=True)
    worker = cam.page(WORKER, kind="phone")
    _me(worker, "报名与准考证")
    ticket = worker.locator(".ticket-no").first.inner_text()
    cam.shot(worker, "worker-08-ticket")

    door = cam.page(INVIGILATOR)
    _me(door, "考务管理")
    cam.shot(door, "invigilator-01-sessions")
    door.locator("section.session-card", has_text=TODAY).get_by_role("link", name="签到").click()
    door.locator("#ticket_number").fill(ticket)
    door.get_by_role("button", name="签到", exact=True).click()
    door.locator("#checkin-result").wait_for()
    cam.shot(door, "invigilator-02-checkin")

    _me(worker, "我的考试")
    cam.shot(worker, "worker-09-my-exams")
    worker.get_by_role("button", name="开始考试").first.click()
    worker.wait_for_selector("#paper")
    questions = worker.locator("fieldset.question")
    ids = [int(q.get_attribute("data-qid")) for q in questions.all()]
    keys = cam.demo.answer_keys(ids)
    half = len(ids) // 2
    for i in range(half):
        _answer(worker, questions.nth(i), keys[ids[i]])
    _wait_saved(worker)
    worker.evaluate("() => window.scrollTo(0, 0)")
    cam.shot(worker, "worker-10-exam", full_page=False)
    worker.context.set_offline(True)
    for i in range(half, half + 3):
        _answer(worker, questions.nth(i), keys[ids[i]])
    questions.nth(half + 2).scroll_into_view_if_needed()
    worker.wait_for_timeout(300)
    cam.shot(worker, "worker-11-exam-offline", full_page=False)

    door.locator("nav.subnav").get_by_role("link", name="监考台").click()
    door.wait_for_timeout(500)
    cam.shot(door, "invigilator-03-console")

    worker.context.set_offline(False)
    worker.evaluate("window.dispatchEvent(new Event('online'))")
    for i in range(half + 3, len(ids)):
        _answer(worker, questions.nth(i), keys[ids[i]])
    _wait_saved(worker)
    worker.once("dialog", lambda dialog: dialog.accept())
    worker.click("#submit")
    worker.wait_for_url("**/result")
    cam.shot(worker, "worker-12-exam-result")

    for n, (phone, points) in enumerate(zip(EXAMINERS, ("27", "26"), strict=True), start=1):
        sheet = cam.page(phone)
        _me(sheet, "考务管理")
        sheet.locator("section.session-card", has_text=TODAY).get_by_role("link", name="实操评分").click()
        if n == 1:
            cam.shot(sheet, "examiner-01-board")
        sheet.locator("tr", has_text="张建国").get_by_role("button").click()
        for code, value in (("gear", "18"), ("angle", points), ("trial", "28"), ("signal", "18")):
            sheet.fill(f"#m_{code}", value)
        if n == 1:
            cam.shot(sheet, "examiner-02-sheet")
        sheet.get_by_role("button", name="提交我的评分").click()
    sheet.get_by_role("button", name="签字确认并锁定").click()
    cam.shot(sheet, "examiner-03-signed-off")


def _wait_saved(page) -> None:
    page.wait_for_timeout(500)  # typed answers are sent after a short pause
    page.wait_for_function("() => document.getElementById('pending').textContent === ''", timeout=30_000)


def certificates(cam: Camera) -> None:
    print("certificates: the issuance job, the wallet, verification", flush=True)
    cam.demo.run_job("certificates.issue")
    cam.demo.run_job("roster.refresh")
    worker = cam.page(WORKER, kind="phone")
    _me(worker, "我的证书")
    cam.shot(worker, "worker-13-wallet")
    worker.locator(".wallet-item", has_text="职业技能等级证书").first.click()
    cam.shot(worker, "worker-14-certificate")
    worker.get_by_role("link", name="全屏出示二维码").click()
    cam.shot(worker, "worker-15-qr", full_page=False)
    verify_path = worker.evaluate("location.pathname")  # /me/certificates/<serial>/qr
    serial = verify_path.split("/")[3]

    hr = cam.page(HR)
    hr.goto("/verify")
    cam.shot(hr, "hr-01-lookup")
    hr.goto("/verify/bulk")
    crew = cam.demo.folder / "班组人员名单.csv"
    crew.write_bytes(cam.demo.crew_list())
    hr.set_input_files("input[type=file]", str(crew))
    hr.locator("form button[type=submit]").click()
    hr.wait_for_load_state()
    cam.shot(hr, "hr-02-bulk-result")
    hr.goto("/roster")
    cam.shot(hr, "hr-03-roster")
    _me(hr, "机构管理")
    hr.locator("table a").first.click()
    cam.shot(hr, "hr-04-api-keys")

    admin = cam.page(BASE_ADMIN)
    _me(admin, "考务管理")
    admin.get_by_role("link", name="证书管理").click()
    cam.shot(admin, "base-admin-08-certificates")
    admin.get_by_role("link", name=serial).click()
    cam.shot(admin, "base-admin-09-certificate-actions")

    gate = cam.page(None, kind="phone")
    with cam.demo.db() as session:
        from sqlalchemy import select

        from certificates.models import Certificate

        cert = session.scalar(select(Certificate).where(Certificate.serial == serial))
        link = f"/verify/{cert.serial}?t={cert.token}"
    gate.goto(link)
    cam.shot(gate, "hr-05-verify-phone")


def base_admin(cam: Camera) -> None:
    print("base admin", flush=True)
    page = cam.page(BASE_ADMIN)
    _me(page, "考务管理")
    cam.shot(page, "base-admin-01-sessions")
    page.locator("section.session-card", has_text=TODAY).locator("h2 a").click()
    cam.shot(page, "base-admin-02-session")
    page.locator("nav.subnav").get_by_role("link", name="报表").click()
    cam.shot(page, "base-admin-03-report")
    org_path = page.evaluate("location.pathname").split("/sessions")[0]  # /orgs/<id>
    page.goto(f"{org_path}/venues")
    cam.shot(page, "base-admin-04-venues")
    page.goto(f"{org_path}/calendar")
    cam.shot(page, "base-admin-05-calendar")
    page.goto(f"{org_path}/exams")
    cam.shot(page, "base-admin-06-exams")
    _me(page, "题库管理")
    cam.shot(page, "base-admin-07-banks")
    page.goto(f"{org_path}/competitions")
    cam.shot(page, "base-admin-10-competitions")
    _me(page, "特种作业操作证登记")  # one base: straight to its list
    cam.shot(page, "base-admin-11-trade-cards")


def judges(cam: Camera) -> None:
    print("judges", flush=True)
    judge = cam.page(JUDGE)
    _me(judge, "技能竞赛")
    cam.shot(judge, "judge-01-hub")
    judge.locator("ul.links a").last.click()
    judge.wait_for_selector("#judge")
    cam.shot(judge, "judge-02-score-entry", full_page=False)
    chief = cam.page(CHIEF_JUDGE)
    _me(chief, "技能竞赛")
    chief.locator("ul.links a", has_text="2026").first.click()
    cam.shot(chief, "judge-03-competition")
    chief.locator("td a").first.click()
    cam.shot(chief, "judge-04-event")
    chief.locator("h3 a", has_text="模块 B").click()
    cam.shot(chief, "judge-05-module")
    chief.go_back()
    chief.get_by_role("link", name="成绩与申诉").click()
    cam.shot(chief, "judge-06-results")


def committee(cam: Camera) -> None:
    print("committee", flush=True)
    member = cam.page(COMMITTEE_MEMBER)
    member.goto("/roster")
    cam.shot(member, "committee-01-roster")
    member.locator("table").scroll_into_view_if_needed()
    cam.shot(member, "committee-02-results", full_page=False)
    member.locator("table a").first.click()
    cam.shot(member, "committee-03-record")
    chair = cam.page(COMMITTEE_CHAIR)
    pages = (("/roster/stats", "committee-04-stats"), ("/roster/notice", "committee-05-notice"),
             ("/roster/reviews", "committee-06-reviews"), ("/roster/experts", "committee-07-experts"),
             ("/roster/draws", "committee-08-draws"))
    for path, name in pages:
        response = chair.goto(path)
        if response is not None and response.ok:  # pages other teams are still building may be missing
            cam.shot(chair, name)


def platform_admin(cam: Camera) -> None:
    print("platform admin", flush=True)
    cam.demo.run_job("core.heartbeat")  # `make run` starts the scheduler too; its pulse shows on this page
    page = cam.page(PLATFORM_ADMIN)
    _me(page, "机构管理")
    cam.shot(page, "platform-admin-01-orgs")
    page.locator("table a", has_text="实训基地").first.click()
    cam.shot(page, "platform-admin-02-org")
    response = page.goto("/trade-card-authorities")
    if response is not None and response.ok:  # being built by another team while this was written
        cam.shot(page, "platform-admin-03-authorities")


# -- main -----------------------------------------------------------------------------------------------------

def optimise(folder: Path) -> int:
    """Reduce every PNG to a 256-colour palette (text and flat UI colours survive it); returns total bytes."""
    from PIL import Image

    total = 0
    for path in sorted(folder.glob("*.png")):
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(path, optimize=True)
        total += path.stat().st_size
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "guide" / "img")
    parser.add_argument("--keep", action="store_true", help="keep the temporary demo folder")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="guide-demo-"))
    demo = Demo(folder)
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    try:
        demo.prepare()
        demo.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cam = Camera(browser, demo, out)
            try:
                for tour in (worker_study, exam_day, certificates, base_admin, judges, committee, platform_admin):
                    tour(cam)
            finally:
                cam.close()
                browser.close()
    finally:
        demo.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    total = optimise(out)
    print(f"{len(list(out.glob('*.png')))} screenshots, {total / 1024:.0f} KB in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
