"""Competition tables (``comp_``): competitions, events, marking schemes, competitors and stations, judges,
the append-only mark log, re-votes, locks and sign-offs, re-check samples, appeals, result snapshots.

Invariants carried by constraints: unique codes per parent, one station code per event, one member per
competitor, one assignment per judge and module, one mark per judge, module and sequence number (replays
are idempotent), one re-vote per competitor, aspect and round, one sign-off per person and lock epoch,
one re-check row per competitor, one snapshot per event and version.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from exams.competitions.rules.awards import DEFAULT_AWARDS
from exams.competitions.rules.ranking import DEFAULT_CHAIN


class EventKind(StrEnum):
    INDIVIDUAL = "individual"
    TEAM = "team"


class MarkOutcome(StrEnum):
    APPLIED = "applied"
    STALE_ROUND = "stale_round"  # scored for a round a re-vote has closed: kept, not counted
    LOCKED = "locked"  # arrived after the module was locked: kept, not counted


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class SnapshotKind(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class RecheckReason(StrEnum):
    TOP = "top"
    SAMPLE = "sample"
    FULL = "full"


class Competition(Base):
    """A skills competition (职业技能竞赛) run by one organisation; its chief judge may belong to another."""

    __tablename__ = "comp_competitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    venue: Mapped[str] = mapped_column(String(160), default="")
    starts_on: Mapped[str] = mapped_column(String(10), default="")  # local date, YYYY-MM-DD
    chief_judge_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    leaderboard_frozen_at: Mapped[datetime | None]
    leaderboard_frozen: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class Event(Base):
    """A competition event (竞赛项目): individual or team, for one occupation and level."""

    __tablename__ = "comp_events"
    __table_args__ = (UniqueConstraint("competition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("comp_competitions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.INDIVIDUAL)
    occupation: Mapped[str] = mapped_column(String(80), default="")
    occupation_code: Mapped[str] = mapped_column(String(20), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    theory_weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(30))
    practical_weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(70))
    theory_exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam_exams.id"))
    aggregation: Mapped[str] = mapped_column(String(20), default="worldskills")
    max_gap: Mapped[int] = mapped_column(default=1)
    tie_breaks: Mapped[list] = mapped_column(JSON, default=lambda: [str(t) for t in DEFAULT_CHAIN])
    awards: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_AWARDS))
    recheck_top: Mapped[int] = mapped_column(default=10)
    recheck_share: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.2"))
    recheck_threshold: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.05"))
    recheck_seed: Mapped[int | None] = mapped_column(BigInteger)
    recheck_drawn_at: Mapped[datetime | None]
    full_recheck_at: Mapped[datetime | None]
    station_seed: Mapped[int | None] = mapped_column(BigInteger)
    stations_drawn_at: Mapped[datetime | None]
    appeal_window_s: Mapped[int] = mapped_column(default=7200)
    provisional_at: Mapped[datetime | None]
    appeal_closes_at: Mapped[datetime | None]
    finalised_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Module(Base):
    """A module (模块) of an event; locking freezes its marks, decoding reveals names behind station codes."""

    __tablename__ = "comp_modules"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None]
    lock_epoch: Mapped[int] = mapped_column(default=1)  # bumped by every approved unlock
    decoded_at: Mapped[datetime | None]
    decoded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))


class Aspect(Base):
    """One line of the marking scheme; see ``rules.scheme`` for the kinds."""

    __tablename__ = "comp_aspects"
    __table_args__ = (UniqueConstraint("module_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    max_marks: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")
    nominal: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    direction: Mapped[str] = mapped_column(String(10), default="both")
    bands: Mapped[list] = mapped_column(JSON, default=list)  # [["max_deviation", "marks"], ...] as text
    descriptors: Mapped[list] = mapped_column(JSON, default=list)
    is_time: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Competitor(Base):
    """A competitor (or team) at a coded station; judges see only ``station_code``."""

    __tablename__ = "comp_competitors"
    __table_args__ = (UniqueConstraint("event_id", "station_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    station_code: Mapped[str | None] = mapped_column(String(12))
    enterprise_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    base_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    # A theory result from a paper exam, used only when the event has no linked platform exam.
    theory_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class CompetitorMember(Base):
    __tablename__ = "comp_competitor_members"
    __table_args__ = (UniqueConstraint("competitor_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)


class JudgeAssignment(Base):
    __tablename__ = "comp_judge_assignments"
    __table_args__ = (UniqueConstraint("module_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    created_at: Mapped[datetime]


class ConflictOverride(Base):
    """The chief judge's recorded decision that a conflicted judge may score one competitor anyway."""

    __tablename__ = "comp_conflict_overrides"
    __table_args__ = (UniqueConstraint("module_id", "judge_id", "competitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    created_at: Mapped[datetime]


class MarkEvent(Base):
    """Append-only: every mark a judge sends, with its device, times and (for corrections) reason.

    A judge's current value for an aspect and round is their applied event with the highest ``seq``.
    """

    __tablename__ = "comp_mark_events"
    __table_args__ = (UniqueConstraint("module_id", "judge_id", "seq"),
                      Index("ix_comp_mark_events_sheet", "module_id", "competitor_id", "aspect_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"))
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    aspect_id: Mapped[int] = mapped_column(ForeignKey("comp_aspects.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    seq: Mapped[int]
    device_id: Mapped[str] = mapped_column(String(64), default="")
    client_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default=MarkOutcome.APPLIED)


class Revote(Base):
    """A judgement round whose scores broke the gap rule; the next round is ``round + 1``."""

    __tablename__ = "comp_revotes"
    __table_args__ = (UniqueConstraint("competitor_id", "aspect_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    aspect_id: Mapped[int] = mapped_column(ForeignKey("comp_aspects.id"))
    round: Mapped[int]
    scores: Mapped[dict] = mapped_column(JSON)  # {judge id: score} of the blocked round
    spread: Mapped[int]
    opened_at: Mapped[datetime]


class ModuleSignoff(Base):
    __tablename__ = "comp_module_signoffs"
    __table_args__ = (UniqueConstraint("module_id", "user_id", "lock_epoch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    as_chief: Mapped[bool] = mapped_column(default=False)
    lock_epoch: Mapped[int]
    signed_at: Mapped[datetime]


class UnlockRequest(Base):
    """Unlocking a locked module: a reason from one person, approval by a second."""

    __tablename__ = "comp_unlock_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("comp_modules.id"), index=True)
    lock_epoch: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    requested_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    approved_at: Mapped[datetime | None]


class RecheckItem(Base):
    """One competitor drawn for the supervisor's re-check, and what the re-check found."""

    __tablename__ = "comp_recheck_items"
    __table_args__ = (UniqueConstraint("event_id", "competitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    reason: Mapped[str] = mapped_column(String(10))
    drawn_at: Mapped[datetime]
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    items_checked: Mapped[int | None]
    errors_found: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None]


class Appeal(Base):
    """A written appeal (申诉) against provisional results, ruled by people not involved."""

    __tablename__ = "comp_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=AppealStatus.OPEN)
    ruling: Mapped[str] = mapped_column(Text, default="")
    ruled_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    ruled_at: Mapped[datetime | None]


class AppealEvidence(Base):
    __tablename__ = "comp_appeal_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("comp_appeals.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]


class ResultSnapshot(Base):
    """Results as published: canonical JSON and its SHA-256. Never updated; the final one never changes."""

    __tablename__ = "comp_result_snapshots"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))


class FinalPlacing(Base):
    """One member's final placing in an event, written once with the final snapshot (roster feed)."""

    __tablename__ = "comp_final_placings"
    __table_args__ = (UniqueConstraint("event_id", "competitor_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    rank: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    standardised: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    awards: Mapped[list] = mapped_column(JSON, default=list)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]


class FinalAward(Base):
    """One award to one member, written once with the final snapshot (certificates feed)."""

    __tablename__ = "comp_final_awards"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "award"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("comp_events.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("comp_competitors.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    award: Mapped[str] = mapped_column(String(30))
    rank: Mapped[int]
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
