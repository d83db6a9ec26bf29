"""Read side of exams: what the phone, the candidate and the API see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.i18n import lazy
from core.models import Organisation, User
from exams.attempts import effective_deadline, paper_questions
from exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptStatus,
    Exam,
    ExamSession,
    Paper,
    PracticalAssessment,
    PracticalSheet,
    PracticalTask,
    Registration,
    RegistrationStatus,
    VenueRoom,
)
from exams.rules.blueprint import ReviewPolicy
from exams.rules.timing import remaining_seconds
from lms.models import QuestionVersion


def session_json(exam_session: ExamSession, taken: int) -> dict:
    return {"id": exam_session.id, "title": exam_session.title, "org_id": exam_session.org_id,
            "starts_at": exam_session.starts_at.isoformat(), "ends_at": exam_session.ends_at.isoformat(),
            "capacity": exam_session.capacity, "seats_left": max(0, exam_session.capacity - taken),
            "venue": getattr(exam_session, "venue_name", None)}


def own_attempt(session: Session, attempt_id: int, user: User) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound()
    return attempt


def saved_answers(session: Session, attempt: Attempt) -> dict[int, Answer]:
    return {a.question_version_id: a for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}


def attempt_clock(session: Session, attempt: Attempt, *, now: datetime) -> dict:
    """The attempt's clock as the phone polls it: remaining seconds (standing still while the session is
    paused), the paused flag, and a notice to show (pause, or a submission by the invigilator)."""
    return clock_view(attempt_id=attempt.id, status=attempt.status, deadline_at=attempt.deadline_at,
                      paused_at=session.get(ExamSession, attempt.session_id).paused_at, now=now)


def clock_view(*, attempt_id: int, status: str, deadline_at: datetime, paused_at: datetime | None,
               now: datetime) -> dict:
    """``attempt_clock`` from the attempt's columns (the poll reads them in one statement)."""
    in_progress = status == AttemptStatus.IN_PROGRESS
    paused = paused_at is not None and in_progress
    notice = ""
    if paused:
        notice = str(lazy("考试已暂停，计时已停止。答案仍会保存，请听从监考员安排。"))
    elif not in_progress:
        notice = str(lazy("已交卷，正在打开结果页…"))
    return {
        "attempt_id": attempt_id,
        "status": str(status),
        "remaining_s": remaining_seconds(effective_deadline(deadline_at, paused_at, now), now) if in_progress else 0,
        "paused": paused,
        "notice": notice,
        "deadline_at": deadline_at.isoformat(),
    }


def attempt_json(session: Session, attempt: Attempt, *, now: datetime, took_over: bool = False,
                 fresh: bool = False) -> dict:
    """The attempt as the phone loads it; ``fresh``: just started, so nothing is saved yet (no query)."""
    paper = session.get(Paper, attempt.paper_id)
    answers = {} if fresh else saved_answers(session, attempt)
    return {
        **attempt_clock(session, attempt, now=now),
        "took_over": took_over,
        "questions": paper_questions(session, paper),
        "answers": {str(q): {"response": a.response, "seq": a.seq} for q, a in answers.items()},
    }


def review_allows(exam: Exam, exam_session: ExamSession, now: datetime) -> tuple[bool, bool]:
    """(show score, show answers) under the exam's review policy."""
    policy = ReviewPolicy(exam.review_policy)
    if policy == ReviewPolicy.NONE:
        return False, False
    if policy == ReviewPolicy.SCORE_ONLY:
        return True, False
    if policy == ReviewPolicy.SCORE_AND_ANSWERS:
        return True, True
    closed = now >= exam_session.ends_at
    return closed, closed


def result_json(session: Session, attempt: Attempt, *, now: datetime) -> dict:
    exam_session = session.get(ExamSession, attempt.session_id)
    exam = session.get(Exam, exam_session.exam_id)
    show_score, _show_answers = review_allows(exam, exam_session, now)
    out = {"attempt_id": attempt.id, "status": attempt.status, "submitted": attempt.status == AttemptStatus.SUBMITTED}
    if show_score and attempt.status == AttemptStatus.SUBMITTED:
        out.update(score=float(attempt.percent), max_score=float(exam.max_score), passed=bool(attempt.passed))
    else:
        out.update(score=None, max_score=float(exam.max_score), passed=None)
    return out


def review_items(session: Session, attempt: Attempt) -> list[dict]:
    """Per question: stem, the candidate's response, the key, credit, explanation (for the result page)."""
    paper = session.get(Paper, attempt.paper_id)
    answers = saved_answers(session, attempt)
    versions = {v.id: v for v in session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_([i["q"] for i in paper.items])))}
    items = []
    for item in paper.items:
        version, answer = versions[item["q"]], answers.get(item["q"])
        items.append({"stem": version.spec["stem"], "options": version.spec.get("options") or {},
                      "response": answer.response if answer else None, "answer": version.spec["answer"],
                      "credit": answer.credit if answer else 0, "explanation": version.spec.get("explanation", ""),
                      "clause": version.clause, "points": item["points"], "kind": version.kind})
    return items


def attempt_log(session: Session, attempt_id: int) -> list[AttemptEvent]:
    return list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id)
                                .order_by(AttemptEvent.id)))


def session_with_org(session: Session, session_id: int) -> tuple[ExamSession, Organisation] | None:
    row = session.execute(select(ExamSession, Organisation).join(Organisation, Organisation.id == ExamSession.org_id)
                          .where(ExamSession.id == session_id)).first()
    return (row[0], row[1]) if row else None


def my_registrations(session: Session, user_id: int) -> list[tuple]:
    """(registration, session, exam, attempt or None) for the candidate's page, newest first."""
    from exams.models import Registration

    rows = session.execute(
        select(Registration, ExamSession, Exam, Attempt)
        .join(ExamSession, ExamSession.id == Registration.session_id)
        .join(Exam, Exam.id == ExamSession.exam_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.user_id == user_id).order_by(ExamSession.starts_at.desc())).all()
    return [tuple(r) for r in rows]


def session_attempts(session: Session, session_id: int) -> list[tuple]:
    """(registration, user, attempt or None) for every registered candidate of a session."""
    from exams.models import Registration

    return [tuple(r) for r in session.execute(
        select(Registration, User, Attempt).join(User, User.id == Registration.user_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.session_id == session_id).order_by(Registration.id)).all()]


def sheets_of(session: Session, assessment_id: int) -> list:
    from exams.models import PracticalSheet

    return list(session.scalars(select(PracticalSheet).where(PracticalSheet.assessment_id == assessment_id)
                                .order_by(PracticalSheet.id)))


def own_sheet(session: Session, assessment_id: int, examiner_id: int):
    from exams.models import PracticalSheet

    return session.scalar(select(PracticalSheet).where(PracticalSheet.assessment_id == assessment_id,
                                                       PracticalSheet.examiner_id == examiner_id))


def exams_of(session: Session, org_id: int) -> list[Exam]:
    return list(session.scalars(select(Exam).where(Exam.org_id == org_id).order_by(Exam.id.desc())))


def topics_by_course(session: Session) -> dict[str, list[tuple[str, int]]]:
    """Course title -> [(topic, questions)] so staff can write a blueprint the bank can fill."""
    from sqlalchemy import func

    from lms.models import Course, Question, QuestionBank

    rows = session.execute(
        select(Course.title, Question.topic, func.count(Question.id))
        .join(QuestionBank, QuestionBank.course_id == Course.id).join(Question, Question.bank_id == QuestionBank.id)
        .where(QuestionBank.org_id.is_(None), Question.is_retired.is_(False))
        .group_by(Course.title, Question.topic).order_by(Course.title, Question.topic)).all()
    out: dict[str, list[tuple[str, int]]] = {}
    for title, topic, n in rows:
        out.setdefault(title, []).append((topic, n))
    return out


@dataclass(frozen=True)
class PracticalLine:
    """One candidate on one practical task, as the examiners' board lists it."""

    registration: Registration
    name: str
    task: PracticalTask
    assessment: PracticalAssessment | None
    sheets: int
    has_my_sheet: bool


def practical_board(session: Session, exam_session: ExamSession, examiner_id: int) -> list[PracticalLine]:
    """Registered candidates (seat order) times the exam's practical tasks, with how far each scoring is."""
    tasks = session.scalars(select(PracticalTask).where(PracticalTask.exam_id == exam_session.exam_id)
                            .order_by(PracticalTask.id)).all()
    if not tasks:
        return []
    candidates = session.execute(
        select(Registration, User.name).join(User, User.id == Registration.user_id)
        .outerjoin(VenueRoom, VenueRoom.id == Registration.room_id)
        .where(Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED)
        .order_by(VenueRoom.position, Registration.seat_no, Registration.id)).tuples().all()
    in_session = (select(PracticalAssessment).join(Registration, Registration.id == PracticalAssessment.registration_id)
                  .where(Registration.session_id == exam_session.id))
    assessments = {(a.registration_id, a.task_id): a for a in session.scalars(in_session)}
    ids = [a.id for a in assessments.values()]
    sheets = dict(session.execute(select(PracticalSheet.assessment_id, func.count(PracticalSheet.id))
                                  .where(PracticalSheet.assessment_id.in_(ids))
                                  .group_by(PracticalSheet.assessment_id)).tuples().all())
    mine = set(session.scalars(select(PracticalSheet.assessment_id).where(
        PracticalSheet.assessment_id.in_(ids), PracticalSheet.examiner_id == examiner_id)))
    lines = []
    for registration, name in candidates:
        for task in tasks:
            found = assessments.get((registration.id, task.id))
            lines.append(PracticalLine(registration, name, task, found, sheets.get(found.id, 0) if found else 0,
                                       found is not None and found.id in mine))
    return lines
