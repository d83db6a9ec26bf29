"""Training-base pages over HTTP: access, staffing warnings, check-in, console actions reaching the phone,
tickets, calendar feed, reports and exports."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core import clock
from core.models import AuditEvent, OrgKind, Role
from exams.attempts import start_attempt, submit_attempt
from exams.models import Registration, RegistrationStatus, SubmittedBy
from exams.papers import generate_papers
from exams.rules.tickets import display
from exams.tickets import asset_fetcher
from tests.exams.base_world import add_candidate, build_exam_day
from tests.factories import NOW, make_org, make_staff
from tests.web.test_bank_pages import login

START = NOW + timedelta(minutes=20)


@pytest.fixture
def frozen(monkeypatch):
    current = {"now": NOW}
    monkeypatch.setattr(clock, "utcnow", lambda: current["now"])
    for module in ("exams.api", "exams.views", "exams.base_admin_views", "exams.base_day_views",
                   "exams.base_worker_views", "core.api_views", "core.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: current["now"], raising=False)
    return current


@pytest.fixture
def day(session, cipher, tmp_path):
    return build_exam_day(session, cipher, tmp_path, candidates=3, starts_at=START)


def _url(day, tail: str = "") -> str:
    return f"/orgs/{day.base.id}/sessions/{day.exam_session.id}{tail}"


def _reg(session, user) -> Registration:
    session.rollback()
    return session.scalar(select(Registration).where(Registration.user_id == user.id))


def _actions(session) -> list[str]:
    session.rollback()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


# -- access --------------------------------------------------------------------------------------------------

def test_an_examiner_of_the_base_gets_403_on_the_console_and_check_in(client, session, cipher, day):
    examiner = make_staff(session, cipher, day.base, Role.EXAMINER)
    session.commit()
    login(client, cipher, examiner)
    assert client.get(_url(day, "/console")).status_code == 403
    assert client.get(_url(day, "/checkin")).status_code == 403
    assert client.get(f"/orgs/{day.base.id}/calendar").status_code == 200


def test_another_bases_session_is_404_even_under_the_admins_own_base(client, session, cipher, day):
    other = make_org(session, kind=OrgKind.TRAINING_BASE)
    other_admin = make_staff(session, cipher, other, Role.BASE_ADMIN)
    session.commit()
    login(client, cipher, other_admin)
    for tail in ("", "/console", "/console.json", "/checkin", "/report", "/report.csv"):
        assert client.get(f"/orgs/{other.id}/sessions/{day.exam_session.id}{tail}").status_code == 404
        assert client.get(_url(day, tail)).status_code == 404
    assert client.get(f"/orgs/{other.id}/venues/{day.venue.id}").status_code == 404


# -- staffing ------------------------------------------------------------------------------------------------

def test_the_session_page_warns_until_each_room_has_two_invigilators(client, session, cipher, day, frozen):
    more = [make_staff(session, cipher, day.base, Role.INVIGILATOR) for _ in range(3)]
    session.commit()
    token = login(client, cipher, day.admin)
    page = client.get(_url(day)).get_data(as_text=True)
    assert page.count("staffing-warning") == 2 and "至少需要 2 人" in page
    for user, room in zip([day.invigilator, *more], [day.rooms[0], day.rooms[0], day.rooms[1], day.rooms[1]],
                          strict=True):
        resp = client.post(_url(day, "/staff"), data={"staff-csrf_token": token, "staff-user_id": user.id,
                                                      "staff-duty": "invigilator", "staff-room_id": room.id})
        assert resp.status_code == 302
    page = client.get(_url(day)).get_data(as_text=True)
    assert "staffing-warning" not in page and "人员配备符合要求" in page
    assert _actions(session).count("exam.staff_assigned") == 4


# -- check-in ------------------------------------------------------------------------------------------------

def test_typing_a_ticket_number_at_the_door_marks_the_candidate_present(client, session, cipher, day, frozen):
    number = _reg(session, day.candidates[0]).ticket_number
    token = login(client, cipher, day.invigilator)
    resp = client.post(_url(day, "/checkin"), data={"csrf_token": token, "ticket_number": display(number).lower()})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "签到成功" in page and day.candidates[0].name in page
    assert _reg(session, day.candidates[0]).checked_in_at == NOW
    bad = client.post(_url(day, "/checkin"), data={"csrf_token": token, "ticket_number": number[:-1] + "0"
                                                   if number[-1] != "0" else number[:-1] + "1"})
    assert bad.status_code == 422 and "准考证号有误" in bad.get_data(as_text=True)


def test_the_base_can_check_in_from_the_registration_list(client, session, cipher, day, frozen):
    registration = _reg(session, day.candidates[1])
    token = login(client, cipher, day.admin)
    client.post(_url(day, f"/registrations/{registration.id}/checkin"), data={"csrf_token": token})
    assert _reg(session, day.candidates[1]).checked_in_at == NOW
    assert "exam.checked_in" in _actions(session)


# -- console and the phone -----------------------------------------------------------------------------------

def _phone_token(client, cipher, user) -> dict:
    from tests.factories import PASSWORD

    body = client.post("/api/v1/auth/token", json={"phone": cipher.decrypt(user.phone_enc, purpose="phone"),
                                                   "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {body['token']}"}


def test_a_pause_reaches_the_phone_and_resuming_moves_its_deadline(client, app, session, cipher, day, frozen):
    generate_papers(session, exam_session=day.exam_session, now=START - timedelta(minutes=30))
    session.commit()
    phone = app.test_client()
    auth = _phone_token(phone, cipher, day.candidates[0])
    frozen["now"] = START + timedelta(minutes=1)
    started = phone.post(f"/api/v1/exam-sessions/{day.exam_session.id}/attempt", json={"device_id": "p"},
                         headers=auth).get_json()
    clock_url = f"/api/v1/attempts/{started['attempt_id']}?view=clock"
    token = login(client, cipher, day.invigilator)
    client.post(_url(day, "/console/pause"), data={"pause-csrf_token": token, "pause-reason": "火警"})
    frozen["now"] += timedelta(minutes=5)
    polled = phone.get(clock_url, headers=auth).get_json()
    assert polled["paused"] is True and polled["remaining_s"] == started["remaining_s"] and "暂停" in polled["notice"]
    q = started["questions"][0]["id"]
    saved = phone.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q}", json={"response": None, "seq": 1},
                      headers=auth).get_json()
    assert saved["applied"] is True and saved["paused"] is True and saved["remaining_s"] == started["remaining_s"]
    console = client.get(_url(day, "/console.json")).get_json()
    assert console["paused"] is True and console["counts"]["in_progress"] == 1
    client.post(_url(day, "/console/resume"), data={"csrf_token": token})
    frozen["now"] += timedelta(seconds=10)
    polled = phone.get(clock_url, headers=auth).get_json()
    assert polled["paused"] is False and polled["remaining_s"] == started["remaining_s"] - 10
    assert "paused" not in phone.put(f"/api/v1/attempts/{started['attempt_id']}/answers/{q}",
                                     json={"response": None, "seq": 2}, headers=auth).get_json()


def test_extra_time_and_force_submit_from_the_console(client, app, session, cipher, day, frozen):
    generate_papers(session, exam_session=day.exam_session, now=START - timedelta(minutes=30))
    frozen["now"] = START + timedelta(minutes=1)
    attempts = [start_attempt(session, exam_session=day.exam_session, candidate=u, device_id="p",
                              now=START + timedelta(minutes=1)).attempt for u in day.candidates[:2]]
    session.commit()
    registration = _reg(session, day.candidates[0])
    token = login(client, cipher, day.invigilator)
    page = client.get(_url(day, "/console")).get_data(as_text=True)
    assert "作答中" in page and "未到" in page
    client.post(_url(day, f"/registrations/{registration.id}/extra-time"),
                data={"extra-csrf_token": token, "extra-minutes": "12", "extra-reason": "手机没电换机"})
    client.post(_url(day, f"/attempts/{attempts[1].id}/force-submit"),
                data={"force-csrf_token": token, "force-reason": "违纪"})
    phone = app.test_client()
    auth = _phone_token(phone, cipher, day.candidates[0])
    polled = phone.get(f"/api/v1/attempts/{attempts[0].id}?view=clock", headers=auth).get_json()
    assert polled["remaining_s"] == (30 + 12) * 60
    session.rollback()
    from exams.models import Attempt

    assert session.get(Attempt, attempts[1].id).submitted_by == SubmittedBy.INVIGILATOR
    log = client.get(_url(day, f"/attempts/{attempts[0].id}/log")).get_data(as_text=True)
    assert "extra_time" in log and "start" in log
    assert {"exam.extra_time", "exam.force_submitted"} <= set(_actions(session))


# -- tickets -------------------------------------------------------------------------------------------------

def test_the_worker_downloads_a_ticket_pdf_with_masked_id_seat_and_number(client, session, cipher, day, tmp_path):
    registration = _reg(session, day.candidates[0])
    login(client, cipher, day.candidates[0])
    resp = client.get(f"/exams/registrations/{registration.id}/ticket.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        pdf = tmp_path / "t.pdf"
        pdf.write_bytes(resp.data)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert display(registration.ticket_number) in text and day.candidates[0].id_number_masked in text
        assert "101室" in text and "准考证" in text
    other = _reg(session, day.candidates[1])
    assert client.get(f"/exams/registrations/{other.id}/ticket.pdf").status_code == 404


def test_the_pdf_fetcher_serves_only_the_apps_own_assets():
    fetcher = asset_fetcher()
    assert fetcher.fetch("asset:icon.svg").read().startswith(b"<")
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "asset:../../pyproject.toml", "data:text/plain,x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# -- worker: waiting list and cancellation -------------------------------------------------------------------

def test_a_worker_joins_the_waiting_list_and_moves_up_when_someone_cancels(client, app, session, cipher, tmp_path,
                                                                          frozen):
    day = build_exam_day(session, cipher, tmp_path, seats=(2,), capacity=2, candidates=2, starts_at=NOW + timedelta(
        days=3))
    waiting = add_candidate(session, cipher, day, register_at=None)
    session.commit()
    token = login(client, cipher, waiting)
    page = client.get("/exams/registrations").get_data(as_text=True)
    assert "加入候补" in page
    client.post(f"/exams/sessions/{day.exam_session.id}/waitlist", data={"csrf_token": token})
    assert "候补第 1 位" in client.get("/exams/registrations").get_data(as_text=True)
    leaver = app.test_client()
    leaver_token = login(leaver, cipher, day.candidates[0])
    leaver.post(f"/exams/registrations/{_reg(session, day.candidates[0]).id}/cancel",
                data={"csrf_token": leaver_token})
    assert _reg(session, waiting).status == RegistrationStatus.REGISTERED
    page = client.get("/exams/registrations").get_data(as_text=True)
    assert "下载准考证" in page and "已报名" in page


# -- calendar ------------------------------------------------------------------------------------------------

def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_page_and_the_private_feed(client, session, cipher, day, frozen):
    login(client, cipher, day.invigilator)
    page = client.get(f"/orgs/{day.base.id}/calendar?month=2026-03").get_data(as_text=True)
    assert "2026年3月" in page and day.exam_session.title in page
    feed_url = re.search(r'id="feed-url">([^<]+)<', page).group(1).replace("&amp;", "&")
    anonymous = client.application.test_client()
    resp = anonymous.get(feed_url.replace("http://localhost", ""))
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    lines = _unfold(resp.get_data(as_text=True))
    starts = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    assert len(starts) == 2  # this session and the exam world's other one
    events = [dict(line.split(":", 1) for line in lines[i + 1:lines.index("END:VEVENT", i)]) for i in starts]
    props = next(e for e in events if e["UID"] == f"exam-session-{day.exam_session.id}@prefabskills")
    assert props["SUMMARY"] == day.exam_session.title.replace(",", "\\,")
    assert props["DTSTART"] == START.strftime("%Y%m%dT%H%M%SZ")
    assert props["UID"] == f"exam-session-{day.exam_session.id}@prefabskills"
    assert day.venue.name in props["LOCATION"]
    assert anonymous.get(re.sub(r"t=\w+", "t=0" * 32, feed_url.replace("http://localhost", ""))).status_code == 404


# -- reports -------------------------------------------------------------------------------------------------

def _sit_exam(session, day):
    generate_papers(session, exam_session=day.exam_session, now=START - timedelta(minutes=30))
    for n, user in enumerate(day.candidates[:2]):
        attempt = start_attempt(session, exam_session=day.exam_session, candidate=user, device_id="p",
                                now=START + timedelta(minutes=1)).attempt
        submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=START + timedelta(minutes=5 + n))
    session.commit()


def test_the_session_report_and_its_csv_and_xlsx_exports(client, session, cipher, day, frozen):
    day.candidates[2].name = "=HYPERLINK(\"http://x\")"
    session.commit()
    _sit_exam(session, day)
    login(client, cipher, day.admin)
    page = client.get(_url(day, "/report")).get_data(as_text=True)
    assert "题目分析" in page and "过难" in page  # every answer is empty: all items too hard
    listing = client.get(f"/orgs/{day.base.id}/reports").get_data(as_text=True)
    assert "0.0%" in listing  # nobody passed
    csv_text = client.get(_url(day, "/report.csv?sheet=candidates")).data.decode("utf-8-sig")
    rows = [line.split(",") for line in csv_text.strip().splitlines()]
    assert rows[0][:3] == ["准考证号", "姓名", "已签到"] and len(rows) == 4
    assert any(r[1].startswith("\"'=HYPERLINK") or r[1].startswith("'=HYPERLINK") for r in rows)
    items = client.get(_url(day, "/report.csv?sheet=items")).data.decode("utf-8-sig")
    assert "too_hard" in items
    book = load_workbook(io.BytesIO(client.get(_url(day, "/report.xlsx")).data))
    assert book.sheetnames == ["考生", "题目分析"]
    names = [row[1].value for row in book["考生"].iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert book["考生"]["E2"].value == 0.0
    exports = [e for e in _session_events(session) if e.action == "exam.report_exported"]
    assert [e.details["format"] for e in exports] == ["csv", "csv", "xlsx"]


def _session_events(session):
    session.rollback()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
