"""Expert pool tables: experts, specialties, integrity log, declared relationships, ratings, panel draws.

An expert's employer and affiliated organisations are not copied here: a draw resolves them from the
memberships at draw time (``roster.draws``), so a change of employer counts at once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class ExpertStatus(StrEnum):
    APPLIED = "applied"  # self-application
    NOMINATED = "nominated"  # nominated by a training base or an enterprise
    UNDER_REVIEW = "under_review"
    ADMITTED = "admitted"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class RelationshipKind(StrEnum):
    RELATIVE = "relative"  # 亲属
    EMPLOYMENT = "employment"  # 任职、兼职或雇佣
    MENTOR = "mentor"  # 师徒、师生
    BUSINESS = "business"  # 经济往来
    OTHER = "other"


class Expert(Base):
    __tablename__ = "roster_experts"
    __table_args__ = (Index("ix_roster_experts_status_region", "status", "region", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ExpertStatus] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(60), default="")  # where the expert can serve: "云南省昆明市"
    statement: Mapped[str] = mapped_column(Text, default="")  # experience and qualifications, as submitted
    nominated_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    created_at: Mapped[datetime]
    status_changed_at: Mapped[datetime]
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why rejected / suspended / removed

    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        lazy="selectin", order_by="ExpertSpecialty.skill_code", cascade="all, delete-orphan")

    @property
    def skill_codes(self) -> list[str]:
        return sorted(s.skill_code for s in self.specialties)


class ExpertSpecialty(Base):
    """A skill code (as certificates use it: HOIST, GROUT, ASSY …) the expert may review."""

    __tablename__ = "roster_expert_specialties"
    __table_args__ = (
        UniqueConstraint("expert_id", "skill_code"),
        Index("ix_roster_expert_specialties_code", "skill_code", "expert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id", ondelete="CASCADE"))
    skill_code: Mapped[str] = mapped_column(String(8))


class ExpertLogEntry(Base):
    """Integrity log, append-only: each row carries the hash of the expert's previous row, and ``seq`` is
    unique per expert so two writers can never fork the chain (``roster.pool.verify_log`` recomputes it)."""

    __tablename__ = "roster_expert_log"
    __table_args__ = (UniqueConstraint("expert_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id", ondelete="CASCADE"))
    seq: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class ExpertRelationship(Base):
    """A relationship the expert or the committee declared, with a person or an organisation: the expert is
    kept off every panel for that person (or for anyone employed or trained there)."""

    __tablename__ = "roster_expert_relationships"
    __table_args__ = (
        CheckConstraint("(related_user_id IS NULL) <> (related_org_id IS NULL)", name="one_party"),
        Index("ix_roster_expert_relationships_user", "related_user_id"),
        Index("ix_roster_expert_relationships_org", "related_org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id", ondelete="CASCADE"), index=True)
    related_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"))
    related_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    kind: Mapped[RelationshipKind] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    declared_at: Mapped[datetime]


class ExpertRating(Base):
    """A score out of 100 after one job (e.g. ``review:12``); one per expert and job. The rating is the mean."""

    __tablename__ = "roster_expert_ratings"
    __table_args__ = (
        UniqueConstraint("expert_id", "job"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(120))
    score: Mapped[int]
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    rated_at: Mapped[datetime]


class PanelDraw(Base):
    """A random panel draw, with everything needed to replay it: the candidates considered (ascending ids),
    the ones excluded and why (回避), the seed and the algorithm version; replacements follow in order."""

    __tablename__ = "roster_panel_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(200))
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    specialty: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(60))  # prefix filter; None: any region
    size: Mapped[int]
    seed: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(40))
    candidate_ids: Mapped[list] = mapped_column(JSON)  # admitted experts matching specialty and region, ascending
    excluded: Mapped[list] = mapped_column(JSON)  # [{"expert_id", "reasons": [{"code", "org_id"?, ...}]}]
    selected_ids: Mapped[list] = mapped_column(JSON)  # the panel as first drawn, in draw order
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    drawn_at: Mapped[datetime]

    replacements: Mapped[list[PanelReplacement]] = relationship(
        lazy="selectin", order_by="PanelReplacement.seq", back_populates="draw")

    @property
    def excluded_ids(self) -> list[int]:
        return [row["expert_id"] for row in self.excluded]

    @property
    def eligible_ids(self) -> list[int]:
        """Candidates left after 回避, ascending: what the draw picked from."""
        excluded = set(self.excluded_ids)
        return [i for i in self.candidate_ids if i not in excluded]

    @property
    def member_expert_ids(self) -> list[int]:
        """The current panel: the first draw with each replacement put in its predecessor's place."""
        members = list(self.selected_ids)
        for replacement in self.replacements:
            if replacement.replaced_expert_id in members:  # always, unless the record was altered
                members[members.index(replacement.replaced_expert_id)] = replacement.replacement_expert_id
        return members


class PanelReplacement(Base):
    """One member replaced, with the reason and the derived seed that picked the successor."""

    __tablename__ = "roster_panel_replacements"
    __table_args__ = (UniqueConstraint("draw_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("roster_panel_draws.id", ondelete="CASCADE"))
    seq: Mapped[int]
    replaced_expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id"))
    replacement_expert_id: Mapped[int] = mapped_column(ForeignKey("roster_experts.id"))
    # eligible candidates passed over at replacement time (no longer admitted, or 回避 found since the draw),
    # same shape as ``PanelDraw.excluded``
    unavailable: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    seed: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    replaced_at: Mapped[datetime]

    draw: Mapped[PanelDraw] = relationship(back_populates="replacements")
