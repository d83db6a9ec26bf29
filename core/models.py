"""Core tables: users, organisations, memberships, API keys, audit log, scheduler leases, outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class OrgKind(StrEnum):
    TRAINING_BASE = "training_base"
    ENTERPRISE = "enterprise"
    COMMITTEE = "committee"
    AUTHORITY = "authority"


class Role(StrEnum):
    WORKER = "worker"
    BASE_ADMIN = "base_admin"
    INVIGILATOR = "invigilator"
    EXAMINER = "examiner"
    JUDGE = "judge"
    CHIEF_JUDGE = "chief_judge"
    ENTERPRISE_HR = "enterprise_hr"
    COMMITTEE_MEMBER = "committee_member"
    COMMITTEE_CHAIR = "committee_chair"
    PLATFORM_ADMIN = "platform_admin"


class Organisation(Base):
    __tablename__ = "core_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "core_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_masked: Mapped[str] = mapped_column(String(16))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(24))
    birth_year: Mapped[int | None]
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped on password change: invalidates bearer tokens and other sessions.
    auth_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]

    # Loaded on first use: API calls of workers (exam saves) never need them.
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="select")

    # Flask-Login's protocol, without importing Flask into the model layer.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """Session key; carries ``auth_version`` so a password change ends other sessions."""
        return f"{self.id}:{self.auth_version}"


class Membership(Base):
    """A role a user holds in one organisation. Workers' self-registration gives no membership."""

    __tablename__ = "core_memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    role: Mapped[Role] = mapped_column(String(24))
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="memberships")
    org: Mapped[Organisation] = relationship(lazy="joined")


class ApiKey(Base):
    """Enterprise integration key. Only the SHA-256 of the secret is stored; the secret is shown once."""

    __tablename__ = "core_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only; ``seq`` is unique so two writers can never fork the hash chain."""

    __tablename__ = "core_audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(index=True)
    org_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class JobLease(Base):
    """One row per scheduled job: who may run it now, and when it is next due."""

    __tablename__ = "core_job_leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    leased_until: Mapped[datetime | None]
    next_run_at: Mapped[datetime]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(default=0)


class OutboxMessage(Base):
    """Side effects (mail, notifications) written in the same transaction, delivered after commit."""

    __tablename__ = "core_outbox"
    __table_args__ = (Index("ix_core_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """In-app notice for one user."""

    __tablename__ = "core_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
