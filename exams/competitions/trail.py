"""Audit entries for competition actions, scoped to the organising organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import audit
from exams.competitions.models import Competition, Event


def record(session: Session, *, event: Event | None = None, competition: Competition | None = None, action: str,
           now: datetime, actor_id: int | None, target: str, details: dict | None = None) -> None:
    """Append ``competition.<action>`` to the audit log; ``details`` never holds personal data."""
    competition = competition or session.get(Competition, event.competition_id)
    audit.record(session, action=f"competition.{action}", now=now, actor_id=actor_id, org_id=competition.org_id,
                 target=target, details=details or {})
