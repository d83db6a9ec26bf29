"""Final competition awards become award certificates, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from certificates.awards import issue_final_awards
from certificates.models import Certificate, SourceType
from exams.competitions import results
from tests.certificates.cert_world import config_for
from tests.competitions.test_results import LATER, provisional  # noqa: F401 - fixture
from tests.factories import NOW


def test_final_awards_are_certified_once_each(session, provisional, tmp_path):  # noqa: F811
    world, worker, _snapshot = provisional
    config = config_for(tmp_path)
    assert issue_final_awards(session, config=config, now=NOW) == 0  # provisional results certify nothing
    results.finalise_event(session, event=world.event, now=LATER + timedelta(hours=2))
    assert issue_final_awards(session, config=config, now=LATER + timedelta(hours=3)) == 2
    assert issue_final_awards(session, config=config, now=LATER + timedelta(hours=4)) == 0
    certs = session.scalars(select(Certificate).where(Certificate.source_type == SourceType.AWARD)).all()
    assert {c.holder_id for c in certs} == {worker.id}
    assert any("金牌" in c.award for c in certs) and any("技术能手" in c.award for c in certs)
