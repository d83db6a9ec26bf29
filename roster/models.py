"""Talent roster tables: one denormalised row per worker, rebuilt by ``roster.build`` from certificates,
special-trade cards, competition placings, lessons and employment; the facet rows carry what the search
filters on. Special-trade cards and their issuing authorities are entered by training bases (``roster.cards``).

Every facet index ends in the entry id, so each filter is a range scan in keyset order (``id > after``).
Columns added after the first roster release carry server defaults, so a bulk loader that inserts only the
original columns still works (the next refresh fills them in).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
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
    # the current employer's region; byte-wise order on PostgreSQL so the prefix filter can use the index
    region: Mapped[str] = mapped_column(String(60).with_variant(String(60, collation="C"), "postgresql"), default="")
    enterprise_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    enterprise_name: Mapped[str] = mapped_column(String(120), default="")
    # training bases linked to the worker: certificate issuers, exam-session hosts, bases that entered a card
    base_org_ids: Mapped[list] = mapped_column(JSON, default=list)
    # [{"code", "name", "level", "status"}] one per certificate, for display; filters use RosterCredential
    skills: Mapped[list] = mapped_column(JSON, default=list)
    top_level: Mapped[int | None]  # best skill level held: 1 (一级/高级技师) … 5 (五级/初级工)
    certificate_count: Mapped[int] = mapped_column(default=0)
    valid_count: Mapped[int] = mapped_column(default=0)
    expired_count: Mapped[int] = mapped_column(default=0)
    revoked_count: Mapped[int] = mapped_column(default=0)
    award_codes: Mapped[list] = mapped_column(JSON, default=list)
    placings: Mapped[list] = mapped_column(JSON, default=list)  # final placings, for the record page
    # minutes of the platform lessons the worker completed (see ``roster.build.training_minutes``)
    training_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    # [{"trade", "number", "authority", "issued_on", "expires_on", "status"}] one per special-trade card
    trade_cards: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # [{"code", "reasons": [{...}]}] eligibility flags as of the last refresh (``roster.eligibility``)
    flags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
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


class RosterBase(Base):
    """One training base linked to an entry (see ``RosterEntry.base_org_ids``)."""

    __tablename__ = "roster_bases"
    __table_args__ = (
        UniqueConstraint("entry_id", "org_id"),
        Index("ix_roster_bases_org", "org_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"))


class RosterFlag(Base):
    """One eligibility flag (next_level, renewal_due_30 …) an entry carries as of the last refresh."""

    __tablename__ = "roster_flags"
    __table_args__ = (
        UniqueConstraint("entry_id", "flag"),
        Index("ix_roster_flags_flag", "flag", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String(30))


class TradeAuthority(Base):
    """An authority that issues special-trade cards, with its validity rule (data, not code): a card is
    valid ``validity_months`` from its issue date and due for renewal in the last ``renewal_window_months``."""

    __tablename__ = "roster_trade_authorities"
    __table_args__ = (
        CheckConstraint("validity_months > 0", name="validity_positive"),
        CheckConstraint("renewal_window_months >= 0 AND renewal_window_months < validity_months",
                        name="window_inside_validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(60), default="")
    validity_months: Mapped[int]
    renewal_window_months: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class TradeCard(Base):
    """A special-trade card (特种作业操作资格证书) of a registered worker, entered by a training base.

    ``expires_on`` is the last valid day: the card's own printed date when ``has_stated_expiry``, else
    derived from the authority's rule at entry. A card number is unique per authority.
    """

    __tablename__ = "roster_trade_cards"
    __table_args__ = (
        UniqueConstraint("authority_id", "card_number"),
        Index("ix_roster_trade_cards_base", "base_org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"), index=True)
    trade_name: Mapped[str] = mapped_column(String(60))
    card_number: Mapped[str] = mapped_column(String(40))
    authority_id: Mapped[int] = mapped_column(ForeignKey("roster_trade_authorities.id"))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    has_stated_expiry: Mapped[bool] = mapped_column(default=False)
    base_org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    created_at: Mapped[datetime]
