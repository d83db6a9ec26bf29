from sqlalchemy import func, select

from core.models import Membership, Organisation, User


def test_demo_seed_is_idempotent_and_creates_every_role(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "13800000001" in first.output and "Demo1234" in first.output
    assert session.scalar(select(func.count(Organisation.id))) == 4
    users = session.scalar(select(func.count(User.id)))
    roles = set(session.scalars(select(Membership.role)))
    assert users == 15
    assert {"worker", "base_admin", "invigilator", "examiner", "judge", "chief_judge", "enterprise_hr",
            "committee_member", "committee_chair", "platform_admin"} <= roles
