"""Key corrections with a dry run, and item analysis after an exam."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exams.analysis import analyse_session, pending_corrections, regrade
from exams.attempts import save_answer, start_attempt, submit_attempt
from exams.models import Attempt, AttemptEvent, Paper, SubmittedBy
from lms.content import load_all
from lms.models import Question, QuestionVersion
from lms.sync import sync_courses
from tests.exams.world import build_world
from tests.factories import NOW


def sit(session, world, answers_for):
    """Every candidate answers; ``answers_for(index, version)`` gives the response."""
    for index, user in enumerate(world.candidates):
        attempt = start_attempt(session, exam_session=world.exam_session, candidate=user, device_id="d",
                                now=NOW + timedelta(minutes=1)).attempt
        for seq, item in enumerate(session.get(Paper, attempt.paper_id).items, start=1):
            version = session.get(QuestionVersion, item["q"])
            save_answer(session, attempt_id=attempt.id, candidate=user, question_version_id=version.id,
                        response=answers_for(index, version), seq=seq, device_id="d",
                        now=NOW + timedelta(minutes=2), grace_s=60)
        submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=3))
    session.commit()


def fix_key(session, tmp_path, key="signals-0", new_answer="C"):
    """Correct one question's key in the content files and sync, as a course author would.

    The default is a ``signals`` question: the test blueprint draws every signals question, so it is on
    every paper (an ``angles`` one may be on none, and the test would depend on the draw).
    """
    path = tmp_path / "exambank" / "questions" / f"{key.rsplit('-', 1)[0]}.yaml"
    text = path.read_text(encoding="utf-8")
    head, _, tail = text.partition(f"  - id: {key}\n")
    block, sep, rest = tail.partition("  - id:")
    path.write_text(head + f"  - id: {key}\n" + block.replace("answer: B", f"answer: {new_answer}") + sep + rest,
                    encoding="utf-8")
    sync_courses(session, load_all(tmp_path), now=NOW + timedelta(hours=1), media_url=lambda s, n: "")
    session.commit()


def test_dry_run_shows_whose_score_changes_and_apply_changes_them(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=3)
    # candidate 0 answers C everywhere a single answer is asked, the others give the (wrong) key B
    sit(session, world, lambda i, v: ("C" if i == 0 else "B") if v.kind == "single" else v.spec["answer"])
    before = {a.id: a.percent for a in session.scalars(select(Attempt))}
    fix_key(session, tmp_path)
    corrections = pending_corrections(session, world.exam_session)
    assert [c.pinned.spec["answer"] for c in corrections] == ["B"]
    dry = regrade(session, exam_session=world.exam_session, corrections=corrections, actor_id=None,
                  now=NOW + timedelta(hours=2), dry_run=True)
    session.commit()
    assert {a.id: a.percent for a in session.scalars(select(Attempt))} == before  # nothing written
    pinned = corrections[0].pinned.id
    saw_it = {a.user_id for a in session.scalars(select(Attempt))
              if pinned in {i["q"] for i in session.get(Paper, a.paper_id).items}}
    assert {c.user_id for c in dry} == saw_it
    for change in dry:
        went_up = change.user_id == world.candidates[0].id
        assert (change.new_percent > change.old_percent) == went_up
    applied = regrade(session, exam_session=world.exam_session, corrections=corrections, actor_id=None,
                      now=NOW + timedelta(hours=2), dry_run=False)
    session.commit()
    assert [(c.attempt_id, c.new_percent) for c in applied] == [(c.attempt_id, c.new_percent) for c in dry]
    assert pending_corrections(session, world.exam_session) == []
    assert "regrade" in session.scalars(select(AttemptEvent.kind)).all()


def test_later_grading_keeps_the_correction(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=1)
    sit(session, world, lambda i, v: "C" if v.kind == "single" else v.spec["answer"])
    fix_key(session, tmp_path)
    regrade(session, exam_session=world.exam_session, corrections=pending_corrections(session, world.exam_session),
            actor_id=None, now=NOW, dry_run=False)
    from exams.attempts import grade_attempt

    attempt = session.scalars(select(Attempt)).one()
    _raw, pct = grade_attempt(session, attempt, write_credit=False)
    assert float(pct) == float(attempt.percent)


def test_item_analysis_reports_facility_discrimination_and_flags(session, cipher, tmp_path):
    world = build_world(session, cipher, tmp_path, candidates=6)
    # stronger candidates (higher index) get more right
    def answer(i, v):
        right = (hash(v.id) % 6) < i or v.kind != "single"
        return v.spec["answer"] if right else "A"

    sit(session, world, answer)
    result = analyse_session(session, world.exam_session)
    assert result.candidates == 6 and result.common_items >= 6
    assert result.reliability is not None
    by_kind = {s.version.kind for s in result.items}
    assert {"single", "multiple", "truefalse"} <= by_kind
    easy = [s for s in result.items if s.version.kind != "single"]
    assert all(s.stats.facility == 1.0 and "too_easy" in s.stats.flags for s in easy)
    single = next(s for s in result.items if s.version.kind == "single")
    assert single.stats.distractors is not None
    assert dict(single.stats.distractors.counts)["D"] == 0 and "D" in single.stats.distractors.unused


def test_question_ids_are_stable_across_versions(session, cipher, tmp_path):
    build_world(session, cipher, tmp_path)
    fix_key(session, tmp_path)
    question = session.scalar(select(Question).where(Question.key == "signals-0"))
    assert question.current.version == 2
