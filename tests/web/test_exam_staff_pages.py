"""Staff pages: the attempt log for invigilators, practical scoring on a tablet, analysis and regrade."""

from __future__ import annotations

from datetime import timedelta

from core.models import Role
from exams.attempts import start_attempt
from exams.models import PracticalAssessment, Registration
from exams.practical import assessment_for, create_task
from tests.conftest import login_as
from tests.exams.test_practical import WALL_PANEL
from tests.exams.world import build_world
from tests.factories import NOW, make_staff


def test_invigilator_reads_the_attempt_log_and_a_worker_cannot(client, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    attempt = start_attempt(session, exam_session=world.exam_session, candidate=world.candidates[0],
                            device_id="phone-9", now=NOW + timedelta(minutes=1)).attempt
    invigilator = make_staff(session, cipher, world.base, Role.INVIGILATOR)
    session.commit()
    url = f"/orgs/{world.base.id}/attempts/{attempt.id}/log"
    login_as(client, cipher, world.candidates[0])
    assert client.get(url).status_code == 404
    client.post("/logout", data={"csrf_token": login_as(client, cipher, world.candidates[0])})
    login_as(client, cipher, invigilator)
    html = client.get(url).get_data(as_text=True)
    assert "start" in html and "phone-9" in html
    assert "作答中" in client.get(f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}/attempts").get_data(
        as_text=True)


def _practical(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    from decimal import Decimal

    task = create_task(session, exam=world.exam, title="墙板安装实操", checklist=WALL_PANEL, max_gap=Decimal(10),
                       now=NOW)
    assessment = assessment_for(session, registration=session.query(Registration).one(), task=task)
    examiners = [make_staff(session, cipher, world.base, Role.EXAMINER) for _ in range(2)]
    session.commit()
    return world, assessment, examiners


def _score(client, cipher, examiner, url, plumb):
    token = login_as(client, cipher, examiner)
    resp = client.post(url, data={"csrf_token": token, "m_angle": "20", "m_trial": "20", "m_plumb": plumb})
    client.post("/logout", data={"csrf_token": token})
    return resp


def test_two_examiners_score_then_reconcile_and_sign_off_on_the_tablet_page(client, session, cipher, tmp_path):
    world, assessment, (e1, e2) = _practical(session, cipher, tmp_path)
    url = f"/orgs/{world.base.id}/practical/{assessment.id}"
    assert _score(client, cipher, e1, url, "2").status_code == 302
    _score(client, cipher, e2, url, "7")  # 100 vs 50: beyond the 10-point gap
    token = login_as(client, cipher, e1)
    page = client.get(url).get_data(as_text=True)
    assert "须复核并写明理由" in page
    client.post(f"{url}/sign-off", data={"csrf_token": token})
    session.rollback()
    session.expire_all()
    assert session.get(PracticalAssessment, assessment.id).signed_off_at is None
    client.post(f"{url}/reconcile", data={"csrf_token": token, "percent": "80", "reason": "复测垂直度 4 mm"})
    client.post(f"{url}/sign-off", data={"csrf_token": token})
    session.rollback()
    session.expire_all()  # objects committed earlier are not expired by a rollback of an empty transaction
    done = session.get(PracticalAssessment, assessment.id)
    assert done.signed_off_at is not None and str(done.reconciled_percent) == "80.00"
    assert "已签字锁定" in client.get(url).get_data(as_text=True)


def test_a_bad_mark_is_shown_with_the_item_name(client, session, cipher, tmp_path):
    world, assessment, (e1, _e2) = _practical(session, cipher, tmp_path)
    token = login_as(client, cipher, e1)
    resp = client.post(f"/orgs/{world.base.id}/practical/{assessment.id}",
                       data={"csrf_token": token, "m_angle": "99", "m_trial": "20", "m_plumb": "1"})
    assert resp.status_code == 200 and "吊索夹角" in resp.get_data(as_text=True)


def test_analysis_page_runs_a_dry_run_before_applying(client, session, cipher, tmp_path):
    from tests.exams.test_analysis import fix_key, sit

    world = build_world(session, cipher, tmp_path, candidates=2)
    sit(session, world, lambda i, v: "C" if v.kind == "single" else v.spec["answer"])
    fix_key(session, tmp_path)
    admin = make_staff(session, cipher, world.base, Role.BASE_ADMIN)
    session.commit()
    token = login_as(client, cipher, admin)
    url = f"/orgs/{world.base.id}/exam-sessions/{world.exam_session.id}/analysis"
    assert "待更正的答案" in client.get(url).get_data(as_text=True)
    dry = client.post(url, data={"csrf_token": token, "apply": "0"}).get_data(as_text=True)
    assert "试算结果" in dry
    applied = client.post(url, data={"csrf_token": token, "apply": "1"}).get_data(as_text=True)
    assert "已按更正后的答案重新评分" in applied and "待更正的答案" not in applied


def test_base_admin_defines_an_exam_and_a_short_topic_is_named(client, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    admin = make_staff(session, cipher, world.base, Role.BASE_ADMIN)
    session.commit()
    token = login_as(client, cipher, admin)
    url = f"/orgs/{world.base.id}/exams"
    base = {"csrf_token": token, "title": "信号工考试", "course_id": str(world.course.id), "level": "五级",
            "minutes": "60", "pass_mark": "60", "review_policy": "score_only"}
    short = client.post(url, data={**base, "blueprint": "angles 9 10\nsignals 1 10"}).get_data(as_text=True)
    assert "angles" in short and "考试已创建" not in short
    ok = client.post(url, data={**base, "blueprint": "angles 5 10\nsignals 5 10"}, follow_redirects=True)
    assert "考试已创建" in ok.get_data(as_text=True) and "信号工考试" in ok.get_data(as_text=True)
