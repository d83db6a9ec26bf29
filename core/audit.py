"""Append-only audit log with a hash chain: each row carries the hash of the previous one.

Writers serialise on the chain head (an advisory lock on PostgreSQL, the database write lock on
SQLite) and ``seq`` is unique, so the chain can never fork. ``verify_chain`` recomputes every hash and
reports the first row that does not match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db import is_postgres
from core.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x50524546  # "PREF"


def _digest(prev_hash: str, seq: int, at: datetime, actor_id, org_id, action: str, target: str,
            details: dict, ip: str) -> str:
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor_id, org_id, action, target, details, ip],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(session: Session, *, action: str, now: datetime, actor_id: int | None = None,
           org_id: int | None = None, target: str = "", details: dict | None = None,
           ip: str = "") -> AuditEvent:
    """Append one event. ``details`` must never hold personal data (ID numbers, phones)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = now
    details = details or {}
    event = AuditEvent(
        seq=seq, at=at, actor_id=actor_id, org_id=org_id, action=action, target=target,
        details=details, ip=ip, prev_hash=prev,
        row_hash=_digest(prev, seq, at, actor_id, org_id, action, target, details, ip),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at_seq: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at_seq is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute the chain in ``seq`` order; the first mismatch (edit, deletion, insertion) is reported."""
    prev, expected_seq, checked, last_seq = GENESIS, 1, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked, None)
        for ev in rows:
            digest = _digest(prev, ev.seq, ev.at, ev.actor_id, ev.org_id, ev.action, ev.target,
                             ev.details, ev.ip)
            if ev.seq != expected_seq or ev.prev_hash != prev or ev.row_hash != digest:
                return ChainReport(checked, ev.seq)
            prev, expected_seq, last_seq = ev.row_hash, ev.seq + 1, ev.seq
            checked += 1
