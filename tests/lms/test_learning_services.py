"""Learning services on a real database: enrolment, completion, the completion rule, practice grading."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from core.errors import ValidationFailed
from lms import queries, services
from lms.models import Enrolment, LessonCompletion, PracticeAttempt
from tests.factories import NOW, make_worker
from tests.lms.content_factory import build_course, lesson


@pytest.fixture
def course(session, tmp_path):
    return build_course(session, tmp_path)


@pytest.fixture
def worker(session, cipher):
    return make_worker(session, cipher)


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _correct(versions):
    return {v.id: v.spec["answer"] for v in versions}


def _enrolment(session, worker, course):
    return queries.enrolment_of(session, worker.id, course.id)


def _record_best(session, worker, course, percent: str):
    for ls in course.lessons:
        session.add(PracticeAttempt(user_id=worker.id, lesson_id=ls.id, percent=Decimal(percent), answers={},
                                    created_at=NOW))
    session.flush()


def _complete_all(session, worker, course):
    for ls in course.lessons:
        services.complete_lesson(session, user=worker, lesson=ls, now=NOW)


def test_enrolling_twice_returns_the_first_enrolment(session, course, worker):
    first = services.enrol(session, user=worker, course=course, now=NOW)
    again = services.enrol(session, user=worker, course=course, now=NOW + timedelta(days=1))
    assert again.id == first.id and again.enrolled_at == NOW
    assert _count(session, Enrolment) == 1


def test_completing_a_lesson_twice_keeps_the_first_time_and_one_row(session, course, worker):
    first = services.complete_lesson(session, user=worker, lesson=lesson(course, 1), now=NOW)
    again = services.complete_lesson(session, user=worker, lesson=lesson(course, 1), now=NOW + timedelta(hours=1))
    assert again.id == first.id and again.completed_at == NOW
    assert _count(session, LessonCompletion) == 1


def test_completing_a_lesson_enrols_in_its_course(session, course, worker):
    services.complete_lesson(session, user=worker, lesson=lesson(course, 2), now=NOW)
    assert _enrolment(session, worker, course) is not None


def test_visiting_a_lesson_enrols_and_remembers_it(session, course, worker):
    services.record_visit(session, user=worker, lesson=lesson(course, 2), now=NOW)
    assert _enrolment(session, worker, course).last_lesson_id == lesson(course, 2).id


def test_all_lessons_and_practice_average_80_completes_the_course(session, course, worker):
    _record_best(session, worker, course, "80.00")
    _complete_all(session, worker, course)
    assert _enrolment(session, worker, course).completed_at == NOW
    assert queries.has_completed_course(session, user_id=worker.id, course_id=course.id)


def test_practice_average_79_99_does_not_complete_the_course(session, course, worker):
    _record_best(session, worker, course, "79.99")
    _complete_all(session, worker, course)
    assert _enrolment(session, worker, course).completed_at is None


def test_full_marks_without_every_lesson_read_does_not_complete_the_course(session, course, worker):
    _record_best(session, worker, course, "100")
    services.complete_lesson(session, user=worker, lesson=lesson(course, 1), now=NOW)
    assert _enrolment(session, worker, course).completed_at is None


def test_the_last_practice_that_lifts_the_average_completes_the_course(session, course, worker):
    _complete_all(session, worker, course)
    for n in (1, 2, 3):
        versions = services.draw_practice(session, user=worker, lesson=lesson(course, n), attempt_no=0)
        services.submit_practice(session, user=worker, lesson=lesson(course, n), responses=_correct(versions),
                                 now=NOW + timedelta(minutes=n))
    assert _enrolment(session, worker, course).completed_at == NOW + timedelta(minutes=3)


def test_practice_grades_partial_picks_wrong_and_unanswered_questions(session, course, worker):
    versions = {v.kind: v for v in services.draw_practice(session, user=worker, lesson=lesson(course, 1),
                                                          attempt_no=0)}
    responses = {versions["multiple"].id: ["A"], versions["single"].id: "A", versions["truefalse"].id: None}
    result = services.submit_practice(session, user=worker, lesson=lesson(course, 1), responses=responses, now=NOW)
    credits = {f.version.kind: f.credit for f in result.feedback}
    assert credits == {"multiple": Fraction(1, 2), "single": 0, "truefalse": 0}
    assert result.attempt.percent == Decimal("16.67")


def test_the_practice_score_is_the_best_attempt(session, course, worker):
    versions = services.draw_practice(session, user=worker, lesson=lesson(course, 1), attempt_no=0)
    services.submit_practice(session, user=worker, lesson=lesson(course, 1), responses=_correct(versions), now=NOW)
    services.submit_practice(session, user=worker, lesson=lesson(course, 1),
                             responses={v.id: None for v in versions}, now=NOW)
    progress = queries.progress(session, user_id=worker.id, course=course)
    assert progress.best_by_lesson[lesson(course, 1).id] == Decimal("100.00")
    assert progress.practice_score == Decimal("33.33")


def test_a_question_version_from_another_lesson_is_refused(session, course, worker):
    other = services.draw_practice(session, user=worker, lesson=lesson(course, 2), attempt_no=0)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_practice(session, user=worker, lesson=lesson(course, 1), responses=_correct(other), now=NOW)
    assert exc.value.code == "unknown_question"
    assert _count(session, PracticeAttempt) == 0


def test_a_malformed_response_names_the_question(session, course, worker):
    single = next(v for v in services.draw_practice(session, user=worker, lesson=lesson(course, 1), attempt_no=0)
                  if v.kind == "single")
    with pytest.raises(ValidationFailed) as exc:
        services.submit_practice(session, user=worker, lesson=lesson(course, 1), responses={single.id: "Z"}, now=NOW)
    assert exc.value.field == f"q{single.id}"


def test_the_practice_draw_is_reproducible_per_attempt_and_stays_in_the_lesson(session, course, worker):
    one = services.draw_practice(session, user=worker, lesson=lesson(course, 1), attempt_no=0)
    again = services.draw_practice(session, user=worker, lesson=lesson(course, 1), attempt_no=0)
    assert [v.id for v in one] == [v.id for v in again]
    assert {v.spec["stem"][:3] for v in one} == {"第1课"}
