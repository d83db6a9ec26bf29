"""Judges' marks on a real database: the append-only log, replays, corrections, 回避, re-votes, panel rule."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from core.models import OrgKind, Role
from core.orgs import grant_role
from exams.competitions import setup
from exams.competitions.marking import CellStatus, judge_state, module_sheet
from exams.competitions.models import MarkEvent, MarkOutcome, Revote
from tests.competitions.world import build_comp_world, lock, mark, mark_module
from tests.factories import NOW, make_org, make_staff


@pytest.fixture
def world(session, cipher):
    return build_comp_world(session, cipher, competitors=2)


def _cell(session, world, competitor, code):
    aspect = world.aspect(code)
    sheet = module_sheet(session, world.module(code[0]))
    row = next(r for r in sheet.rows if r.competitor.id == competitor.id)
    return row.cells[aspect.id]


def test_three_judgements_within_the_gap_resolve_to_their_mean(session, world):
    c = world.competitors[0]
    for judge, score in zip(world.judges, (2, 3, 3), strict=True):
        mark(session, world, judge, c, "A3", score)
    cell = _cell(session, world, c, "A3")
    assert cell.status is CellStatus.DONE and cell.resolved == Fraction(8, 3)


def test_a_gap_above_one_blocks_the_result_and_records_a_revote(session, world):
    c = world.competitors[0]
    j1, j2, j3 = world.judges
    mark(session, world, j1, c, "A3", 3)
    mark(session, world, j2, c, "A3", 2)
    ack = mark(session, world, j3, c, "A3", 1)
    assert ack.revote_opened and ack.round == 2
    revote = session.scalars(select(Revote)).one()
    assert revote.round == 1 and revote.spread == 2 and sorted(revote.scores.values()) == [1, 2, 3]
    cell = _cell(session, world, c, "A3")
    assert cell.status is CellStatus.MISSING and cell.round == 2  # round 1 no longer counts
    with pytest.raises(DomainError, match="评分尚未完成"):
        mark_module(session, world, "A", lambda n: {"A1": "12", "A2": "305", "A3": 2, "A4": "0"})
        lock(session, world, "A")
    session.rollback()


def test_revote_round_resolves_and_late_marks_for_the_closed_round_do_not_count(session, world):
    c = world.competitors[0]
    j1, j2, j3 = world.judges
    for judge, score in ((j1, 3), (j2, 2), (j3, 1)):
        mark(session, world, judge, c, "A3", score)
    for judge in (j1, j2, j3):
        mark(session, world, judge, c, "A3", 2, round=2)
    late = mark(session, world, j1, c, "A3", 0, round=1, reason="旧设备补传")
    assert late.outcome is MarkOutcome.STALE_ROUND
    cell = _cell(session, world, c, "A3")
    assert cell.status is CellStatus.DONE and cell.resolved == 2 and cell.round == 2


def test_panel_rule_drops_highest_and_lowest(session, cipher):
    world = build_comp_world(session, cipher, competitors=1, aggregation="panel", judges=5)
    c = world.competitors[0]
    for judge, score in zip(world.judges, (0, 2, 2, 3, 3), strict=True):
        mark(session, world, judge, c, "A3", score)
    cell = _cell(session, world, c, "A3")
    assert cell.resolved == Fraction(7, 3) and not session.scalars(select(Revote)).all()


def test_replayed_and_out_of_order_marks_are_harmless(session, world):
    c = world.competitors[0]
    judge = world.judges[0]
    # The tablet queued seq 1 (a reading) and seq 2 (its correction); they arrive 2, 1, 2, 1.
    second = mark(session, world, judge, c, "A1", "12.1", seq=2, reason="看错刻度")
    first = mark(session, world, judge, c, "A1", "12.4", seq=1)
    again = mark(session, world, judge, c, "A1", "12.1", seq=2, reason="看错刻度")
    once_more = mark(session, world, judge, c, "A1", "12.4", seq=1)
    assert (second.outcome, first.outcome) == (MarkOutcome.APPLIED, MarkOutcome.APPLIED)
    assert again.duplicate and once_more.duplicate
    assert session.scalar(select(func.count(MarkEvent.id))) == 2
    assert _cell(session, world, c, "A1").values[judge.id] == Decimal("12.1")  # the newest seq wins


def test_a_reused_seq_with_another_mark_is_refused_with_the_highest_seq(session, world):
    c = world.competitors[0]
    mark(session, world, world.judges[0], c, "A1", "12.1", seq=5)
    with pytest.raises(Conflict, match="当前最大序号 5"):
        mark(session, world, world.judges[0], c, "A1", "11.9", seq=5, reason="改")


def test_a_correction_needs_a_reason(session, world):
    c = world.competitors[0]
    mark(session, world, world.judges[0], c, "A2", "305")
    with pytest.raises(ValidationFailed) as refused:
        mark(session, world, world.judges[0], c, "A2", "295")
    assert refused.value.code == "reason_required"
    mark(session, world, world.judges[0], c, "A2", "295", reason="复测读数")
    mark(session, world, world.judges[0], c, "A2", "295")  # the same value again needs none
    reasons = session.scalars(select(MarkEvent.reason).order_by(MarkEvent.seq)).all()
    assert reasons == ["", "复测读数", ""]


def test_conflict_of_interest_is_refused_and_only_the_chief_judge_can_override(session, cipher, world):
    c = world.competitors[0]
    judge = world.judges[0]
    enterprise = next(e for e in world.enterprises if e.id == c.enterprise_org_id)
    grant_role(session, actor_id=None, org=enterprise, user=judge, role=Role.ENTERPRISE_HR, now=NOW)  # same employer
    with pytest.raises(DomainError) as refused:
        mark(session, world, judge, c, "A1", "12")
    assert refused.value.code == "conflict_of_interest" and refused.value.status == 403
    assert c.id not in {s["competitor_id"] for s in judge_state(session, world.module("A"), judge)["stations"]}
    with pytest.raises(Forbidden):
        setup.override_conflict(session, actor=world.admin, module=world.module("A"), judge=judge, competitor=c,
                                reason="唯一具备资质的裁判", now=NOW)
    setup.override_conflict(session, actor=world.chief, module=world.module("A"), judge=judge, competitor=c,
                            reason="唯一具备资质的裁判", now=NOW)
    assert mark(session, world, judge, c, "A1", "12").outcome is MarkOutcome.APPLIED


def test_a_conflicted_judge_is_replaced_on_the_panel_by_the_next_assigned_judge(session, cipher, world):
    c = world.competitors[0]
    reserve = make_staff(session, cipher, world.committee, Role.JUDGE)
    setup.assign_judge(session, actor=world.admin, module=world.module("A"), judge_id=reserve.id, now=NOW)
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    c.base_org_id = base.id
    grant_role(session, actor_id=None, org=base, user=world.judges[1], role=Role.JUDGE, now=NOW)
    sheet = module_sheet(session, world.module("A"))
    row = next(r for r in sheet.rows if r.competitor.id == c.id)
    assert row.panel == (world.judges[0].id, world.judges[2].id, reserve.id)


def test_marks_after_the_lock_are_kept_but_not_counted(session, world):
    mark_module(session, world, "A")
    lock(session, world, "A", decode=False)
    c = world.competitors[0]
    ack = mark(session, world, world.judges[0], c, "A1", "11", reason="迟到的修改")
    assert ack.outcome is MarkOutcome.LOCKED
    assert _cell(session, world, c, "A1").resolved == Decimal("12.0")


def test_a_judge_not_on_the_module_cannot_mark(session, cipher, world):
    outsider = make_staff(session, cipher, world.committee, Role.JUDGE)
    with pytest.raises(Forbidden):
        mark(session, world, outsider, world.competitors[0], "A1", "12")
