"""Timed attempts under the reliability protocol of DESIGN.md §6.

- The server owns the deadline, fixed at start; every reply carries the remaining seconds.
- A save applies only when its per-attempt sequence number is newer than the stored one; an older or
  repeated one is acknowledged and ignored. Saves and submission of one attempt serialise on the attempt
  row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writer lock), so a save never races the sweeper.
- After deadline + grace a save is kept in the attempt log, not applied. Submitting twice returns the
  same result; the sweeper submits overdue attempts even when no phone ever comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import NotFound, RuleViolated, Unauthorized, ValidationFailed
from core.i18n import lazy
from core.memo import BoundedCache
from core.models import User
from exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptStatus,
    Exam,
    ExamSession,
    Paper,
    Registration,
    RegistrationStatus,
    Regrade,
    SubmittedBy,
)
from exams.papers import generate_papers
from exams.rules.scoring import passed, score_paper
from exams.rules.timing import accepts_answer, deadline_for, is_overdue, remaining_seconds, shift_for_pause
from lms.models import QuestionVersion
from lms.questions.grading import grade
from lms.questions.responses import ResponseInvalid, normalize_response
from lms.questions.spec_dict import spec_from_dict


def log(session: Session, attempt: Attempt, kind: str, now: datetime, *, question_version_id: int | None = None,
        seq: int | None = None, device_id: str = "", details: dict | None = None) -> None:
    session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind=kind, question_version_id=question_version_id,
                             seq=seq, device_id=device_id[:64], details=details or {}))


def effective_deadline(deadline_at: datetime, paused_at: datetime | None, now: datetime) -> datetime:
    """The deadline as it stands now: while the session is paused, it moves with the clock (the countdown
    stands still); ``exams.invigilation.resume_session`` makes the move permanent."""
    if paused_at is None or now < paused_at:
        return deadline_at
    return shift_for_pause(deadline_at, paused_at, now)


def _locked(session: Session, attempt_id: int) -> Attempt | None:
    return session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())


# Papers and question versions are never updated or deleted, so their ids name one content for good.
_paper_ids: BoundedCache[frozenset[int]] = BoundedCache(20_000)
_version_specs: BoundedCache[dict] = BoundedCache(20_000)


def clear_caches() -> None:
    """For tests that empty the tables between cases (ids are reused there, never in production)."""
    _paper_ids.clear()
    _version_specs.clear()


def paper_question_ids(session: Session, paper_id: int) -> frozenset[int]:
    return _paper_ids.get(paper_id, lambda: frozenset(i["q"] for i in session.get(Paper, paper_id).items))


def version_spec(session: Session, version_id: int) -> dict:
    return _version_specs.get(version_id, lambda: session.get(QuestionVersion, version_id).spec)


def version_specs(session: Session, version_ids: list[int]) -> dict[int, dict]:
    """Specs of many versions: cached ones from the cache, the rest in one query (then cached)."""
    found = {i: spec for i in version_ids if (spec := _version_specs.peek(i)) is not None}
    missing = [i for i in version_ids if i not in found]
    if missing:
        for version_id, spec in session.execute(select(QuestionVersion.id, QuestionVersion.spec)
                                                .where(QuestionVersion.id.in_(missing))):
            found[version_id] = _version_specs.get(version_id, lambda spec=spec: spec)
    return found


def paper_questions(session: Session, paper: Paper) -> list[dict]:
    """The questions as the phone shows them: paper order, option order, no keys."""
    specs = version_specs(session, [i["q"] for i in paper.items])
    out = []
    for item in paper.items:
        spec = specs[item["q"]]
        options = spec.get("options") or {}
        order = item["options"] or list(options)
        out.append({"id": item["q"], "kind": spec["kind"], "stem": spec["stem"], "points": item["points"],
                    "options": [{"key": k, "text": options[k]} for k in order]})
    return out


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    resumed: bool
    took_over: bool


def registration_entry(session: Session, exam_session_id: int, user_id: int) -> tuple[Registration, Paper | None,
                                                                                    Attempt | None]:
    """The candidate's registration, its paper and any attempt, in one statement (1,000 phones press start in
    the same minute); 404 when they are not registered."""
    found = session.execute(
        select(Registration, Paper, Attempt)
        .outerjoin(Paper, Paper.registration_id == Registration.id)
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Registration.session_id == exam_session_id, Registration.user_id == user_id,
               Registration.status == RegistrationStatus.REGISTERED)).first()
    if found is None:
        raise NotFound(str(lazy("您没有报名这场考试。")))
    return tuple(found)


def start_attempt(session: Session, *, exam_session: ExamSession, candidate: User, device_id: str,
                  now: datetime, entry: tuple | None = None) -> Started:
    """Start, or resume with the same paper and deadline; a new device takes over from the old one.
    ``entry``: ``registration_entry``'s answer when the caller has it already."""
    registration, paper, existing = entry or registration_entry(session, exam_session.id, candidate.id)
    if existing is not None:
        return _resume(session, existing, device_id, now)
    if now < exam_session.starts_at:
        raise RuleViolated("not_open", str(lazy("考试尚未开始。")))
    if exam_session.paused_at is not None:
        raise RuleViolated("paused", str(lazy("考试已暂停，请听从监考员安排。")))
    if now >= exam_session.ends_at + timedelta(seconds=registration.extra_time_s):
        raise RuleViolated("closed", str(lazy("考试时间已结束。")))
    if paper is None:  # papers are made ahead of time; this is the safety net, not the plan
        generate_papers(session, exam_session=exam_session, now=now)
        paper = session.scalar(select(Paper).where(Paper.registration_id == registration.id))
    exam = session.get(Exam, exam_session.exam_id)
    attempt = Attempt(paper_id=paper.id, session_id=exam_session.id, user_id=candidate.id, started_at=now,
                      deadline_at=deadline_for(now, exam.duration_s, exam_session.ends_at, registration.extra_time_s),
                      device_id=device_id[:64], status=AttemptStatus.IN_PROGRESS)
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:  # the same candidate pressed start twice at once
        return _resume(session, session.scalar(select(Attempt).where(Attempt.paper_id == paper.id)), device_id, now)
    log(session, attempt, "start", now, device_id=device_id)
    session.flush()
    return Started(attempt, resumed=False, took_over=False)


def _resume(session: Session, attempt: Attempt, device_id: str, now: datetime) -> Started:
    took_over = bool(device_id) and device_id[:64] != attempt.device_id and attempt.status == AttemptStatus.IN_PROGRESS
    if took_over:
        log(session, attempt, "device_change", now, device_id=device_id, details={"from": attempt.device_id})
        attempt.device_id = device_id[:64]
    else:
        log(session, attempt, "resume", now, device_id=device_id)
    session.flush()
    return Started(attempt, resumed=True, took_over=took_over)


@dataclass(frozen=True)
class SaveResult:
    seq: int
    applied: bool
    remaining_s: int
    closed: bool = False
    superseded: bool = False  # this device was replaced by another one: not applied, logged
    paused: bool = False  # the session is paused: the answer is stored, the countdown stands still


@dataclass(frozen=True)
class SaveTarget:
    """The attempt row as a save needs it, locked for the transaction (see ``lock_for_save``)."""

    id: int
    paper_id: int
    status: str
    deadline_at: datetime
    device_id: str
    paused_at: datetime | None


_attempts, _sessions, _users = Attempt.__table__, ExamSession.__table__, User.__table__
_answers, _events = Answer.__table__, AttemptEvent.__table__

# The save path's statements, built once with bound parameters: building and cache-keying a statement per
# request costs more Python time than running it.
_CALLERS_ATTEMPT = (
    select(_attempts.c.id, _attempts.c.user_id, _attempts.c.paper_id, _attempts.c.status, _attempts.c.deadline_at,
           _attempts.c.device_id, _sessions.c.paused_at, _users.c.is_active, _users.c.auth_version)
    .select_from(_attempts.join(_sessions, _sessions.c.id == _attempts.c.session_id)
                 .outerjoin(_users, _users.c.id == bindparam("user_id")))
    .where(_attempts.c.id == bindparam("attempt_id")))
_LOCK_FOR_SAVE = _CALLERS_ATTEMPT.with_for_update(of=_attempts)
_AUTH_VERSION = select(_users.c.auth_version).where(_users.c.id == bindparam("user_id"), _users.c.is_active.is_(True))
_LOG = _events.insert()


# ``INSERT … ON CONFLICT DO UPDATE … WHERE stored.seq < new.seq RETURNING``: a stale or repeated save returns no
# row and changes nothing, which is ``exams.rules.sequencing.apply_save``'s rule. The same SQL runs on SQLite
# and PostgreSQL; written as text because SQLAlchemy cannot cache a compiled ``on_conflict_do_update``.
_UPSERT_SQL = (
    "INSERT INTO exam_answers (attempt_id, question_version_id, response, seq, saved_at) "
    "VALUES (:attempt_id, :question, :response, :seq, :now) "
    "ON CONFLICT (attempt_id, question_version_id) DO UPDATE SET response = excluded.response, "
    "seq = excluded.seq, saved_at = excluded.saved_at WHERE exam_answers.seq < excluded.seq "
    "RETURNING seq")
_UPSERT_TYPES = (bindparam("response", type_=_answers.c.response.type),
                 bindparam("now", type_=_answers.c.saved_at.type))
_UPSERT = text(_UPSERT_SQL).bindparams(*_UPSERT_TYPES)
# On PostgreSQL the upsert and its log row go in one statement, a round trip fewer per save: the row's kind says
# whether the upsert returned a row. SQLite has no data-modifying CTEs and runs the two statements in turn.
_UPSERT_AND_LOG = text(
    f"WITH up AS ({_UPSERT_SQL}) "  # noqa: S608 (two constants joined; every value is a bound parameter)
    "INSERT INTO exam_attempt_events (attempt_id, at, kind, question_version_id, seq, device_id, details) "
    "VALUES (:attempt_id, :now, CASE WHEN EXISTS (SELECT 1 FROM up) THEN 'save_applied' ELSE 'save_stale' END, "
    ":question, :seq, :device_id, '{}') RETURNING kind").bindparams(*_UPSERT_TYPES)


def lock_for_save(session: Session, *, attempt_id: int, user_id: int, auth_version: int) -> SaveTarget:
    """Lock the caller's attempt and check the caller in one statement (the hot path of an exam day).

    401 when the user is gone, inactive or signed out everywhere since the token was issued (auth version);
    404 when the attempt is not theirs. The row lock serialises saves and submission of one attempt.
    """
    return _callers_attempt(session, _LOCK_FOR_SAVE, attempt_id=attempt_id, user_id=user_id,
                            auth_version=auth_version)


def read_for_clock(session: Session, *, attempt_id: int, user_id: int, auth_version: int) -> SaveTarget:
    """The caller's attempt as the phone's clock poll needs it, checked like ``lock_for_save`` but not locked."""
    return _callers_attempt(session, _CALLERS_ATTEMPT, attempt_id=attempt_id, user_id=user_id,
                            auth_version=auth_version)


def _callers_attempt(session: Session, statement, *, attempt_id: int, user_id: int, auth_version: int) -> SaveTarget:
    conn = session.connection()
    row = conn.execute(statement, {"attempt_id": attempt_id, "user_id": user_id}).one_or_none()
    if row is None:
        if conn.execute(_AUTH_VERSION, {"user_id": user_id}).scalar() != auth_version:
            raise Unauthorized("unauthorized", str(lazy("请先登录或提供有效的访问令牌。")))
        raise NotFound()
    if not row.is_active or row.auth_version != auth_version:
        raise Unauthorized("unauthorized", str(lazy("请先登录或提供有效的访问令牌。")))
    if row.user_id != user_id:
        raise NotFound()
    return SaveTarget(row.id, row.paper_id, row.status, row.deadline_at, row.device_id, row.paused_at)


def _log_row(conn, attempt_id: int, kind: str, now: datetime, *, question_version_id: int, seq: int,
             device_id: str, details: dict | None = None) -> None:
    conn.execute(_LOG, {"attempt_id": attempt_id, "at": now, "kind": kind, "question_version_id": question_version_id,
                        "seq": seq, "device_id": device_id[:64], "details": details or {}})


def apply_answer(session: Session, target: SaveTarget, *, question_version_id: int, response: object, seq: object,
                 device_id: str, now: datetime, grace_s: int) -> SaveResult:
    """Apply one answer to the locked attempt under the sequence rule; see the module docstring."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValidationFailed("invalid_seq", str(lazy("seq 应为正整数。")), "seq")
    if question_version_id not in paper_question_ids(session, target.paper_id):
        raise NotFound(str(lazy("试卷中没有这道题。")))
    try:
        normalize_response(spec_from_dict(version_spec(session, question_version_id)), response)
    except ResponseInvalid as exc:
        raise ValidationFailed("response_invalid", str(exc), "response") from None
    deadline = effective_deadline(target.deadline_at, target.paused_at, now)
    paused = target.paused_at is not None
    where = {"question_version_id": question_version_id, "seq": seq, "device_id": device_id}
    conn = session.connection()
    if target.status != AttemptStatus.IN_PROGRESS or not accepts_answer(deadline, now, grace_s):
        _log_row(conn, target.id, "save_late", now, **where, details={"response": response})
        return SaveResult(seq, applied=False, remaining_s=0, closed=True)
    if device_id and target.device_id and device_id[:64] != target.device_id:
        # the caller commits the log entry, then answers 409 device_superseded
        _log_row(conn, target.id, "save_old_device", now, **where, details={"response": response})
        return SaveResult(seq, applied=False, remaining_s=remaining_seconds(deadline, now), superseded=True,
                          paused=paused)
    values = {"attempt_id": target.id, "question": question_version_id, "response": response, "seq": seq, "now": now}
    if conn.dialect.name == "postgresql":
        applied = conn.execute(_UPSERT_AND_LOG, {**values, "device_id": device_id[:64]}).scalar() == "save_applied"
    else:
        applied = conn.execute(_UPSERT, values).first() is not None
        _log_row(conn, target.id, "save_applied" if applied else "save_stale", now, **where)
    return SaveResult(seq, applied, remaining_seconds(deadline, now), paused=paused)


def save_answer(session: Session, *, attempt_id: int, candidate: User, question_version_id: int, response: object,
                seq: object, device_id: str, now: datetime, grace_s: int) -> SaveResult:
    """Lock the candidate's attempt and apply one answer (``lock_for_save`` + ``apply_answer``)."""
    target = lock_for_save(session, attempt_id=attempt_id, user_id=candidate.id, auth_version=candidate.auth_version)
    return apply_answer(session, target, question_version_id=question_version_id, response=response, seq=seq,
                        device_id=device_id, now=now, grace_s=grace_s)


def grade_attempt(session: Session, attempt: Attempt, *, extra_overrides: dict[int, dict] | None = None,
                  write_credit: bool = True) -> tuple[Fraction, Fraction]:
    """Score from stored answers and pinned versions only; applied key corrections replace their version's spec.

    ``extra_overrides`` (corrected specs by pinned version id) is for a regrade dry run.
    """
    paper = session.get(Paper, attempt.paper_id)
    ids = [i["q"] for i in paper.items]
    specs = {v.id: v.spec for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}
    for regrade in session.scalars(select(Regrade).where(Regrade.session_id == attempt.session_id)):
        specs[regrade.from_version_id] = session.get(QuestionVersion, regrade.to_version_id).spec
    specs.update(extra_overrides or {})
    answers = {a.question_version_id: a for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    items = []
    for item in paper.items:
        answer = answers.get(item["q"])
        credit = grade(spec_from_dict(specs[item["q"]]), answer.response if answer else None)
        if answer is not None and write_credit:
            answer.credit = Decimal(credit.numerator) / Decimal(credit.denominator)
        items.append((Fraction(item["points"]), credit))
    score = score_paper(items)
    return score.raw, score.percent


def store_score(attempt: Attempt, raw: Fraction, pct: Fraction, pass_mark: Decimal) -> None:
    # Round down for storage and display: 59.996 must never show as a pass. ``passed`` uses the exact value.
    attempt.score = (Decimal(raw.numerator) / Decimal(raw.denominator)).quantize(Decimal("0.01"), ROUND_DOWN)
    attempt.percent = (Decimal(pct.numerator) / Decimal(pct.denominator)).quantize(Decimal("0.01"), ROUND_DOWN)
    attempt.passed = passed(pct, pass_mark)


def submit_attempt(session: Session, *, attempt_id: int, by: SubmittedBy, now: datetime,
                   candidate: User | None = None) -> Attempt:
    """Grade and close the attempt; submitting again returns the stored result unchanged."""
    attempt = _locked(session, attempt_id)
    if attempt is None or (candidate is not None and attempt.user_id != candidate.id):
        raise NotFound()
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt
    raw, pct = grade_attempt(session, attempt)
    exam = session.get(Exam, session.get(ExamSession, attempt.session_id).exam_id)
    store_score(attempt, raw, pct, Decimal(exam.pass_mark))
    attempt.status, attempt.submitted_at, attempt.submitted_by = AttemptStatus.SUBMITTED, now, by
    log(session, attempt, "auto_submit" if by == SubmittedBy.SWEEPER else "submit", now,
        details={"by": str(by), "percent": str(attempt.percent)})
    session.flush()
    return attempt


def sweep_overdue(session: Session, *, now: datetime, grace_s: int) -> int:
    """Submit every in-progress attempt past deadline + grace. Idempotent; returns how many it closed.

    A paused session's attempts are not overdue while the pause lasts (their deadline moves with it).
    """
    cutoff = now - timedelta(seconds=grace_s)
    rows = session.execute(select(Attempt.id, ExamSession.paused_at)
                           .join(ExamSession, ExamSession.id == Attempt.session_id)
                           .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at < cutoff)).all()
    closed = 0
    for attempt_id, paused_at in rows:
        attempt = _locked(session, attempt_id)
        deadline = effective_deadline(attempt.deadline_at, paused_at, now)
        if attempt.status == AttemptStatus.IN_PROGRESS and is_overdue(deadline, now, grace_s):
            submit_attempt(session, attempt_id=attempt_id, by=SubmittedBy.SWEEPER, now=now)
            closed += 1
    return closed


def record_focus_loss(session: Session, *, attempt_id: int, candidate: User, now: datetime, device_id: str,
                      hidden_s: int) -> None:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != candidate.id:
        raise NotFound()
    log(session, attempt, "focus_lost", now, device_id=device_id, details={"hidden_s": max(0, int(hidden_s))})
    session.flush()
