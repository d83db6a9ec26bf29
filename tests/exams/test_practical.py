"""Practical assessment: independent sheets, the gap rule, reconciliation, sign-off, the level result."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import Conflict, RuleViolated, ValidationFailed
from core.models import Role
from exams.attempts import save_answer, start_attempt, submit_attempt
from exams.models import Paper, Registration, SubmittedBy
from exams.practical import assessment_for, create_task, level_result, reconcile, sign_off, submit_sheet
from exams.rules.scoring import ResultStatus
from tests.exams.world import build_world
from tests.factories import NOW, make_staff

WALL_PANEL = {
    "title": "墙板吊装与临时支撑",
    "items": [
        {"code": "angle", "title": "吊索夹角不小于60°", "kind": "points", "max_points": 20},
        {"code": "trial", "title": "试吊 200–300 mm 停稳检查", "kind": "points", "max_points": 20},
        {"code": "plumb", "title": "垂直度偏差", "kind": "measured", "nominal": 0, "unit": "mm",
         "bands": [[3, 60], [5, 30], [8, 10]]},
        {"code": "unhook", "title": "两道斜撑固定后方可摘钩", "kind": "redline"},
    ],
}


def marks(angle=20, trial=20, plumb=2, violated=False):
    return {"angle": Decimal(angle), "trial": Decimal(trial), "plumb": Decimal(plumb), "unhook": violated}


@pytest.fixture
def setup(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    task = create_task(session, exam=world.exam, title="墙板安装实操", checklist=WALL_PANEL, max_gap=Decimal(10),
                       now=NOW)
    registration = session.query(Registration).one()
    assessment = assessment_for(session, registration=registration, task=task)
    examiners = [make_staff(session, cipher, world.base, Role.EXAMINER) for _ in range(3)]
    session.commit()
    return world, assessment, examiners, registration


def test_result_is_the_mean_of_independent_sheets(session, setup):
    _world, assessment, (e1, e2, _e3), _reg = setup
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(plumb=2), now=NOW)
    assert assessment.percent is None  # one sheet is not a result
    submit_sheet(session, assessment=assessment, examiner_id=e2.id, marks=marks(angle=15, plumb=2.5), now=NOW)
    assert assessment.percent == Decimal("97.50") and not assessment.needs_reconciliation  # (100 + 95) / 2


def test_a_gap_above_the_limit_forces_a_reconciliation_with_reasons(session, setup):
    _world, assessment, (e1, e2, chief), _reg = setup
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(plumb=2), now=NOW)
    submit_sheet(session, assessment=assessment, examiner_id=e2.id, marks=marks(plumb=7), now=NOW)
    assert assessment.needs_reconciliation  # 100 vs 50
    with pytest.raises(RuleViolated):
        sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)
    with pytest.raises(ValidationFailed):
        reconcile(session, assessment=assessment, actor_id=chief.id, percent=Decimal(80), reason="", now=NOW)
    reconcile(session, assessment=assessment, actor_id=chief.id, percent=Decimal(80),
              reason="复测垂直度为4 mm，按第二档计分", now=NOW)
    sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)
    assert assessment.signed_off_at == NOW


def test_sign_off_locks_the_sheets(session, setup):
    _world, assessment, (e1, e2, chief), _reg = setup
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(), now=NOW)
    submit_sheet(session, assessment=assessment, examiner_id=e2.id, marks=marks(), now=NOW)
    sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)
    with pytest.raises(Conflict):
        submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(angle=0), now=NOW)


def test_a_single_examiner_cannot_sign_off(session, setup):
    _world, assessment, (e1, _e2, chief), _reg = setup
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(), now=NOW)
    with pytest.raises(RuleViolated):
        sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)


def _pass_theory(session, world):
    user = world.candidates[0]
    attempt = start_attempt(session, exam_session=world.exam_session, candidate=user, device_id="d",
                            now=NOW + timedelta(minutes=1)).attempt
    for seq, item in enumerate(session.get(Paper, attempt.paper_id).items, start=1):
        from lms.models import QuestionVersion

        key = session.get(QuestionVersion, item["q"]).spec["answer"]
        save_answer(session, attempt_id=attempt.id, candidate=user, question_version_id=item["q"], response=key,
                    seq=seq, device_id="d", now=NOW + timedelta(minutes=2), grace_s=60)
    submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=3))


def test_level_result_needs_both_parts_and_a_red_line_fails_it(session, setup):
    world, assessment, (e1, e2, chief), registration = setup
    assert level_result(session, registration=registration).status == ResultStatus.PENDING
    _pass_theory(session, world)
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(), now=NOW)
    submit_sheet(session, assessment=assessment, examiner_id=e2.id, marks=marks(), now=NOW)
    assert level_result(session, registration=registration).status == ResultStatus.PENDING  # not signed yet
    sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)
    assert level_result(session, registration=registration).status == ResultStatus.PASSED


def test_a_red_line_violation_fails_the_task_whatever_the_total(session, setup):
    world, assessment, (e1, e2, chief), registration = setup
    _pass_theory(session, world)
    submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks=marks(violated=True), now=NOW)
    submit_sheet(session, assessment=assessment, examiner_id=e2.id, marks=marks(), now=NOW)
    sign_off(session, assessment=assessment, actor_id=chief.id, now=NOW)
    assert assessment.failed_by_redline
    assert level_result(session, registration=registration).status == ResultStatus.FAILED


def test_an_unknown_item_names_itself(session, setup):
    _world, assessment, (e1, _e2, _chief), _reg = setup
    with pytest.raises(ValidationFailed) as exc:
        submit_sheet(session, assessment=assessment, examiner_id=e1.id, marks={**marks(), "angle": Decimal(25)},
                     now=NOW)
    assert exc.value.field == "angle"
