"""Committee review tables: applications for 二级/一级, panel scores, the chair's decision.

Invariants carried by constraints: one application per pending certificate; one score per expert and
application. The rest (scores locked after the decision, only panel members score) is enforced in
``roster.reviews`` under a row lock on the application.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class ReviewStatus(StrEnum):
    OPENED = "opened"  # taken from the pending queue, no panel yet
    PANEL_DRAWN = "panel_drawn"  # panel drawn from the expert pool, no score yet
    SCORING = "scoring"  # at least one panel member has scored
    DECIDED = "decided"  # the chair decided; scores are locked


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewApplication(Base):
    __tablename__ = "roster_review_applications"
    __table_args__ = (Index("ix_roster_review_applications_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("cert_certificates.id"), unique=True)
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    level: Mapped[str] = mapped_column(String(40))
    skill_code: Mapped[str] = mapped_column(String(8))
    status: Mapped[ReviewStatus] = mapped_column(String(20), default=ReviewStatus.OPENED)
    panel_size: Mapped[int]
    panel_draw_id: Mapped[int | None] = mapped_column(ForeignKey("roster_panel_draws.id"))
    decision: Mapped[ReviewDecision | None] = mapped_column(String(20))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    decided_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    opened_at: Mapped[datetime]


class ReviewScore(Base):
    """One panel member's score (0-100) and written comment; ``rating`` is the chair's rating of the job."""

    __tablename__ = "roster_review_scores"
    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("roster_review_applications.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime]
    rating: Mapped[int | None]
