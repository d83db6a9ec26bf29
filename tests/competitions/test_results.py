"""Standings, re-check sampling, provisional results, appeals, the final snapshot and the award feed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from core.errors import Forbidden, RuleViolated
from core.models import Role
from core.orgs import grant_role
from exams.competitions import appeals, locks, recheck, results
from exams.competitions.jobs import make_jobs
from exams.competitions.models import MarkEvent, ResultSnapshot, SnapshotKind
from exams.competitions.queries import final_awards, final_placings
from exams.competitions.rules.snapshot import sha256_hex
from exams.competitions.standings import event_standings
from tests.competitions.world import GOOD, build_comp_world, complete_event, mark
from tests.factories import NOW, make_worker

LATER = NOW + timedelta(hours=1)


def varied(n: int) -> dict:
    """Competitor n: A1 drifts 0.1 per place, B3 time grows 2 min per place."""
    return {**GOOD, "A1": str(Decimal("12.0") + Decimal(n) / 10), "B3": str(35 + 2 * n)}


def test_standings_combine_modules_theory_and_weights(session, cipher):
    world = build_comp_world(session, cipher, competitors=2)
    first, second = world.competitors  # in station order, as ``varied`` counts
    first.theory_percent, second.theory_percent = Decimal(70), Decimal(90)
    complete_event(session, world, lambda n: {**varied(n), "A4": "0.5"} if n else varied(n))
    rows = {r.competitor.id: r for r in event_standings(session, world.event).rows}
    # first: A 6+6+6-0 = 18, B 9+9+4-0 = 22 -> 40/40 = 100 %; total 0.3 x 70 + 0.7 x 100 = 91
    assert rows[first.id].practical == 100 and rows[first.id].total == 91
    # second: A1 12.1 -> 6, A4 -0.5 -> 17.5; B3 37 min -> 4: 39.5/40 = 98.75 %; 0.3 x 90 + 0.7 x 98.75 = 96.125
    assert rows[second.id].total == Fraction(96125, 1000) and rows[second.id].time_minutes == Decimal(37)
    assert (rows[second.id].rank, rows[first.id].rank) == (1, 2)


def test_equal_totals_are_separated_by_the_declared_chain(session, cipher):
    world = build_comp_world(session, cipher, competitors=3)
    complete_event(session, world, lambda n: {**GOOD, "B3": str(39 - 2 * n)})  # equal marks; 39, 37, 35 minutes
    standings = event_standings(session, world.event)
    first, second, third = world.competitors
    assert [(r.competitor.id, r.rank, r.decided_by) for r in standings.rows] == [
        (third.id, 1, None), (second.id, 2, "time"), (first.id, 3, "time")]


def test_too_few_competitors_get_no_medals(session, cipher):
    world = build_comp_world(session, cipher, competitors=3)  # medals need 6
    complete_event(session, world, varied)
    standings = event_standings(session, world.event)
    assert standings.medals_withheld
    assert [r.awards for r in standings.rows] == [("excellence", "technical_expert")] * 3


def test_a_safety_red_line_zeroes_the_module(session, cipher):
    world = build_comp_world(session, cipher, competitors=2)
    complete_event(session, world, lambda n: {**GOOD, "B5": 1} if n == 1 else GOOD)
    row = next(r for r in event_standings(session, world.event).rows if r.competitor.id == world.competitors[1].id)
    assert row.zeroed == ("B",) and row.practical == Fraction(18, 40) * 100


def test_theory_is_read_from_the_linked_exam_attempt(session, cipher, tmp_path):
    from exams.attempts import start_attempt, submit_attempt
    from exams.competitions.setup import EventRules, add_competitor, configure_event
    from exams.models import SubmittedBy
    from tests.exams.world import build_world

    exam_world = build_world(session, cipher, tmp_path, candidates=1)
    world = build_comp_world(session, cipher, competitors=1, commit=False)
    world.competition.org_id = exam_world.base.id  # the base that owns the theory exam organises the competition
    configure_event(session, actor=world.admin, event=world.event, rules=EventRules(theory_exam_id=exam_world.exam.id),
                    now=NOW)
    candidate = exam_world.candidates[0]
    competitor = add_competitor(session, actor=world.admin, event=world.event, name="考生", member_ids=[candidate.id],
                                now=NOW)
    attempt = start_attempt(session, exam_session=exam_world.exam_session, candidate=candidate, device_id="d",
                            now=NOW + timedelta(minutes=1)).attempt
    submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=5))
    rows = {r.competitor.id: r for r in event_standings(session, world.event, locked_only=False).rows}
    assert rows[competitor.id].theory == Fraction(attempt.percent) == 0  # nothing answered: 0 %
    assert rows[world.competitors[0].id].theory is None  # not a platform exam candidate


# -- re-check -------------------------------------------------------------------------------------------------

@pytest.fixture
def done(session, cipher):
    world = build_comp_world(session, cipher, competitors=6)
    world.event.recheck_top = 2
    world.event.recheck_share = Decimal("0.5")
    complete_event(session, world, varied)
    return world


def test_recheck_samples_the_top_and_a_seeded_share_and_records_the_seed(session, done):
    items = recheck.draw_recheck(session, event=done.event, actor=done.admin, seed=99, now=LATER)
    reasons = [i.reason for i in items]
    assert reasons.count("top") == 2 and reasons.count("sample") == 2 and done.event.recheck_seed == 99


def test_recheck_by_a_judge_of_the_event_is_refused(session, done):
    items = recheck.draw_recheck(session, event=done.event, actor=done.admin, seed=1, now=LATER)
    with pytest.raises(Forbidden):
        recheck.record_recheck(session, item_id=items[0].id, event=done.event, actor=done.judges[0], items_checked=9,
                               errors_found=0, note="", now=LATER)


def test_an_error_rate_above_the_threshold_forces_a_full_recheck(session, done):
    items = recheck.draw_recheck(session, event=done.event, actor=done.admin, seed=1, now=LATER)
    for n, item in enumerate(items):
        status = recheck.record_recheck(session, item_id=item.id, event=done.event, actor=done.supervisor,
                                        items_checked=9, errors_found=1 if n == 0 else 0, note="", now=LATER)
    # 1 error in 36 checked aspects = 2.8 % ≤ 5 %: no full re-check
    assert not status.full_required and status.is_complete


def test_too_many_errors_add_every_other_competitor(session, done):
    items = recheck.draw_recheck(session, event=done.event, actor=done.admin, seed=1, now=LATER)
    for item in items:
        status = recheck.record_recheck(session, item_id=item.id, event=done.event, actor=done.supervisor,
                                        items_checked=9, errors_found=1, note="读数抄错", now=LATER)
    # 4 errors in 36 = 11 % > 5 %: all six competitors must be checked
    assert status.full_required and len(status.items) == 6 and not status.is_complete


# -- provisional, appeals, final ---------------------------------------------------------------------------------

def _published(session, world):
    for item in recheck.draw_recheck(session, event=world.event, actor=world.admin, seed=3, now=LATER):
        recheck.record_recheck(session, item_id=item.id, event=world.event, actor=world.supervisor, items_checked=9,
                               errors_found=0, note="", now=LATER)
    return results.publish_provisional(session, event=world.event, actor=world.chief, now=LATER)


@pytest.fixture
def provisional(session, cipher):
    world = build_comp_world(session, cipher, competitors=6, commit=False)
    worker = make_worker(session, cipher)
    from exams.competitions.models import CompetitorMember

    session.add(CompetitorMember(competitor_id=world.competitors[0].id, user_id=worker.id))
    world.event.recheck_top = 10
    complete_event(session, world, varied)
    snapshot = _published(session, world)
    return world, worker, snapshot


def test_provisional_results_need_the_recheck(session, cipher):
    world = build_comp_world(session, cipher, competitors=2)
    complete_event(session, world, varied)
    with pytest.raises(RuleViolated, match="复核"):
        results.publish_provisional(session, event=world.event, actor=world.chief, now=LATER)


def test_appeals_are_accepted_in_the_window_and_refused_after_it(session, provisional):
    world, worker, _snapshot = provisional
    competitor = world.competitors[0]
    assert world.event.appeal_closes_at == LATER + timedelta(hours=2)
    appeal = appeals.file_appeal(session, event=world.event, competitor=competitor, filer=worker,
                                 text="A 模块水料比读数与现场记录表不符，请复核。", now=LATER + timedelta(minutes=119))
    appeals.add_evidence(session, appeal=appeal, filer=worker, filename="记录表.png",
                         data=b"\x89PNG\r\n\x1a\n" + b"0" * 100, now=LATER + timedelta(minutes=119))
    with pytest.raises(RuleViolated):
        appeals.file_appeal(session, event=world.event, competitor=competitor, filer=worker,
                            text="窗口关闭后再提出的申诉应被拒绝。", now=LATER + timedelta(hours=2))
    with pytest.raises(RuleViolated, match="未裁决"):
        results.finalise_event(session, event=world.event, now=LATER + timedelta(hours=3))


def test_appeal_rulings_come_from_people_not_involved(session, cipher, provisional):
    world, worker, _snapshot = provisional
    appeal = appeals.file_appeal(session, event=world.event, competitor=world.competitors[0], filer=worker,
                                 text="请复核 B 模块用时记录是否准确。", now=LATER)
    grant_role(session, actor_id=None, org=world.base, user=world.judges[0], role=Role.BASE_ADMIN, now=NOW)
    with pytest.raises(Forbidden, match="裁判"):
        appeals.rule_appeal(session, appeal=appeal, actor=world.judges[0], upheld=False, ruling="驳回", now=LATER)
    appeals.rule_appeal(session, appeal=appeal, actor=world.admin, upheld=False, ruling="经查看录像，用时记录无误。",
                        now=LATER)
    assert appeal.status == "dismissed" and appeal.ruled_by_id == world.admin.id


def test_large_or_foreign_evidence_is_refused(session, provisional):
    world, worker, _snapshot = provisional
    appeal = appeals.file_appeal(session, event=world.event, competitor=world.competitors[0], filer=worker,
                                 text="请复核 B 模块用时记录是否准确。", now=LATER)
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="2 MB"):
        appeals.add_evidence(session, appeal=appeal, filer=worker, filename="a.pdf",
                             data=b"%PDF-" + b"0" * (2 * 1024 * 1024), now=LATER)
    with pytest.raises(ValidationFailed, match="JPG"):
        appeals.add_evidence(session, appeal=appeal, filer=worker, filename="a.png", data=b"MZ\x90\x00", now=LATER)


def test_final_snapshot_never_changes_after_finalisation(session, provisional):
    world, worker, _provisional = provisional
    with pytest.raises(RuleViolated):
        results.finalise_event(session, event=world.event, now=LATER + timedelta(minutes=30))
    final = results.finalise_event(session, event=world.event, now=LATER + timedelta(hours=2))
    text, digest = final.payload, final.sha256
    assert sha256_hex(text) == digest
    # Someone changes a stored mark behind the application's back, and a judge sends a late correction.
    session.execute(MarkEvent.__table__.update().values(value=Decimal(0)))
    mark(session, world, world.judges[0], world.competitors[0], "A3", 0, reason="事后修改")
    with pytest.raises(Exception, match="最终成绩已发布"):
        locks.request_unlock(session, module_id=world.module("A").id, actor=world.chief, reason="事后修改", now=LATER)
    again = results.finalise_event(session, event=world.event, now=LATER + timedelta(hours=5))
    session.expire_all()
    stored = session.scalars(select(ResultSnapshot).where(ResultSnapshot.kind == SnapshotKind.FINAL)).one()
    assert again.id == stored.id and stored.payload == text and stored.sha256 == digest
    assert event_standings(session, world.event).rows[0].total != Decimal(json.loads(text)["rows"][0]["total"])


def test_final_awards_feed_lists_member_awards_with_the_snapshot_hash(session, provisional):
    world, worker, _provisional = provisional
    final = results.finalise_event(session, event=world.event, now=LATER + timedelta(hours=2))
    records = final_awards(session)
    assert [(r.user_id, r.award, r.rank) for r in records] == [(worker.id, "gold", 1),
                                                                (worker.id, "technical_expert", 1)]
    assert records[0].snapshot_sha256 == final.sha256 and records[0].competition_id == world.competition.id
    assert final_awards(session, after_id=records[-1].id) == []
    placing = final_placings(session)[0]
    assert placing.rank == 1 and placing.awards == ("gold", "technical_expert")


def test_the_job_finalises_when_the_window_has_closed(session, provisional):
    world, _worker, _provisional = provisional
    job = next(j for j in make_jobs() if j.name == "competitions.finalise_results")
    job.run(session, LATER + timedelta(minutes=90))
    assert world.event.finalised_at is None
    job.run(session, LATER + timedelta(hours=2, seconds=1))
    assert world.event.finalised_at is not None
    job.run(session, LATER + timedelta(hours=3))  # idempotent
    assert len(session.scalars(select(ResultSnapshot).where(ResultSnapshot.kind == "final")).all()) == 1
