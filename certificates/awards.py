"""Award certificates for final competition results, read from the competitions package's feed.

``exams`` never imports ``certificates``; this sweeper step pulls final awards and issues one
certificate per award row (idempotent per award id, so a second run issues nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.issuance import issue_competition_award
from certificates.models import Certificate, SourceType
from core.models import Organisation, User
from exams.competitions.models import Competition
from exams.competitions.queries import final_awards
from exams.competitions.rules.messages import AWARD_LABELS


def issue_final_awards(session: Session, *, config: CertConfig, now: datetime, limit: int = 500) -> int:
    """Issue certificates for final awards not yet certified; returns how many were issued."""
    done = set(session.scalars(select(Certificate.source_id).where(Certificate.source_type == SourceType.AWARD)))
    issued = 0
    for record in final_awards(session, after_id=0, limit=10_000):
        if record.id in done or issued >= limit:
            continue
        holder = session.get(User, record.user_id)
        competition = session.get(Competition, record.competition_id)
        organiser = session.get(Organisation, competition.org_id) if competition else None
        if holder is None or organiser is None:
            continue
        label = str(AWARD_LABELS.get(record.award, record.award))
        issue_competition_award(
            session, award_id=record.id, holder=holder, issuer_org=organiser, competition=record.competition_title,
            award=f"{record.event_title} {label}", skill_name=record.occupation or record.event_title,
            skill_slug=None, level=record.level, now=now, config=config, actor_id=None,
            awarded_at=record.decided_at)
        issued += 1
    return issued
