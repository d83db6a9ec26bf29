from sqlalchemy import func, select

from core.models import Membership, Organisation, User


def test_demo_seed_is_idempotent_and_creates_every_role(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "13800000001" in first.output and "Demo1234" in first.output
    assert session.scalar(select(func.count(Organisation.id))) >= 4  # the competition demo adds enterprises
    users = session.scalar(select(func.count(User.id)))
    roles = set(session.scalars(select(Membership.role)))
    assert users >= 15
    assert {"worker", "base_admin", "invigilator", "examiner", "judge", "chief_judge", "enterprise_hr",
            "committee_member", "committee_chair", "platform_admin"} <= roles


def test_demo_seed_with_the_shipped_courses_gives_an_exam_the_demo_worker_can_start(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "张建国 may start today" in seeded.output and "demo competition" in seeded.output
    token = client.post("/api/v1/auth/token", json={"phone": "13900000001", "password": "Demo1234"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    progress = client.get("/api/v1/courses/hoisting/progress", headers=auth).get_json()
    assert progress["is_complete"] is True and progress["practice_score"] >= 80
    started = client.post("/api/v1/exam-sessions/1/attempt", json={"device_id": "demo"}, headers=auth).get_json()
    assert len(started["questions"]) == 50 and started["remaining_s"] > 0
