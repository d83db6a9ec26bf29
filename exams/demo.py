"""Demo exam day for ``flask demo seed``: a worker who finished the hoisting course, an exam, two sessions.

Uses the real services (lesson completion and practice quizzes answered correctly), so the demo worker is
eligible for the same reasons a real one would be. Idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crypto import PiiCipher
from core.models import Organisation, OrgKind, User
from exams.models import Exam, ExamSession
from exams.papers import create_exam, generate_papers, question_pool
from exams.sessions import create_session, register
from lms import queries as lms_queries
from lms import services as lms_services
from lms.questions.spec_dict import full_credit_response

DEMO_EXAM = "预制构件吊装作业（五级）理论考试"


def _finish_course(session: Session, user: User, course, now: datetime) -> None:
    for lesson in course.lessons:
        lms_services.complete_lesson(session, user=user, lesson=lesson, now=now)
        shown = lms_services.draw_practice(session, user=user, lesson=lesson, attempt_no=0)
        if shown:
            lms_services.submit_practice(session, user=user, lesson=lesson,
                                         responses={v.id: full_credit_response(v.spec) for v in shown}, now=now)


def _blueprint(session: Session, course_id: int) -> list[dict]:
    """Up to 50 questions at 2 points, spread over the bank's topics in proportion to their size."""
    by_topic: dict[str, int] = {}
    for item in question_pool(session, course_id):
        by_topic[item.topic] = by_topic.get(item.topic, 0) + 1
    total, rows, left = sum(by_topic.values()), [], 50
    for n, (topic, size) in enumerate(sorted(by_topic.items())):
        count = left if n == len(by_topic) - 1 else min(size, max(1, round(50 * size / total)))
        count = min(count, size, left)
        if count:
            rows.append({"topic": topic, "count": count, "points": "2"})
            left -= count
    return rows


def seed_demo(session: Session, *, cipher: PiiCipher, now: datetime, workers: list[User]) -> list[str]:
    course = lms_queries.course_by_slug(session, "hoisting")
    base = session.scalar(select(Organisation).where(Organisation.kind == OrgKind.TRAINING_BASE)
                          .order_by(Organisation.id))
    if course is None or base is None or not workers:
        return ["demo exam skipped: run `flask content sync` first"]
    exam = session.scalar(select(Exam).where(Exam.title == DEMO_EXAM))
    if exam is None:
        rows = _blueprint(session, course.id)
        if sum(r["count"] for r in rows) != 50:
            return ["demo exam skipped: the hoisting bank has fewer than 50 questions"]
        exam = create_exam(session, org_id=base.id, course_id=course.id, title=DEMO_EXAM, level="五级/初级工",
                           blueprint=rows, duration_s=90 * 60, now=now, review_policy="score_and_answers")
    sessions = list(session.scalars(select(ExamSession).where(ExamSession.exam_id == exam.id)))
    if not sessions:
        hour = now.replace(minute=0, second=0, microsecond=0)
        today = create_session(session, exam=exam, starts_at=hour - timedelta(hours=1),
                               ends_at=hour + timedelta(hours=6), capacity=30, now=now, title=DEMO_EXAM + "（今日场）",
                               registration_closes_at=hour + timedelta(hours=5))
        week = hour + timedelta(days=7)
        later = create_session(session, exam=exam, starts_at=week, ends_at=week + timedelta(hours=2), capacity=30,
                               now=now, title=DEMO_EXAM + "（下周场）")
        sessions = [today, later]
        for user in workers:
            if not lms_queries.has_completed_course(session, user_id=user.id, course_id=course.id):
                _finish_course(session, user, course, now)
        register(session, exam_session_id=sessions[0].id, candidate=workers[0], now=now)
        generate_papers(session, exam_session=sessions[0], now=now)
    return [f"demo exam: {exam.title}, sessions {[s.id for s in sessions]}; {workers[0].name} may start today"]
