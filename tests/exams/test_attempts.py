"""The exam reliability protocol (DESIGN.md §6) against a real database."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import make_session_factory, transaction
from core.errors import NotFound, RuleViolated, ValidationFailed
from exams.attempts import paper_questions, save_answer, start_attempt, submit_attempt, sweep_overdue
from exams.models import Answer, Attempt, AttemptEvent, Paper, SubmittedBy
from tests.exams.world import build_world
from tests.factories import NOW

GRACE = 60


def start(session, world, user=None, device="phone-1", now=NOW + timedelta(minutes=1)):
    started = start_attempt(session, exam_session=world.exam_session, candidate=user or world.candidates[0],
                            device_id=device, now=now)
    session.commit()
    return started.attempt


def first_question(session, attempt):
    return session.get(Paper, attempt.paper_id).items[0]["q"]


def save(session, attempt, user, qid, response, seq, now=NOW + timedelta(minutes=2), device="phone-1"):
    result = save_answer(session, attempt_id=attempt.id, candidate=user, question_version_id=qid, response=response,
                         seq=seq, device_id=device, now=now, grace_s=GRACE)
    session.commit()
    return result


def stored(session, attempt, qid):
    session.rollback()  # end the read snapshot (SQLite WAL) and expire
    return session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.question_version_id == qid))


def test_start_fixes_the_deadline_from_duration_and_window(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, duration_s=1800, window_s=3600)
    attempt = start(session, world, now=NOW + timedelta(minutes=50))
    assert attempt.deadline_at == NOW + timedelta(hours=1)  # the window ends first


def test_starting_is_refused_before_the_session_opens(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    with pytest.raises(RuleViolated) as exc:
        start(session, world, now=NOW - timedelta(minutes=1))
    assert exc.value.code == "not_open"


def test_paper_questions_hide_the_keys_and_follow_the_option_order(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    attempt = start(session, world)
    paper = session.get(Paper, attempt.paper_id)
    shown = paper_questions(session, paper)
    assert len(shown) == 10 and all("answer" not in q for q in shown)
    for item, question in zip(paper.items, shown, strict=True):
        if item["options"]:
            assert [o["key"] for o in question["options"]] == item["options"]


def test_resume_keeps_the_same_paper_and_deadline(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    first = start(session, world)
    again = start(session, world, now=NOW + timedelta(minutes=9))
    assert again.id == first.id and again.deadline_at == first.deadline_at


def test_answers_replayed_out_of_order_and_twice_keep_the_newest(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    user = world.candidates[0]
    attempt = start(session, world)
    qid = first_question(session, attempt)
    kind_answers = {"single": ["A", "C", "B"], "multiple": [["A"], ["B"], ["A", "C"]], "truefalse": [False, True, True]}
    version_kind = paper_questions(session, session.get(Paper, attempt.paper_id))[0]["kind"]
    a1, a2, a3 = kind_answers[version_kind]
    assert save(session, attempt, user, qid, a3, 3).applied
    late = save(session, attempt, user, qid, a1, 1)
    assert (late.applied, late.seq) == (False, 1)  # acknowledged, not applied
    dup = save(session, attempt, user, qid, a3, 3)
    assert (dup.applied, dup.seq) == (False, 3)
    save(session, attempt, user, qid, a2, 2)
    row = stored(session, attempt, qid)
    assert (row.seq, row.response) == (3, a3)


def test_every_reply_carries_the_server_remaining_seconds(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, duration_s=1800)
    attempt = start(session, world, now=NOW)
    result = save(session, attempt, world.candidates[0], first_question(session, attempt), None, 1,
                  now=NOW + timedelta(minutes=10))
    assert result.remaining_s == 20 * 60


def test_an_answer_after_deadline_and_grace_is_logged_not_applied(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, duration_s=600)
    user = world.candidates[0]
    attempt = start(session, world, now=NOW)
    qid = first_question(session, attempt)
    in_grace = save(session, attempt, user, qid, None, 1, now=NOW + timedelta(seconds=600 + GRACE))
    assert in_grace.applied
    late = save(session, attempt, user, qid, None, 2, now=NOW + timedelta(seconds=600 + GRACE + 1))
    assert late.closed and not late.applied
    assert stored(session, attempt, qid).seq == 1
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "save_late" in kinds


def test_a_response_of_the_wrong_shape_is_422_on_response(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    attempt = start(session, world)
    with pytest.raises(ValidationFailed) as exc:
        save(session, attempt, world.candidates[0], first_question(session, attempt), {"x": 1}, 1)
    assert exc.value.field == "response"


def test_another_candidates_attempt_is_not_found(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=2)
    attempt = start(session, world)
    with pytest.raises(NotFound):
        save(session, attempt, world.candidates[1], first_question(session, attempt), None, 1)


def test_a_second_device_takes_over_and_the_old_one_is_told(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    user = world.candidates[0]
    attempt = start(session, world, device="phone-1")
    qid = first_question(session, attempt)
    save(session, attempt, user, qid, None, 1, device="phone-1")
    taken = start_attempt(session, exam_session=world.exam_session, candidate=user, device_id="tablet-2",
                          now=NOW + timedelta(minutes=3))
    session.commit()
    assert taken.took_over and taken.attempt.deadline_at == attempt.deadline_at
    old = save(session, attempt, user, qid, None, 2, device="phone-1")
    assert old.superseded and not old.applied
    assert save(session, attempt, user, qid, None, 3, device="tablet-2").applied
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "device_change" in kinds and "save_old_device" in kinds


def test_submitting_twice_returns_the_same_result(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    attempt = start(session, world)
    first = submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=5))
    session.commit()
    score = first.score
    second = submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=6))
    assert second.score == score and second.submitted_at == NOW + timedelta(minutes=5)


def _key_of(session, qid):
    from lms.models import QuestionVersion

    return session.get(QuestionVersion, qid).spec["answer"]


def test_grading_uses_stored_answers_and_pinned_versions(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path)
    user = world.candidates[0]
    attempt = start(session, world)
    items = session.get(Paper, attempt.paper_id).items
    for seq, item in enumerate(items[:5], start=1):
        save(session, attempt, user, item["q"], _key_of(session, item["q"]), seq)
    result = submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=5))
    assert result.percent == 50 and result.passed is False


def test_the_sweeper_submits_overdue_attempts_even_with_no_phone(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=3, duration_s=600)
    for user in world.candidates:
        start(session, world, user=user, now=NOW)
    assert sweep_overdue(session, now=NOW + timedelta(seconds=600 + GRACE), grace_s=GRACE) == 0
    assert sweep_overdue(session, now=NOW + timedelta(seconds=600 + GRACE + 30), grace_s=GRACE) == 3
    session.commit()
    assert sweep_overdue(session, now=NOW + timedelta(seconds=700 + GRACE), grace_s=GRACE) == 0
    assert {a.submitted_by for a in session.scalars(select(Attempt))} == {"sweeper"}


def test_a_save_racing_the_sweeper_is_either_applied_before_it_or_logged_after(engine, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, duration_s=600)
    user = world.candidates[0]
    attempt = start(session, world, now=NOW)
    qid = first_question(session, attempt)
    factory = make_session_factory(engine)
    now = NOW + timedelta(seconds=600 + GRACE)  # the last instant a save is accepted
    results = {}
    barrier = threading.Barrier(2)

    def saver():
        barrier.wait()
        with factory() as s, transaction(s):
            results["save"] = save_answer(s, attempt_id=attempt.id, candidate=s.get(type(user), user.id),
                                          question_version_id=qid, response=_key_of(s, qid), seq=1,
                                          device_id="phone-1", now=now, grace_s=GRACE)

    def sweeper():
        barrier.wait()
        with factory() as s, transaction(s):
            results["swept"] = sweep_overdue(s, now=now + timedelta(seconds=1), grace_s=GRACE)

    threads = [threading.Thread(target=saver), threading.Thread(target=sweeper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.rollback()  # end the read snapshot (SQLite WAL) and expire
    final = session.get(Attempt, attempt.id)
    answer = stored(session, attempt, qid)
    if results["save"].applied:
        assert answer is not None and final.score == 10  # graded with the saved answer
    else:
        assert answer is None and results["save"].closed


def test_fifty_candidates_saving_at_once_lose_no_acknowledged_answer(engine, session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=50)
    attempts = [start(session, world, user=u) for u in world.candidates]
    plans = []
    for attempt in attempts:
        paper = session.get(Paper, attempt.paper_id)
        plans.append((attempt.id, attempt.user_id, [i["q"] for i in paper.items]))
    factory = make_session_factory(engine)
    acked: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def candidate_batch(batch):
        barrier.wait()
        rng = random.Random(batch[0][0])
        for attempt_id, user_id, qids in batch:
            for seq, qid in enumerate(rng.sample(qids, 5), start=1):
                with factory() as s, transaction(s):
                    from core.models import User

                    result = save_answer(s, attempt_id=attempt_id, candidate=s.get(User, user_id),
                                         question_version_id=qid, response=None, seq=seq, device_id="phone-1",
                                         now=NOW + timedelta(minutes=3), grace_s=GRACE)
                if result.applied:
                    with lock:
                        acked.append((attempt_id, qid, seq))

    batches = [plans[i::10] for i in range(10)]
    threads = [threading.Thread(target=candidate_batch, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acked) == 250
    session.rollback()  # end the read snapshot (SQLite WAL) and expire
    have = {(a.attempt_id, a.question_version_id): a.seq for a in session.scalars(select(Answer))}
    missing = [(a, q, s, have.get((a, q))) for a, q, s in acked if have.get((a, q)) != s]
    assert not missing


def test_a_submission_racing_an_autosave_grades_exactly_what_was_acknowledged(engine, session, cipher, tmp_path):
    from core.models import User

    world = build_world(session, cipher, tmp_path)
    user = world.candidates[0]
    attempt = start(session, world, now=NOW)
    qid = first_question(session, attempt)
    factory = make_session_factory(engine)
    results = {}
    barrier = threading.Barrier(2)

    def saver():
        barrier.wait()
        with factory() as s, transaction(s):
            results["save"] = save_answer(s, attempt_id=attempt.id, candidate=s.get(User, user.id),
                                          question_version_id=qid, response=_key_of(s, qid), seq=1,
                                          device_id="phone-1", now=NOW + timedelta(minutes=5), grace_s=GRACE)

    def submitter():
        barrier.wait()
        with factory() as s, transaction(s):
            submit_attempt(s, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=5),
                           candidate=s.get(User, user.id))

    threads = [threading.Thread(target=saver), threading.Thread(target=submitter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.rollback()
    session.expire_all()
    final = session.get(Attempt, attempt.id)
    if results["save"].applied:
        assert final.score == 10
    else:
        assert results["save"].closed and final.score == 0 and stored(session, attempt, qid) is None
