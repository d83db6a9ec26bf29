"""Exam definitions and paper generation (ahead of the session, so starting is a read and one write)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from exams.models import Exam, ExamSession, Paper, Registration, RegistrationStatus
from exams.rules.blueprint import Blueprint, BlueprintRow, PoolItem, ReviewPolicy, draw_paper, validate_blueprint
from lms.models import Question, QuestionBank, QuestionVersion


def blueprint_of(exam: Exam) -> Blueprint:
    rows = tuple(BlueprintRow(topic=r["topic"], kind=r.get("kind"), difficulty=r.get("difficulty"),
                              count=r["count"], points=Decimal(str(r["points"]))) for r in exam.blueprint)
    return Blueprint(rows=rows, duration_s=exam.duration_s, attempts_allowed=exam.attempts_allowed,
                     pass_mark=Decimal(exam.pass_mark), max_score=Decimal(exam.max_score),
                     shuffle_questions=exam.shuffle_questions, shuffle_options=exam.shuffle_options,
                     review=ReviewPolicy(exam.review_policy))


def question_pool(session: Session, course_id: int) -> list[PoolItem]:
    """Current versions of the course's platform questions, as the blueprint draws them."""
    rows = session.execute(
        select(Question.id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(QuestionBank, QuestionBank.id == Question.bank_id)
        .where(QuestionBank.course_id == course_id, QuestionBank.org_id.is_(None), Question.is_retired.is_(False))
        .add_columns(Question.topic)).all()
    pool = []
    for question_id, version, topic in rows:
        keys = tuple(version.spec.get("options", {}) or ())
        pool.append(PoolItem(question_id=question_id, version_id=version.id, topic=topic, kind=version.kind,
                             difficulty=version.difficulty, option_keys=keys))
    return pool


def create_exam(session: Session, *, org_id: int, course_id: int, title: str, level: str, blueprint: list[dict],
                duration_s: int, now: datetime, pass_mark: Decimal = Decimal(60), attempts_allowed: int = 1,
                review_policy: str = "score_only", shuffle: bool = True) -> Exam:
    """Refuses a blueprint the course's bank cannot fill, naming the short topic."""
    exam = Exam(org_id=org_id, course_id=course_id, title=title.strip(), level=level, duration_s=duration_s,
                pass_mark=pass_mark, max_score=Decimal(100), attempts_allowed=attempts_allowed,
                shuffle_questions=shuffle, shuffle_options=shuffle, review_policy=review_policy,
                blueprint=[dict(r) for r in blueprint], created_at=now)
    if not exam.title:
        raise ValidationFailed("invalid_title", "请填写考试名称。", "title")
    validate_blueprint(blueprint_of(exam), question_pool(session, course_id))
    session.add(exam)
    session.flush()
    return exam


def _paper_items(paper) -> list[dict]:
    return [{"q": item.version_id, "points": str(item.points),
             "options": list(item.option_order) if item.option_order else None} for item in paper.items]


def generate_papers(session: Session, *, exam_session: ExamSession, now: datetime) -> int:
    """Draw a paper for every registered candidate who has none yet (idempotent). Returns how many."""
    exam = session.get(Exam, exam_session.exam_id)
    blueprint = blueprint_of(exam)
    pool = question_pool(session, exam.course_id)
    missing = session.scalars(
        select(Registration).outerjoin(Paper, Paper.registration_id == Registration.id)
        .where(Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED,
               Paper.id.is_(None))).all()
    for registration in missing:
        seed = secrets.randbits(62)
        drawn = draw_paper(blueprint, pool, seed)
        session.add(Paper(registration_id=registration.id, seed=seed, items=_paper_items(drawn),
                          max_score=drawn.max_score, created_at=now))
    exam_session.papers_generated_at = exam_session.papers_generated_at or now
    session.flush()
    return len(missing)
