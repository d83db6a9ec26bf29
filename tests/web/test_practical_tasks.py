"""Base admins write practical checklists on the exam's 实操项目 page; a bad checklist is refused by line or item."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import ValidationFailed
from core.models import Role
from exams import practical_text
from exams.models import PracticalTask
from tests.conftest import csrf_token, login_as
from tests.exams.world import build_world
from tests.factories import make_staff


def test_the_example_checklist_parses_into_points_measured_and_redline_items():
    checklist = practical_text.parse_checklist(practical_text.EXAMPLE)
    assert [i["kind"] for i in checklist["items"]] == ["points", "measured", "redline"]


@pytest.mark.parametrize(("text", "expected"), [
    ("items:\n  - code: a\n   title: x", "第 3 行"),
    ("title: no items", "items:"),
    ("items:\n  - just a string", "第 1 项"),
    ("items:\n  - {code: a, title: 夹角, kind: points, max_points: lots}", "第 1 项（a）：max_points 应为数字"),
    ("items:\n  - {code: p, title: 垂直度, kind: measured, nominal: 0, bands: [[3]]}", "bands"),
    ("items:\n  - {code: r, title: 摘钩, kind: redline}", "分"),  # no item carries points
])
def test_a_bad_checklist_is_refused_with_a_message_naming_the_line_or_item(text, expected):
    with pytest.raises(ValidationFailed) as caught:
        practical_text.parse_checklist(text)
    assert expected in caught.value.message and caught.value.field == "checklist"


def test_a_base_admin_adds_a_task_and_examiners_cannot(client, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    admin = make_staff(session, cipher, world.base, Role.BASE_ADMIN)
    examiner = make_staff(session, cipher, world.base, Role.EXAMINER)
    session.commit()
    url = f"/orgs/{world.base.id}/exams/{world.exam.id}/practical-tasks"

    login_as(client, cipher, examiner)
    assert client.get(url).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").get_data(as_text=True))})

    login_as(client, cipher, admin)
    page = client.get(url)
    assert page.status_code == 200 and "这门考试还没有实操项目" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "title": "墙板安装", "max_gap": "10",
                                 "checklist": "items:\n  - {code: a, title: 夹角, kind: points, max_points: x}"})
    assert bad.status_code == 422 and "max_points 应为数字" in bad.get_data(as_text=True)
    assert "墙板安装" in bad.get_data(as_text=True)  # what was typed stays in the form
    good = client.post(url, data={"csrf_token": token, "title": "墙板安装", "max_gap": "10",
                                  "checklist": practical_text.EXAMPLE}, follow_redirects=True)
    assert good.status_code == 200 and "两道斜撑固定后方可摘钩" in good.get_data(as_text=True)
    session.rollback()
    titles = session.scalars(select(PracticalTask.title).where(PracticalTask.exam_id == world.exam.id)).all()
    assert titles == ["墙板安装"]
    other = build_world(session, cipher, tmp_path / "other")
    session.commit()
    assert client.get(f"/orgs/{world.base.id}/exams/{other.exam.id}/practical-tasks").status_code == 404
