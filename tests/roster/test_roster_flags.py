"""Eligibility flags as data, training hours and training bases on the roster entry, and the search filters
by training base and flag (enterprise HR still sees only its own workers)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import select

from core.clock import utcnow
from core.errors import ValidationFailed
from lms.services import complete_lesson
from roster import cards
from roster.build import refresh_roster
from roster.eligibility import (
    DEFAULT_PATH,
    Expiring,
    HeldLevel,
    RulesInvalid,
    WorkerFacts,
    describe,
    evaluate,
    load_rules,
    rules_from,
)
from roster.models import RosterEntry, RosterFlag
from roster.search import RosterFilters, parse_filters, search_roster
from tests.certificates.cert_world import config_for, login, make_cert
from tests.exams.world import build_world
from tests.factories import NOW, make_org, make_worker
from tests.lms.content_factory import build_course, lesson
from tests.roster.roster_world import build_roster_world, employ

TODAY = date(2026, 3, 2)  # NOW in Beijing


def _codes(flags: list[dict]) -> list[str]:
    return [f["code"] for f in flags]


def _rules(**sections):
    base = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    return rules_from(base | sections)


# -- the rules file ------------------------------------------------------------------------------------------------

def test_the_shipped_rules_load_with_every_flag():
    assert load_rules().flag_codes == ("next_level", "renewal_due_30", "renewal_due_60", "renewal_due_90",
                                       "expert_candidate")


@pytest.mark.parametrize(("text", "key"), [
    ("next_level:\n  - {level: 5, years: x}\n", "next_level[0].years"),
    ("next_level:\n  - {level: 1, years: 2}\n", "next_level[0].level"),
    ("next_level:\n  - {level: 5, yeras: 2}\n", "next_level[0].yeras"),
    ("renewl_due: {days: [30]}\n", "renewl_due"),
    ("renewal_due: {days: [30, -1]}\n", "renewal_due.days[1]"),
    ("expert_candidate: {min_years: 3}\n", "expert_candidate"),
    ("next_level: [\n", "第 2 行"),
])
def test_a_bad_rules_file_fails_naming_the_key(tmp_path, text, key):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesInvalid) as exc:
        load_rules(path)
    assert exc.value.key == key and key in str(exc.value) and str(path) in str(exc.value)


# -- each rule (pure) ----------------------------------------------------------------------------------------------

def _held(level: int, years_ago: int, skill: str = "HOIST") -> HeldLevel:
    return HeldLevel(skill, "建筑起重信号司索工", level, TODAY.replace(year=TODAY.year - years_ago))


def test_next_level_needs_the_years_held_or_the_shorter_path_with_training_hours():
    rules = load_rules()  # 五级: 4 years, or 2 years and 4 training hours
    assert _codes(evaluate(rules, WorkerFacts(levels=(_held(5, 4),)), TODAY)) == ["next_level"]
    assert evaluate(rules, WorkerFacts(levels=(_held(5, 3),)), TODAY) == []
    assert evaluate(rules, WorkerFacts(levels=(_held(5, 3),), training_minutes=239), TODAY) == []
    [flag] = evaluate(rules, WorkerFacts(levels=(_held(5, 3),), training_minutes=240), TODAY)
    assert flag["reasons"] == [{"skill": "建筑起重信号司索工", "level": 5, "to_level": 4, "years": 3, "hours": 4.0}]


def test_next_level_looks_at_the_best_level_held_in_each_skill():
    rules = load_rules()
    facts = WorkerFacts(levels=(_held(5, 9), _held(4, 1), _held(5, 4, skill="GROUT")))
    [flag] = evaluate(rules, facts, TODAY)
    assert [(r["level"], r["to_level"]) for r in flag["reasons"]] == [(5, 4)]  # GROUT only: HOIST is at 四级 now


def test_renewal_flags_are_nested_windows_of_days_to_expiry():
    rules = load_rules()
    soon = Expiring("card", "建筑起重信号司索工", TODAY + timedelta(days=30))
    later = Expiring("certificate", "灌浆工", TODAY + timedelta(days=75))
    flags = evaluate(rules, WorkerFacts(expiring=(soon, later)), TODAY)
    assert _codes(flags) == ["renewal_due_30", "renewal_due_60", "renewal_due_90"]
    assert [r["name"] for r in flags[2]["reasons"]] == ["建筑起重信号司索工", "灌浆工"]
    assert evaluate(rules, WorkerFacts(expiring=(Expiring("card", "x", TODAY + timedelta(days=91)),)), TODAY) == []


def test_expert_candidate_by_level_or_title_once_on_record_long_enough():
    rules, since = load_rules(), TODAY.replace(year=2020)  # 6 years on record; the rule asks 5
    by_level = evaluate(rules, WorkerFacts(levels=(_held(2, 1),), on_record_since=since), TODAY)
    assert by_level[-1] == {"code": "expert_candidate", "reasons": [{"level": 2, "title": None, "years": 6}]}
    by_title = evaluate(rules, WorkerFacts(titles=frozenset({"technical_expert"}), on_record_since=since), TODAY)
    assert _codes(by_title) == ["expert_candidate"]
    assert "技术能手" in describe(by_title[0])[1][0]
    assert evaluate(rules, WorkerFacts(levels=(_held(3, 1),), on_record_since=since), TODAY) == []
    assert evaluate(rules, WorkerFacts(levels=(_held(2, 1),), on_record_since=TODAY.replace(year=2022)), TODAY) == []


def test_edited_rules_data_changes_the_result():
    facts = WorkerFacts(levels=(_held(5, 1),), expiring=(Expiring("card", "x", TODAY + timedelta(days=5)),))
    assert _codes(evaluate(load_rules(), facts, TODAY)) == ["renewal_due_30", "renewal_due_60", "renewal_due_90"]
    edited = _rules(next_level=[{"level": 5, "years": 1}], renewal_due={"days": [7]}, expert_candidate=None)
    assert _codes(evaluate(edited, facts, TODAY)) == ["next_level", "renewal_due_7"]


def test_flags_are_described_in_chinese():
    flag = {"code": "renewal_due_30", "reasons": [{"kind": "card", "name": "建筑起重信号司索工",
                                                   "expires_on": "2026-03-20", "days_left": 18}]}
    assert describe(flag) == ("30 天内到期", ["建筑起重信号司索工（特种作业操作证）2026-03-20 到期，还剩 18 天"])


# -- refresh, facets and filters -----------------------------------------------------------------------------------

@pytest.fixture
def world(session, cipher, tmp_path):
    return build_roster_world(session, cipher, tmp_path)


def _entry(session, user) -> RosterEntry:
    return session.scalar(select(RosterEntry).where(RosterEntry.user_id == user.id))


def _add_card(session, cipher, user, base, *, issued_on: date, number: str, trade: str = "建筑起重信号司索工"):
    cards.ensure_default_authorities(session, now=NOW)
    raw = {"name": user.name, "id_number": cipher.decrypt(user.id_number_enc, purpose="id_number"),
           "trade_name": trade, "card_number": number, "authority": cards.DEFAULT_AUTHORITIES[0][0],
           "issued_on": issued_on}
    return cards.add_card(session, cipher, raw, base_org_id=base.id, actor_id=None, now=NOW)


def _names(session, filters, scope=None) -> set[str]:
    return {e.name for e in search_roster(session, filters, scope=scope, now=NOW).entries}


def test_training_hours_are_the_minutes_of_completed_lessons(session, cipher, tmp_path, world):
    course = build_course(session, tmp_path)  # lessons of 6, 7 and 8 minutes
    for n in (1, 3):
        complete_lesson(session, user=world.skilled, lesson=lesson(course, n), now=NOW)
    refresh_roster(session, now=NOW)
    assert _entry(session, world.skilled).training_minutes == 14
    assert _entry(session, world.expired).training_minutes == 0


def test_a_card_inside_its_renewal_window_flags_the_worker_and_the_base_that_entered_it(session, cipher, world):
    card_base = make_org(session)
    _add_card(session, cipher, world.skilled, card_base, issued_on=TODAY - timedelta(days=700), number="A1")
    refresh_roster(session, now=NOW)
    entry = _entry(session, world.skilled)
    assert (entry.trade_cards[0]["number"], entry.trade_cards[0]["status"]) == ("A1", "renewal_due")
    assert _codes(entry.flags) == ["renewal_due_30", "renewal_due_60", "renewal_due_90"]
    assert set(session.scalars(select(RosterFlag.flag).where(RosterFlag.entry_id == entry.id))) == set(
        _codes(entry.flags))
    assert entry.base_org_ids == sorted([world.base.id, card_base.id])
    assert _names(session, RosterFilters(flag="renewal_due_30")) == {"李建国"}
    assert _names(session, RosterFilters(base=card_base.id)) == {"李建国"}
    assert _names(session, RosterFilters(base=world.base.id)) == {"李建国", "王志强"}


def test_a_card_replaced_by_a_newer_one_of_the_same_trade_raises_no_renewal_flag(session, cipher, world):
    _add_card(session, cipher, world.skilled, world.base, issued_on=TODAY - timedelta(days=700), number="OLD")
    _add_card(session, cipher, world.skilled, world.base, issued_on=TODAY - timedelta(days=10), number="NEW")
    refresh_roster(session, now=NOW)
    assert _entry(session, world.skilled).flags == []
    assert [c["number"] for c in _entry(session, world.skilled).trade_cards] == ["OLD", "NEW"]


def test_a_worker_with_only_a_card_is_on_the_roster(session, cipher, world):
    loner = make_worker(session, cipher, name="孙卡持")
    _add_card(session, cipher, loner, world.base, issued_on=TODAY - timedelta(days=30), number="L1")
    refresh_roster(session, now=NOW)
    assert _entry(session, loner).trade_cards[0]["status"] == "valid"


def test_next_level_from_a_certificate_held_four_years(session, cipher, tmp_path, world):
    veteran = make_worker(session, cipher, name="钱老师")
    employ(session, world.ent_a, veteran)
    make_cert(session, holder=veteran, org=world.base, config=config_for(tmp_path), level="五级/初级工",
              now=NOW - timedelta(days=4 * 366))
    refresh_roster(session, now=NOW)
    assert _codes(_entry(session, veteran).flags) == ["next_level"]
    assert _names(session, RosterFilters(flag="next_level")) == {"钱老师"}


def test_an_exam_session_base_counts_as_the_workers_training_base(session, cipher, tmp_path, world):
    exam_world = build_world(session, cipher, tmp_path)
    candidate = exam_world.candidates[0]
    employ(session, world.ent_b, candidate)
    refresh_roster(session, now=NOW)
    assert _entry(session, candidate).base_org_ids == [exam_world.base.id]
    assert {e.user_id for e in search_roster(session, RosterFilters(base=exam_world.base.id), scope=None,
                                             now=NOW).entries} == {candidate.id}


def test_refresh_with_edited_rules_changes_the_flags_and_stays_idempotent(session, cipher, tmp_path, world):
    _add_card(session, cipher, world.skilled, world.base, issued_on=TODAY - timedelta(days=700), number="A1")
    refresh_roster(session, now=NOW)
    assert refresh_roster(session, now=NOW) == 0
    path = tmp_path / "rules.yaml"
    path.write_text("renewal_due:\n  days: [7]\n", encoding="utf-8")
    assert refresh_roster(session, now=NOW, rules=load_rules(path)) == 1
    assert _entry(session, world.skilled).flags == []
    assert _names(session, RosterFilters(flag="renewal_due_30")) == set()


def test_flags_move_with_the_clock(session, cipher, world):
    expires_on = cards.expiry_for(cards.ensure_default_authorities(session, now=NOW)[0], TODAY - timedelta(days=600))
    _add_card(session, cipher, world.skilled, world.base, issued_on=TODAY - timedelta(days=600), number="A1")
    refresh_roster(session, now=NOW)
    assert _codes(_entry(session, world.skilled).flags) == []
    later = NOW + (expires_on - TODAY) - timedelta(days=20)
    assert refresh_roster(session, now=later) == 1
    assert _codes(_entry(session, world.skilled).flags) == ["renewal_due_30", "renewal_due_60", "renewal_due_90"]


def test_enterprise_hr_never_sees_other_enterprises_flagged_workers(session, cipher, world):
    for user, number in ((world.skilled, "A1"), (world.expired, "B1")):
        _add_card(session, cipher, user, world.base, issued_on=TODAY - timedelta(days=700), number=number)
    refresh_roster(session, now=NOW)
    assert _names(session, RosterFilters(flag="renewal_due_30")) == {"李建国", "王志强"}
    assert _names(session, RosterFilters(flag="renewal_due_30"), scope={world.ent_a.id}) == {"李建国"}
    assert _names(session, RosterFilters(base=world.base.id), scope={world.ent_a.id}) == {"李建国"}


def test_parse_filters_reads_base_and_flag_and_rejects_a_malformed_flag():
    assert parse_filters({"base": "7", "flag": "renewal_due_30"}) == (RosterFilters(base=7, flag="renewal_due_30"), 0)
    for bad in ({"flag": "x' or 1=1"}, {"base": "0"}):
        with pytest.raises(ValidationFailed) as exc:
            parse_filters(bad)
        assert exc.value.field == next(iter(bad))


# -- pages and API -------------------------------------------------------------------------------------------------

def _page_world(session, cipher, tmp_path, world):
    """The skilled worker with a card due for renewal (real clock: pages read it) and 14 minutes of lessons."""
    today = cards.local_today(utcnow())
    _add_card(session, cipher, world.skilled, world.base, issued_on=today - timedelta(days=700), number="P1")
    _add_card(session, cipher, world.expired, world.base, issued_on=today - timedelta(days=700), number="P2")
    course = build_course(session, tmp_path)
    for n in (1, 3):
        complete_lesson(session, user=world.skilled, lesson=lesson(course, n), now=NOW)
    refresh_roster(session, now=utcnow())
    session.commit()


def test_record_page_shows_cards_hours_flags_with_reasons_and_titles(client, session, cipher, tmp_path, world):
    _page_world(session, cipher, tmp_path, world)
    login(client, cipher, world.committee)
    html = client.get(f"/roster/{world.skilled.id}").get_data(as_text=True)
    assert "P1" in html and "云南省住房和城乡建设厅" in html and "待复审" in html
    assert "0.2" in html and "14 分钟" in html
    assert "30 天内到期" in html and "建筑起重信号司索工（特种作业操作证）" in html
    assert "技术能手" in client.get(f"/roster/{world.medallist.id}").get_data(as_text=True)


def test_search_page_filters_by_flag_and_base_within_the_hr_scope(client, session, cipher, tmp_path, world):
    _page_world(session, cipher, tmp_path, world)
    login(client, cipher, world.hr_a)
    html = client.get("/roster?flag=renewal_due_30").get_data(as_text=True)
    assert "李建国" in html and "王志强" not in html and "30 天内到期" in html
    html = client.get(f"/roster?base={world.base.id}").get_data(as_text=True)
    assert "李建国" in html and "王志强" not in html
    assert client.get("/roster?flag=bad flag").status_code == 422


def test_api_entries_carry_hours_cards_bases_and_flags(client, session, cipher, tmp_path, world):
    _page_world(session, cipher, tmp_path, world)
    login(client, cipher, world.committee)
    body = client.get("/api/v1/roster?flag=renewal_due_30").get_json()
    item = next(i for i in body["items"] if i["user_id"] == world.skilled.id)
    assert (item["training_minutes"], item["training_hours"], item["training_bases"]) == (14, 0.2, [world.base.id])
    assert item["trade_cards"][0]["number"] == "P1" and item["trade_cards"][0]["status"] == "renewal_due"
    assert item["flags"][0]["code"] == "renewal_due_30" and item["skills"][0]["code"] == "HOIST"

