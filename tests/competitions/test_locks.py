"""Module lock and sign-off, unlock with a reason and a second approver, decoding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.models import AuditEvent
from exams.competitions import locks
from exams.competitions.marking import module_sheet
from exams.competitions.models import ModuleSignoff
from tests.competitions.world import build_comp_world, lock, mark, mark_module
from tests.factories import NOW


@pytest.fixture
def world(session, cipher):
    w = build_comp_world(session, cipher, competitors=3)
    mark_module(session, w, "A")
    return w


def test_the_module_locks_when_every_judge_and_the_chief_judge_have_signed(session, world):
    module = world.module("A")
    for judge in world.judges:
        assert locks.sign_module(session, module_id=module.id, actor=judge, now=NOW) is False
    assert module.locked_at is None
    assert locks.sign_module(session, module_id=module.id, actor=world.chief, now=NOW) is True
    assert module.locked_at == NOW


def test_an_incomplete_module_cannot_be_signed(session, cipher):
    world = build_comp_world(session, cipher, competitors=1)
    with pytest.raises(RuleViolated, match="缺评"):
        locks.sign_module(session, module_id=world.module("A").id, actor=world.judges[0], now=NOW)


def test_unlock_needs_a_reason_and_a_second_approver(session, world):
    module = world.module("A")
    lock(session, world, "A", decode=False)
    with pytest.raises(ValidationFailed):
        locks.request_unlock(session, module_id=module.id, actor=world.chief, reason=" ", now=NOW)
    request = locks.request_unlock(session, module_id=module.id, actor=world.chief, reason="复核发现 S01 读数录入错误",
                                   now=NOW)
    with pytest.raises(Forbidden, match="第二人"):
        locks.approve_unlock(session, request_id=request.id, actor=world.chief, now=NOW)
    with pytest.raises(Forbidden):
        locks.approve_unlock(session, request_id=request.id, actor=world.judges[0], now=NOW)
    locks.approve_unlock(session, request_id=request.id, actor=world.admin, now=NOW + timedelta(minutes=2))
    assert module.locked_at is None and module.lock_epoch == 2
    with pytest.raises(Conflict):
        locks.approve_unlock(session, request_id=request.id, actor=world.admin, now=NOW)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("competition.%unlock%"))
                              .order_by(AuditEvent.seq)).all()
    assert actions == ["competition.unlock_requested", "competition.module_unlocked"]


def test_after_an_unlock_everyone_signs_again(session, world):
    module = world.module("A")
    lock(session, world, "A", decode=False)
    request = locks.request_unlock(session, module_id=module.id, actor=world.judges[0], reason="读数更正", now=NOW)
    locks.approve_unlock(session, request_id=request.id, actor=world.chief, now=NOW)
    mark(session, world, world.judges[0], world.competitors[0], "A1", "12.2", reason="读数更正")
    assert not module_sheet(session, module).is_complete  # the judges now disagree on the reading
    for judge in world.judges[1:]:
        mark(session, world, judge, world.competitors[0], "A1", "12.2", reason="读数更正")
    for person in (*world.judges, world.chief):
        locks.sign_module(session, module_id=module.id, actor=person, now=NOW)
    assert module.locked_at is not None
    epochs = session.scalars(select(ModuleSignoff.lock_epoch).distinct().order_by(ModuleSignoff.lock_epoch)).all()
    assert epochs == [1, 2]


def test_only_the_chief_judge_decodes_and_only_after_the_lock(session, world):
    module = world.module("A")
    with pytest.raises(Forbidden):
        locks.decode_module(session, module_id=module.id, actor=world.admin, now=NOW)
    with pytest.raises(RuleViolated):
        locks.decode_module(session, module_id=module.id, actor=world.chief, now=NOW)
    lock(session, world, "A", decode=False)
    locks.decode_module(session, module_id=module.id, actor=world.chief, now=NOW)
    assert module.decoded_by_id == world.chief.id
