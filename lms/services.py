"""Learning services: enrol, visit and complete lessons, submit practice quizzes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationFailed
from core.i18n import lazy
from core.models import User
from lms import queries
from lms.models import Course, Enrolment, Lesson, LessonCompletion, PracticeAttempt, QuestionVersion
from lms.questions.grading import grade
from lms.questions.responses import ResponseInvalid
from lms.questions.spec_dict import spec_from_dict
from lms.rules import percent

PRACTICE_SIZE = 5


def enrol(session: Session, *, user: User, course: Course, now: datetime) -> Enrolment:
    """Idempotent: enrolling twice returns the first enrolment."""
    existing = queries.enrolment_of(session, user.id, course.id)
    if existing:
        return existing
    enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=now)
    try:
        with session.begin_nested():
            session.add(enrolment)
            session.flush()
    except IntegrityError:  # a concurrent request enrolled first
        return queries.enrolment_of(session, user.id, course.id)
    return enrolment


def record_visit(session: Session, *, user: User, lesson: Lesson, now: datetime) -> None:
    """Remember the last lesson opened, so the course page can offer 'continue where I left off'."""
    course = session.get(Course, lesson.course_id)
    enrolment = enrol(session, user=user, course=course, now=now)
    if enrolment.last_lesson_id != lesson.id:
        enrolment.last_lesson_id = lesson.id
        session.flush()


def complete_lesson(session: Session, *, user: User, lesson: Lesson, now: datetime) -> LessonCompletion:
    """Idempotent: the first completion time is kept."""
    if lesson.is_retired:
        raise NotFound()
    course = session.get(Course, lesson.course_id)
    enrol(session, user=user, course=course, now=now)
    done = session.scalar(select(LessonCompletion).where(LessonCompletion.user_id == user.id,
                                                         LessonCompletion.lesson_id == lesson.id))
    if done is None:
        done = LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=now)
        try:
            with session.begin_nested():
                session.add(done)
                session.flush()
        except IntegrityError:
            done = session.scalar(select(LessonCompletion).where(LessonCompletion.user_id == user.id,
                                                                 LessonCompletion.lesson_id == lesson.id))
    _update_completion(session, user=user, course=course, now=now)
    return done


def draw_practice(session: Session, *, user: User, lesson: Lesson, attempt_no: int) -> list[QuestionVersion]:
    """A varied set for each attempt, reproducible from (user, lesson, attempt number)."""
    pool = queries.practice_pool(session, lesson)
    rng = random.Random(f"{user.id}:{lesson.id}:{attempt_no}")
    return rng.sample(pool, min(PRACTICE_SIZE, len(pool)))


@dataclass(frozen=True)
class PracticeFeedback:
    version: QuestionVersion
    response: object
    credit: Fraction


@dataclass(frozen=True)
class PracticeResult:
    attempt: PracticeAttempt
    feedback: list[PracticeFeedback]


def submit_practice(session: Session, *, user: User, lesson: Lesson, responses: dict[int, object],
                    now: datetime) -> PracticeResult:
    """Grade the shown questions (``{question_version_id: raw response}``); unanswered ones score 0."""
    if not responses:
        raise ValidationFailed("no_questions", str(lazy("没有收到任何题目。")), "responses")
    allowed = {v.id for v in queries.practice_pool(session, lesson)}
    versions = session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(list(responses)))).all()
    if len(versions) != len(responses) or any(v.id not in allowed for v in versions):
        raise ValidationFailed("unknown_question", str(lazy("题目不属于本节练习，请刷新页面。")), "responses")
    feedback = []
    for version in sorted(versions, key=lambda v: v.id):
        raw = responses[version.id]
        try:
            credit = grade(spec_from_dict(version.spec), raw)
        except ResponseInvalid as exc:
            raise ValidationFailed("response_invalid", str(exc), f"q{version.id}") from None
        feedback.append(PracticeFeedback(version, raw, credit))
    attempt = PracticeAttempt(user_id=user.id, lesson_id=lesson.id, percent=percent(f.credit for f in feedback),
                              answers={str(f.version.id): f.response for f in feedback}, created_at=now)
    session.add(attempt)
    session.flush()
    course = session.get(Course, lesson.course_id)
    enrol(session, user=user, course=course, now=now)
    _update_completion(session, user=user, course=course, now=now)
    return PracticeResult(attempt, feedback)


def _update_completion(session: Session, *, user: User, course: Course, now: datetime) -> None:
    enrolment = queries.enrolment_of(session, user.id, course.id)
    progress = queries.progress(session, user_id=user.id, course=course)
    if progress.is_complete and enrolment.completed_at is None:
        enrolment.completed_at = now
    session.flush()
