from datetime import timedelta

from sqlalchemy import select, update

from core import audit
from core.models import AuditEvent
from tests.factories import NOW


def _write(session, n=3):
    for i in range(n):
        audit.record(session, action="test.event", now=NOW + timedelta(seconds=i), actor_id=i, target=f"x:{i}",
                     details={"i": i})
    session.commit()


def test_untouched_chain_verifies(session):
    _write(session)
    report = audit.verify_chain(session)
    assert report.ok and report.checked == 3


def test_each_row_carries_the_previous_rows_hash(session):
    _write(session)
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert rows[0].prev_hash == audit.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]


def test_edited_row_is_detected_at_its_sequence(session):
    _write(session)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(target="x:forged"))
    session.commit()
    assert audit.verify_chain(session).broken_at_seq == 2


def test_deleted_row_is_detected(session):
    _write(session)
    session.delete(session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one())
    session.commit()
    assert audit.verify_chain(session).broken_at_seq == 3


def test_cli_verify_exits_non_zero_on_a_tampered_chain(app, session):
    _write(session)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(details={"i": 99}))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "seq 1" in result.output
