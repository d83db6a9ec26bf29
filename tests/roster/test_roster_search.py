from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import ValidationFailed
from core.models import AuditEvent
from roster.build import refresh_roster
from roster.search import RosterFilters, lookup_by_id_number, parse_filters, search_roster
from tests.factories import NOW, make_worker, valid_id_number
from tests.roster.roster_world import build_roster_world, employ


@pytest.fixture
def world(session, cipher, tmp_path):
    w = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    return w


def _names(session, filters=RosterFilters(), scope=None):
    return {e.name for e in search_roster(session, filters, scope=scope, now=NOW).entries}


def test_filters_by_skill_level_status_region_enterprise_award_and_age(session, world):
    assert _names(session) == {"李建国", "王志强", "赵红梅"}
    assert _names(session, RosterFilters(skill="HOIST")) == {"李建国"}
    assert _names(session, RosterFilters(level=3)) == {"李建国"}
    assert _names(session, RosterFilters(level=2)) == set()
    assert _names(session, RosterFilters(status="expired")) == {"王志强"}
    assert _names(session, RosterFilters(skill="SIGNAL", status="valid")) == set()
    assert _names(session, RosterFilters(region="广东省")) == {"王志强"}
    assert _names(session, RosterFilters(enterprise=world.ent_a.id)) == {"李建国"}
    assert _names(session, RosterFilters(award="gold")) == {"赵红梅"}
    age = NOW.year - world.skilled.birth_year
    assert "李建国" in _names(session, RosterFilters(age_min=age, age_max=age))
    assert _names(session, RosterFilters(age_max=17)) == set()


def test_enterprise_scope_shows_only_current_worker_members(session, world):
    assert _names(session, scope={world.ent_a.id}) == {"李建国"}
    assert _names(session, scope={world.ent_a.id, world.ent_b.id}) == {"李建国", "王志强"}


def test_keyset_pages_are_stable_and_complete(session, cipher, world):
    for n in "甲乙丙丁戊己庚":
        employ(session, world.ent_a, make_worker(session, cipher, name=f"工人{n}"))
    refresh_roster(session, now=NOW)
    first = search_roster(session, RosterFilters(), scope=None, now=NOW, limit=3)
    # a worker added between pages lands after the cursor: the pages already read do not shift
    employ(session, world.ent_b, make_worker(session, cipher, name="后来者"))
    refresh_roster(session, now=NOW)
    seen, after = [e.id for e in first.entries], first.next_after
    while after is not None:
        page = search_roster(session, RosterFilters(), scope=None, now=NOW, after=after, limit=3)
        seen += [e.id for e in page.entries]
        after = page.next_after
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 11


def test_parse_filters_rejects_bad_values_naming_the_parameter():
    with pytest.raises(ValidationFailed) as exc:
        parse_filters({"level": "9"})
    assert exc.value.field == "level"
    assert parse_filters({"skill": "hoist", "after": "12"}) == (RosterFilters(skill="HOIST"), 12)


def test_id_number_lookup_finds_the_worker_and_writes_an_audit_row(session, cipher, world):
    id_number = cipher.decrypt(world.skilled.id_number_enc, purpose="id_number")
    entry = lookup_by_id_number(session, cipher, id_number, actor=world.committee, scope=None, now=NOW)
    assert entry.user_id == world.skilled.id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.lookup"))
    assert (event.actor_id, event.target, event.details) == (world.committee.id, f"user:{world.skilled.id}",
                                                             {"found": True})
    assert id_number not in str(event.details) + event.target


def test_id_number_lookup_outside_scope_finds_nothing_but_is_audited(session, cipher, world):
    id_number = cipher.decrypt(world.expired.id_number_enc, purpose="id_number")
    assert lookup_by_id_number(session, cipher, id_number, actor=world.hr_a, scope={world.ent_a.id}, now=NOW) is None
    assert lookup_by_id_number(session, cipher, valid_id_number(), actor=world.hr_a, scope=None, now=NOW) is None
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.lookup")).all()
    assert [e.details for e in events] == [{"found": False}, {"found": False}]
