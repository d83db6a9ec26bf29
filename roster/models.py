"""Talent roster tables: one denormalised row per worker, rebuilt by ``roster.build`` from certificates,
competition placings and employment; the facet rows carry what the search filters on.

Every index ends in the entry id, so each filter is a range scan in keyset order (``id > after``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class RosterEntry(Base):
    __tablename__ = "roster_entries"
    __table_args__ = (
        Index("ix_roster_entries_region_id", "region", "id"),
        Index("ix_roster_entries_enterprise_id", "enterprise_org_id", "id"),
        Index("ix_roster_entries_top_level_id", "top_level", "id"),
        Index("ix_roster_entries_birth_year_id", "birth_year", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    id_number_masked: Mapped[str | None] = mapped_column(String(24))
    birth_year: Mapped[int | None]
    region: Mapped[str] = mapped_column(String(60), default="")  # the current employer's region
    enterprise_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    enterprise_name: Mapped[str] = mapped_column(String(120), default="")
    base_org_ids: Mapped[list] = mapped_column(JSON, default=list)  # issuers of the worker's certificates
    # [{"code", "name", "level", "status"}] one per certificate, for display; filters use RosterCredential
    skills: Mapped[list] = mapped_column(JSON, default=list)
    top_level: Mapped[int | None]  # best skill level held: 1 (一级/高级技师) … 5 (五级/初级工)
    certificate_count: Mapped[int] = mapped_column(default=0)
    valid_count: Mapped[int] = mapped_column(default=0)
    expired_count: Mapped[int] = mapped_column(default=0)
    revoked_count: Mapped[int] = mapped_column(default=0)
    award_codes: Mapped[list] = mapped_column(JSON, default=list)
    placings: Mapped[list] = mapped_column(JSON, default=list)  # final placings, for the record page
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the facts above: unchanged rows are not written
    updated_at: Mapped[datetime]


class RosterCredential(Base):
    """One certificate of an entry: skill, level and status as of the last refresh."""

    __tablename__ = "roster_credentials"
    __table_args__ = (
        Index("ix_roster_credentials_skill", "skill_code", "status", "level", "entry_id"),
        Index("ix_roster_credentials_status", "status", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id", ondelete="CASCADE"), index=True)
    skill_code: Mapped[str] = mapped_column(String(8))
    level: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20))  # certificates.status.PublicStatus at refresh time


class RosterAward(Base):
    """One competition award code (gold, 技术能手 …) an entry holds."""

    __tablename__ = "roster_awards"
    __table_args__ = (
        UniqueConstraint("entry_id", "award"),
        Index("ix_roster_awards_award", "award", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id", ondelete="CASCADE"))
    award: Mapped[str] = mapped_column(String(30))
