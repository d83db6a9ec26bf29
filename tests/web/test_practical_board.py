"""The examiners' practical board: how an examiner gets from a session to a candidate's scoring sheet."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.models import Role
from exams.models import PracticalAssessment, Registration
from exams.practical import create_task
from tests.conftest import login_as
from tests.exams.test_practical import WALL_PANEL
from tests.exams.world import build_world
from tests.factories import NOW, make_staff


def _setup(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=2)
    world.candidates[0].name = "李建国"
    task = create_task(session, exam=world.exam, title="墙板安装实操", checklist=WALL_PANEL, max_gap=Decimal(10),
                       now=NOW)
    examiners = [make_staff(session, cipher, world.base, Role.EXAMINER) for _ in range(2)]
    session.commit()
    return world, task, examiners


def _registration(session, user) -> Registration:
    return session.scalar(select(Registration).where(Registration.user_id == user.id))


def test_an_examiner_opens_a_candidates_sheet_from_the_board_and_both_examiners_share_it(client, session, cipher,
                                                                                          tmp_path):
    world, task, (first, second) = _setup(session, cipher, tmp_path)
    registration = _registration(session, world.candidates[0])
    board = f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}/practical"
    open_url = f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}/registrations/{registration.id}/practical"

    token = login_as(client, cipher, first)
    page = client.get(board).get_data(as_text=True)
    assert "李建国" in page and "墙板安装实操" in page and "已评 0 份" in page
    resp = client.post(open_url, data={"csrf_token": token, "task_id": str(task.id)})
    session.rollback()  # a fresh snapshot: the app wrote in its own transaction
    assessment = session.scalar(select(PracticalAssessment).where(PracticalAssessment.registration_id
                                                                  == registration.id))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/practical/{assessment.id}")
    client.post(f"/orgs/{world.base.id}/practical/{assessment.id}",
                data={"csrf_token": token, "m_angle": "18", "m_trial": "18", "m_plumb": "2"})
    assert "已评 1 份 · 含我的评分" in client.get(board).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})

    token = login_as(client, cipher, second)
    assert "已评 1 份" in client.get(board).get_data(as_text=True)
    again = client.post(open_url, data={"csrf_token": token, "task_id": str(task.id)})
    assert again.headers["Location"].endswith(f"/practical/{assessment.id}")  # the same assessment, not a second
    session.rollback()
    assert session.query(PracticalAssessment).count() == 1


def test_the_board_refuses_other_sessions_candidates_and_people_without_the_role(client, session, cipher, tmp_path):
    world, task, (examiner, _second) = _setup(session, cipher, tmp_path)
    other = build_world(session, cipher, tmp_path / "other")  # another base, its own candidate and exam
    foreign = _registration(session, other.candidates[0])
    invigilator = make_staff(session, cipher, world.base, Role.INVIGILATOR)
    session.commit()
    base = f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}"

    token = login_as(client, cipher, examiner)
    assert client.post(f"{base}/registrations/{foreign.id}/practical",
                       data={"csrf_token": token, "task_id": str(task.id)}).status_code == 404
    own = _registration(session, world.candidates[1])
    assert client.post(f"{base}/registrations/{own.id}/practical",
                       data={"csrf_token": token, "task_id": "999999"}).status_code == 404
    client.post("/logout", data={"csrf_token": token})

    login_as(client, cipher, invigilator)
    assert client.get(f"{base}/practical").status_code == 403
    client.post("/logout", data={"csrf_token": login_as(client, cipher, invigilator)})
    login_as(client, cipher, world.candidates[0])
    assert client.get(f"{base}/practical").status_code == 404
    session.rollback()
    assert session.query(PracticalAssessment).count() == 0


def test_the_sheet_names_the_candidate_and_the_sessions_page_offers_each_role_its_own_buttons(client, session, cipher,
                                                                                              tmp_path):
    world, task, (examiner, _second) = _setup(session, cipher, tmp_path)
    invigilator = make_staff(session, cipher, world.base, Role.INVIGILATOR)
    session.commit()
    registration = _registration(session, world.candidates[0])
    base = f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}"

    token = login_as(client, cipher, examiner)
    sessions_page = client.get(f"/orgs/{world.base.id}/sessions").get_data(as_text=True)
    assert "实操评分" in sessions_page and "监考台" not in sessions_page and ">签到<" not in sessions_page
    opened = client.post(f"{base}/registrations/{registration.id}/practical",
                         data={"csrf_token": token, "task_id": str(task.id)})
    sheet = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "李建国" in sheet and f"#{registration.id}" not in sheet
    client.post("/logout", data={"csrf_token": token})

    login_as(client, cipher, invigilator)
    sessions_page = client.get(f"/orgs/{world.base.id}/sessions").get_data(as_text=True)
    assert "监考台" in sessions_page and "实操评分" not in sessions_page
