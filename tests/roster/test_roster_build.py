from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from certificates.models import Certificate
from roster.build import refresh_roster
from roster.models import RosterAward, RosterCredential, RosterEntry
from tests.factories import NOW, make_worker
from tests.roster.roster_world import build_roster_world


def _entry(session, user) -> RosterEntry:
    return session.scalar(select(RosterEntry).where(RosterEntry.user_id == user.id))


def test_refresh_builds_one_entry_per_worker_with_certificates_placings_and_employer(session, cipher, tmp_path):
    world = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    assert set(session.scalars(select(RosterEntry.user_id))) == {world.skilled.id, world.expired.id,
                                                                  world.medallist.id}
    skilled = _entry(session, world.skilled)
    assert (skilled.enterprise_org_id, skilled.region, skilled.top_level) == (world.ent_a.id, "云南省昆明市", 3)
    assert (skilled.valid_count, skilled.base_org_ids) == (1, [world.base.id])
    assert skilled.id_number_masked == world.skilled.id_number_masked
    expired = _entry(session, world.expired)
    assert (expired.expired_count, expired.valid_count, expired.top_level) == (1, 0, None)
    medallist = _entry(session, world.medallist)
    assert medallist.award_codes == ["gold", "技术能手"]
    assert medallist.placings[0]["rank"] == 1 and medallist.enterprise_org_id is None


def test_refresh_is_idempotent(session, cipher, tmp_path):
    build_roster_world(session, cipher, tmp_path)
    assert refresh_roster(session, now=NOW) == 3
    stamps = dict(session.execute(select(RosterEntry.user_id, RosterEntry.updated_at)).tuples().all())
    assert refresh_roster(session, now=NOW + timedelta(hours=1)) == 0
    assert dict(session.execute(select(RosterEntry.user_id, RosterEntry.updated_at)).tuples().all()) == stamps
    assert session.scalar(select(func.count()).select_from(RosterCredential)) == 2
    assert session.scalar(select(func.count()).select_from(RosterAward)) == 2


def test_refresh_of_some_users_touches_only_them_and_picks_up_changes(session, cipher, tmp_path):
    world = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    world.ent_a.region = "云南省大理州"
    newcomer = make_worker(session, cipher, name="新员工")
    session.flush()
    assert refresh_roster(session, now=NOW, user_ids=[world.skilled.id, newcomer.id]) == 1  # newcomer: no facts
    assert _entry(session, world.skilled).region == "云南省大理州"
    assert _entry(session, newcomer) is None


def test_full_refresh_removes_users_who_are_no_longer_workers(session, cipher, tmp_path):
    world = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    for membership in list(world.skilled.memberships):
        session.delete(membership)
    for cert in session.scalars(select(Certificate).where(Certificate.holder_id == world.skilled.id)):
        cert.state = "rejected"
    session.flush()
    session.expire_all()
    assert refresh_roster(session, now=NOW) == 1
    assert _entry(session, world.skilled) is None
