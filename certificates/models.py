"""Certificate tables.

Invariants carried by constraints: serials are unique; one certificate per source and generation, so a
passed assessment, a completed course or a competition award is certified at most once (generation 0;
a renewal or re-issue is generation n+1 of the same source and points back to the one it replaced);
one serial counter row per year and skill.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from certificates.policy import CertificateKind
from certificates.status import CertificateState
from core.db import Base


class SourceType(StrEnum):
    REGISTRATION = "registration"  # exams.Registration whose level assessment passed
    ENROLMENT = "enrolment"  # lms.Enrolment completed (lessons done, practice passed)
    AWARD = "award"  # a competition award, given by the competitions package


class Certificate(Base):
    __tablename__ = "cert_certificates"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", "generation"),
        Index("ix_cert_certificates_issuer_state", "issuer_org_id", "state"),
        Index("ix_cert_certificates_state_expires", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    # Random capability carried by the QR link: without it a serial alone shows nothing to the public.
    token: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CertificateKind] = mapped_column(String(24))
    state: Mapped[CertificateState] = mapped_column(String(20))
    holder_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(60))  # as printed; a correction means a re-issue
    # NULL: issued by the platform itself (training certificates of platform courses).
    issuer_org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"))
    issuer_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120))
    skill_code: Mapped[str] = mapped_column(String(8))
    skill_name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(40), default="")
    award: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    source_type: Mapped[SourceType] = mapped_column(String(20))
    source_id: Mapped[int]
    generation: Mapped[int] = mapped_column(default=0)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("cert_certificates.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("cert_certificates.id"))
    created_at: Mapped[datetime]
    issued_at: Mapped[datetime | None]
    valid_from: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    approval_decided_at: Mapped[datetime | None]
    approval_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    approval_note: Mapped[str] = mapped_column(Text, default="")
    state_changed_at: Mapped[datetime | None]
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_users.id"))
    state_reason: Mapped[str] = mapped_column(Text, default="")  # why suspended / revoked; shown publicly
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # set once the signed PDF is in storage


class SerialCounter(Base):
    """Last sequence number handed out per ``<year>-<skill>`` scope."""

    __tablename__ = "cert_serial_counters"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class IssuanceCheck(Base):
    """A source the sweeper found not (yet) passing; it is looked at again after a day, not every run."""

    __tablename__ = "cert_issuance_checks"

    source_type: Mapped[SourceType] = mapped_column(String(20), primary_key=True)
    source_id: Mapped[int] = mapped_column(primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime]
