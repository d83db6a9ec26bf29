"""Read side of learning: catalogue, outlines, progress, practice pools."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.models import (
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    PracticeAttempt,
    Question,
    QuestionBank,
    QuestionVersion,
)
from lms.rules import is_course_complete, practice_average


def catalogue(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).order_by(Course.id)))


def course_by_slug(session: Session, slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug))


def lesson_by_slug(session: Session, course: Course, slug: str) -> Lesson | None:
    return session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug,
                                               Lesson.is_retired.is_(False)))


def enrolment_of(session: Session, user_id: int, course_id: int) -> Enrolment | None:
    return session.scalar(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id))


def completed_lesson_ids(session: Session, user_id: int, course_id: int) -> set[int]:
    return set(session.scalars(
        select(LessonCompletion.lesson_id).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(LessonCompletion.user_id == user_id, Lesson.course_id == course_id)))


def best_practice(session: Session, user_id: int, course_id: int) -> dict[int, Decimal]:
    rows = session.execute(
        select(PracticeAttempt.lesson_id, func.max(PracticeAttempt.percent))
        .join(Lesson, Lesson.id == PracticeAttempt.lesson_id)
        .where(PracticeAttempt.user_id == user_id, Lesson.course_id == course_id)
        .group_by(PracticeAttempt.lesson_id))
    return {lesson_id: Decimal(best) for lesson_id, best in rows}


def practice_attempt_count(session: Session, user_id: int, lesson_id: int) -> int:
    return session.scalar(select(func.count(PracticeAttempt.id)).where(
        PracticeAttempt.user_id == user_id, PracticeAttempt.lesson_id == lesson_id)) or 0


@dataclass(frozen=True)
class Progress:
    completed_lessons: int
    total_lessons: int
    practice_score: Decimal
    is_complete: bool
    completed_ids: frozenset[int]
    best_by_lesson: dict[int, Decimal]

    def as_json(self) -> dict:
        return {"completed_lessons": self.completed_lessons, "total_lessons": self.total_lessons,
                "practice_score": float(self.practice_score), "is_complete": self.is_complete}


def progress(session: Session, *, user_id: int, course: Course) -> Progress:
    lesson_ids = [ls.id for ls in course.lessons]
    done = completed_lesson_ids(session, user_id, course.id) & set(lesson_ids)
    best = best_practice(session, user_id, course.id)
    avg = practice_average(best, lesson_ids)
    complete = is_course_complete(completed_lessons=len(done), total_lessons=len(lesson_ids), practice_avg=avg,
                                  pass_percent=course.practice_pass_percent)
    return Progress(len(done), len(lesson_ids), avg, complete, frozenset(done), best)


def has_completed_course(session: Session, *, user_id: int, course_id: int) -> bool:
    """Eligibility input for exams: the enrolment was marked complete by the completion rule."""
    found = session.scalar(select(Enrolment.id).where(
        Enrolment.user_id == user_id, Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None)))
    return found is not None


def practice_pool(session: Session, lesson: Lesson) -> list[QuestionVersion]:
    """Current versions of the platform questions written for this lesson (or its topic)."""
    topic = lesson.current.topic if lesson.current else ""
    query = (select(QuestionVersion)
             .join(Question, Question.current_version_id == QuestionVersion.id)
             .join(QuestionBank, QuestionBank.id == Question.bank_id)
             .where(QuestionBank.course_id == lesson.course_id, QuestionBank.org_id.is_(None),
                    Question.is_retired.is_(False))
             .where((Question.lesson_slug == lesson.slug) | ((Question.topic == topic) & (Question.lesson_slug == "")))
             .order_by(QuestionVersion.id))
    return list(session.scalars(query))


def my_courses(session: Session, user_id: int) -> list[tuple[Enrolment, Course]]:
    return list(session.execute(
        select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id).order_by(Enrolment.enrolled_at.desc())).tuples())
