"""The invigilator's actions during a session, each logged as an incident and in the audit log.

- Pause: the session's clock stops for everyone; saves are still stored (``exams.attempts``). Resume moves
  the deadline of every attempt in progress by the pause length (``shift_for_pause``).
- Extra time for one candidate: added to the registration (so a later start gets it too) and to the
  deadline of the attempt in progress.
- Forced submission: the attempt is graded and closed as submitted by the invigilator.
- Notes: free text in the session's incident log.
The phones learn every change from their next poll or save (within 10 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.attempts import effective_deadline, log, submit_attempt
from exams.models import (
    Answer,
    Attempt,
    AttemptStatus,
    ExamSession,
    Incident,
    Paper,
    Registration,
    RegistrationStatus,
    SessionPause,
    SubmittedBy,
    VenueRoom,
)
from exams.rules.console import CandidateState, candidate_state
from exams.rules.timing import remaining_seconds, shift_for_pause

MAX_EXTRA_MINUTES = 120


def _locked_session(session: Session, exam_session_id: int) -> ExamSession:
    return session.scalar(select(ExamSession).where(ExamSession.id == exam_session_id).with_for_update()
                          .execution_options(populate_existing=True))


def _incident(session: Session, exam_session: ExamSession, kind: str, note: str, actor_id: int, now: datetime,
              registration_id: int | None = None) -> Incident:
    row = Incident(session_id=exam_session.id, registration_id=registration_id, kind=kind, note=note[:2000],
                   actor_id=actor_id, at=now)
    session.add(row)
    session.flush()
    audit.record(session, action=f"exam.{kind}", now=now, actor_id=actor_id, org_id=exam_session.org_id,
                 target=f"exam_session:{exam_session.id}",
                 details={"incident_id": row.id, "registration_id": registration_id})
    return row


def attempt_of(session: Session, registration: Registration) -> Attempt | None:
    return session.scalar(select(Attempt).join(Paper, Paper.id == Attempt.paper_id)
                          .where(Paper.registration_id == registration.id))


def pause_session(session: Session, *, exam_session: ExamSession, actor_id: int, reason: str,
                  now: datetime) -> ExamSession:
    """Stop the clock for everyone; 409 when already paused, 422 outside the session's day."""
    exam_session = _locked_session(session, exam_session.id)
    if exam_session.paused_at is not None:
        raise Conflict("already_paused", str(lazy("考试已处于暂停状态。")), None)
    if not reason.strip():
        raise ValidationFailed("reason_required", str(lazy("请填写暂停原因。")), "reason")
    if now < exam_session.starts_at - timedelta(hours=1):
        raise RuleViolated("not_started", str(lazy("考试尚未开始，无需暂停。")), None)
    exam_session.paused_at, exam_session.pause_reason = now, reason.strip()[:200]
    _incident(session, exam_session, "paused", reason.strip(), actor_id, now)
    return exam_session


def resume_session(session: Session, *, exam_session: ExamSession, actor_id: int, now: datetime) -> SessionPause:
    """Restart the clock: every attempt in progress gets the pause length added to its deadline."""
    exam_session = _locked_session(session, exam_session.id)
    if exam_session.paused_at is None:
        raise Conflict("not_paused", str(lazy("考试没有暂停。")), None)
    paused_at = exam_session.paused_at
    moved = 0
    ids = session.scalars(select(Attempt.id).where(Attempt.session_id == exam_session.id,
                                                   Attempt.status == AttemptStatus.IN_PROGRESS)).all()
    for attempt_id in ids:
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update()
                                 .execution_options(populate_existing=True))
        if attempt.status != AttemptStatus.IN_PROGRESS:
            continue
        new_deadline = shift_for_pause(attempt.deadline_at, paused_at, now)
        if new_deadline != attempt.deadline_at:
            log(session, attempt, "pause", now, details={"paused_at": paused_at.isoformat(),
                                                         "moved_s": int((new_deadline - attempt.deadline_at)
                                                                        .total_seconds())})
            attempt.deadline_at = new_deadline
            moved += 1
    # The window moves too, so a candidate who starts after the incident keeps the full time.
    exam_session.ends_at = shift_for_pause(exam_session.ends_at, paused_at, now)
    pause = SessionPause(session_id=exam_session.id, paused_at=paused_at, resumed_at=now,
                         reason=exam_session.pause_reason, attempts_moved=moved, actor_id=actor_id)
    session.add(pause)
    exam_session.paused_at, exam_session.pause_reason = None, ""
    _incident(session, exam_session, "resumed",
              str(lazy("暂停 %(s)s 秒，%(n)s 份答卷顺延。", s=int((now - paused_at).total_seconds()), n=moved)),
              actor_id, now)
    return pause


def grant_extra_time(session: Session, *, exam_session: ExamSession, registration: Registration, minutes: int,
                     reason: str, actor_id: int, now: datetime) -> Registration:
    """Add ``minutes`` (1–120) for one candidate: their window, and the deadline of their attempt in progress."""
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationFailed("invalid_minutes", str(lazy("延长时间应为1–120分钟。")), "minutes")
    if not reason.strip():
        raise ValidationFailed("reason_required", str(lazy("请填写延长原因。")), "reason")
    if registration.session_id != exam_session.id or registration.status != RegistrationStatus.REGISTERED:
        raise NotFound()
    attempt = attempt_of(session, registration)
    if attempt is not None:
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt.id).with_for_update()
                                 .execution_options(populate_existing=True))
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise RuleViolated("already_submitted", str(lazy("该考生已交卷。")), None)
        attempt.deadline_at = attempt.deadline_at + timedelta(minutes=minutes)
        log(session, attempt, "extra_time", now, details={"minutes": minutes})
    registration.extra_time_s += minutes * 60
    _incident(session, exam_session, "extra_time", str(lazy("延长 %(m)s 分钟：%(r)s", m=minutes, r=reason.strip())),
              actor_id, now, registration.id)
    return registration


def force_submit(session: Session, *, exam_session: ExamSession, attempt: Attempt, reason: str, actor_id: int,
                 now: datetime) -> Attempt:
    """Collect the paper now (idempotent on an attempt already submitted: 409)."""
    if attempt.session_id != exam_session.id:
        raise NotFound()
    if not reason.strip():
        raise ValidationFailed("reason_required", str(lazy("请填写收卷原因。")), "reason")
    if attempt.status == AttemptStatus.SUBMITTED:
        raise Conflict("already_submitted", str(lazy("该考生已交卷。")), None)
    attempt = submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.INVIGILATOR, now=now)
    registration = session.scalar(select(Registration).join(Paper, Paper.registration_id == Registration.id)
                                  .where(Paper.id == attempt.paper_id))
    _incident(session, exam_session, "force_submitted", reason.strip(), actor_id, now, registration.id)
    return attempt


def record_note(session: Session, *, exam_session: ExamSession, note: str, actor_id: int, now: datetime,
                registration: Registration | None = None) -> Incident:
    if not note.strip():
        raise ValidationFailed("note_required", str(lazy("请填写情况说明。")), "note")
    if registration is not None and registration.session_id != exam_session.id:
        raise NotFound()
    return _incident(session, exam_session, "note", note.strip(), actor_id, now,
                     registration.id if registration else None)


def incidents_of(session: Session, exam_session: ExamSession) -> list[tuple[Incident, User | None]]:
    return list(session.execute(select(Incident, User).outerjoin(User, User.id == Incident.actor_id)
                                .where(Incident.session_id == exam_session.id)
                                .order_by(Incident.at.desc(), Incident.id.desc())).tuples())


@dataclass(frozen=True)
class ConsoleRow:
    registration: Registration
    name: str
    room: str
    attempt: Attempt | None
    state: CandidateState
    remaining_s: int | None


def console_rows(session: Session, exam_session: ExamSession, *, now: datetime) -> list[ConsoleRow]:
    """Every registered candidate with their live status and remaining time, in seat order."""
    last_save = (select(func.max(Answer.saved_at)).where(Answer.attempt_id == Attempt.id)
                 .correlate(Attempt).scalar_subquery())
    rows = session.execute(
        select(Registration, User.name, VenueRoom.name, Attempt, last_save)
        .join(User, User.id == Registration.user_id)
        .outerjoin(VenueRoom, VenueRoom.id == Registration.room_id)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.session_id == exam_session.id, Registration.status == RegistrationStatus.REGISTERED)
        .order_by(VenueRoom.position, Registration.seat_no, Registration.id)).tuples().all()
    paused = exam_session.paused_at is not None
    out = []
    for registration, name, room, attempt, last_save_at in rows:
        state = candidate_state(checked_in=registration.checked_in_at is not None,
                                attempt_status=attempt.status if attempt else None,
                                started_at=attempt.started_at if attempt else None,
                                last_save_at=last_save_at, now=now, paused=paused)
        remaining = None
        if attempt is not None and attempt.status == AttemptStatus.IN_PROGRESS:
            remaining = remaining_seconds(effective_deadline(attempt.deadline_at, exam_session.paused_at, now), now)
        out.append(ConsoleRow(registration, name, room or "", attempt, state, remaining))
    return out
