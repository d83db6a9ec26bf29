"""Exam tables: definitions, sessions, registrations, papers, attempts, answers, the attempt log,
and practical assessments.

Invariants carried by constraints: one registration per candidate and session, one paper per
registration, one attempt per paper, one answer row per attempt and question, one sheet per examiner
and assessment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class SubmittedBy(StrEnum):
    CANDIDATE = "candidate"
    SWEEPER = "sweeper"
    INVIGILATOR = "invigilator"


class Exam(Base):
    """A theory exam definition: the blueprint (JSON rows) and its settings."""

    __tablename__ = "exam_exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lms_courses.id"))
    title: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(40), default="")
    duration_s: Mapped[int]
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(100))
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    review_policy: Mapped[str] = mapped_column(String(30), default="score_only")
    blueprint: Mapped[list] = mapped_column(JSON)
    practical_pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    created_at: Mapped[datetime]


class Venue(Base):
    """A training base's exam venue (address) with its rooms."""

    __tablename__ = "exam_venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class VenueRoom(Base):
    """A room of a venue; seats are numbered 1..seats and filled in (position, id) order."""

    __tablename__ = "exam_venue_rooms"
    __table_args__ = (UniqueConstraint("venue_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("exam_venues.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    seats: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class ExamSession(Base):
    """One sitting of an exam at a training base; the window bounds every attempt's deadline."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam_exams.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("exam_venues.id"), index=True)
    title: Mapped[str] = mapped_column(String(160), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    # Candidates may cancel (and the waiting list moves up) until this instant; None: until registration closes.
    cancel_closes_at: Mapped[datetime | None]
    # Bookkeeping of the exam-day jobs (the windows themselves are derived from the times above).
    registration_opened_at: Mapped[datetime | None]
    registration_closed_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    papers_generated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class StaffDuty(StrEnum):
    INVIGILATOR = "invigilator"
    EXAMINER = "examiner"


class SessionStaff(Base):
    """A staff member on duty at a session: an invigilator in a room, or an examiner of practical tasks."""

    __tablename__ = "exam_session_staff"
    __table_args__ = (UniqueConstraint("session_id", "user_id", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    duty: Mapped[str] = mapped_column(String(20))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("exam_venue_rooms.id"))
    created_at: Mapped[datetime]


class SessionPause(Base):
    """One pause of a whole session: every in-progress deadline moved by ``resumed_at - paused_at``."""

    __tablename__ = "exam_session_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    paused_at: Mapped[datetime]
    resumed_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    attempts_moved: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))


class Incident(Base):
    """The invigilators' log of a session: notes, pauses, extra time, forced submissions."""

    __tablename__ = "exam_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("exam_registrations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    at: Mapped[datetime]


class Registration(Base):
    """A seat (or a place on the waiting list, ordered by ``created_at``) for one candidate at one session.

    A registered candidate holds a ticket number and, at a session with a venue, a room and seat; the
    unique constraints make a double-booked seat or a duplicate ticket impossible.
    """

    __tablename__ = "exam_registrations"
    __table_args__ = (UniqueConstraint("session_id", "user_id"), UniqueConstraint("session_id", "room_id", "seat_no"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.REGISTERED)
    extra_time_s: Mapped[int] = mapped_column(default=0)
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    ticket_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("exam_venue_rooms.id"))
    seat_no: Mapped[int | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Paper(Base):
    """A candidate's drawn paper: pinned question versions, points and option order, with its seed."""

    __tablename__ = "exam_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("exam_registrations.id"), unique=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list] = mapped_column(JSON)  # [{"q": version id, "points": "2", "options": [..] | null}]
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime]


class Attempt(Base):
    __tablename__ = "exam_attempts"
    __table_args__ = (Index("ix_exam_attempts_open_deadline", "status", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    device_id: Mapped[str] = mapped_column(String(64), default="")
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool | None]


class Answer(Base):
    """The newest applied answer per question; ``seq`` only ever grows."""

    __tablename__ = "exam_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("lms_question_versions.id"))
    response: Mapped[object] = mapped_column(JSON, nullable=True)
    seq: Mapped[int]
    saved_at: Mapped[datetime]
    credit: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))


class AttemptEvent(Base):
    """Append-only attempt log: start, every save (applied or not), device changes, focus loss, submission."""

    __tablename__ = "exam_attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    question_version_id: Mapped[int | None]
    seq: Mapped[int | None]
    device_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class PracticalTask(Base):
    """A practical task's checklist (JSON, see ``exams.rules.practical``) and the examiners' allowed gap."""

    __tablename__ = "exam_practical_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam_exams.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    checklist: Mapped[dict] = mapped_column(JSON)
    max_gap: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(10))
    created_at: Mapped[datetime]


class PracticalAssessment(Base):
    __tablename__ = "exam_practical_assessments"
    __table_args__ = (UniqueConstraint("registration_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("exam_registrations.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("exam_practical_tasks.id"))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    failed_by_redline: Mapped[bool] = mapped_column(default=False)
    needs_reconciliation: Mapped[bool] = mapped_column(default=False)
    reconciled_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reconciliation_reason: Mapped[str] = mapped_column(Text, default="")
    reconciled_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))


class PracticalSheet(Base):
    __tablename__ = "exam_practical_sheets"
    __table_args__ = (UniqueConstraint("assessment_id", "examiner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("exam_practical_assessments.id"), index=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    marks: Mapped[dict] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    redline_violations: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime]


class Regrade(Base):
    """A key correction applied to a session: answers to ``from_version`` are graded with ``to_version``."""

    __tablename__ = "exam_regrades"
    __table_args__ = (UniqueConstraint("session_id", "from_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("lms_question_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("lms_question_versions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    applied_at: Mapped[datetime]
