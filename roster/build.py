"""Rebuild roster entries from the packages below: certificates, competition placings, employment.

``refresh_roster`` is idempotent: each entry's facts are hashed and a row whose facts did not change is
not written (``updated_at`` stays). A full refresh also removes entries of users who are no longer
workers (no worker membership, no certificate, no placing). Certificate statuses depend on the clock, so
they are as of ``now``; the scheduler job refreshes them regularly.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, union
from sqlalchemy.orm import Session

from certificates.models import Certificate
from certificates.policy import DEFAULT_POLICIES, CertificateKind, KindPolicy, level_number
from certificates.status import GOOD, CertificateState, PublicStatus, public_status
from core.models import Membership, Organisation, OrgKind, Role, User
from exams.competitions.queries import FinalPlacingRecord, final_placings
from roster.models import RosterAward, RosterCredential, RosterEntry

BATCH = 500
_COUNTED_EXPIRED = {PublicStatus.EXPIRED}
_COUNTED_REVOKED = {PublicStatus.REVOKED, PublicStatus.SUSPENDED}


def _placings_by_user(session: Session) -> dict[int, list[FinalPlacingRecord]]:
    out: dict[int, list[FinalPlacingRecord]] = defaultdict(list)
    after = 0
    while batch := final_placings(session, after_id=after):
        for record in batch:
            out[record.user_id].append(record)
        after = batch[-1].id
    return out


def _worker_ids(session: Session, placed: Iterable[int]) -> set[int]:
    query = union(
        select(Membership.user_id).where(Membership.role == Role.WORKER),
        select(Certificate.holder_id).where(Certificate.state != CertificateState.REJECTED),
    )
    return set(session.scalars(query)) | set(placed)


def _employers(session: Session, user_ids: list[int]) -> dict[int, Organisation]:
    """The current employer: the latest worker membership in an enterprise."""
    rows = session.execute(
        select(Membership.user_id, Organisation).join(Organisation, Organisation.id == Membership.org_id)
        .where(Membership.user_id.in_(user_ids), Membership.role == Role.WORKER,
               Organisation.kind == OrgKind.ENTERPRISE)
        .order_by(Membership.created_at, Membership.id))
    return {user_id: org for user_id, org in rows}


def _facts(user: User, certs: list[Certificate], placings: list[FinalPlacingRecord], employer: Organisation | None,
           policies: dict[CertificateKind, KindPolicy], now: datetime) -> dict:
    skills = []
    for cert in sorted(certs, key=lambda c: c.id):
        status = public_status(cert.state, policies[CertificateKind(cert.kind)], cert.expires_at, now)
        skills.append({"code": cert.skill_code, "name": cert.skill_name, "level": level_number(cert.level),
                       "level_name": cert.level, "status": str(status), "issuer": cert.issuer_name})
    levels = [s["level"] for s in skills if s["level"] is not None and PublicStatus(s["status"]) in GOOD]
    return {
        "name": user.name, "id_number_masked": user.id_number_masked, "birth_year": user.birth_year,
        "region": employer.region if employer else "", "enterprise_org_id": employer.id if employer else None,
        "enterprise_name": employer.name if employer else "",
        "base_org_ids": sorted({c.issuer_org_id for c in certs if c.issuer_org_id is not None}),
        "skills": skills, "top_level": min(levels) if levels else None,
        "certificate_count": len(skills),
        "valid_count": sum(PublicStatus(s["status"]) in GOOD for s in skills),
        "expired_count": sum(PublicStatus(s["status"]) in _COUNTED_EXPIRED for s in skills),
        "revoked_count": sum(PublicStatus(s["status"]) in _COUNTED_REVOKED for s in skills),
        "award_codes": sorted({a for p in placings for a in p.awards}),
        "placings": [{"competition": p.competition_title, "event": p.event_title, "occupation": p.occupation,
                      "level": p.level, "rank": p.rank, "awards": list(p.awards),
                      "decided_at": p.decided_at.isoformat()} for p in sorted(placings, key=lambda p: p.id)],
    }


def _fingerprint(facts: dict) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _write(session: Session, entry: RosterEntry | None, user_id: int, facts: dict, now: datetime) -> bool:
    fingerprint = _fingerprint(facts)
    if entry is not None and entry.fingerprint == fingerprint:
        return False
    if entry is None:
        entry = RosterEntry(user_id=user_id)
        session.add(entry)
    for name, value in facts.items():
        setattr(entry, name, value)
    entry.fingerprint, entry.updated_at = fingerprint, now
    session.flush()
    session.execute(delete(RosterCredential).where(RosterCredential.entry_id == entry.id))
    session.execute(delete(RosterAward).where(RosterAward.entry_id == entry.id))
    session.add_all(RosterCredential(entry_id=entry.id, skill_code=s["code"], level=s["level"], status=s["status"])
                    for s in facts["skills"])
    session.add_all(RosterAward(entry_id=entry.id, award=a) for a in facts["award_codes"])
    return True


def _remove(session: Session, user_ids: Iterable[int]) -> int:
    entry_ids = list(session.scalars(select(RosterEntry.id).where(RosterEntry.user_id.in_(list(user_ids)))))
    if entry_ids:
        session.execute(delete(RosterCredential).where(RosterCredential.entry_id.in_(entry_ids)))
        session.execute(delete(RosterAward).where(RosterAward.entry_id.in_(entry_ids)))
        session.execute(delete(RosterEntry).where(RosterEntry.id.in_(entry_ids)))
    return len(entry_ids)


def refresh_roster(session: Session, *, now: datetime, user_ids: Iterable[int] | None = None,
                   policies: dict[CertificateKind, KindPolicy] | None = None) -> int:
    """Bring the entries of ``user_ids`` (all workers when None) up to date; returns rows written or removed."""
    policies = policies or DEFAULT_POLICIES
    placings = _placings_by_user(session)
    workers = _worker_ids(session, placings)
    wanted = workers if user_ids is None else workers & set(user_ids)
    stale = (set(session.scalars(select(RosterEntry.user_id))) if user_ids is None else set(user_ids)) - wanted
    changed = _remove(session, stale) if stale else 0
    ordered = sorted(wanted)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start:start + BATCH]
        users = session.scalars(select(User).where(User.id.in_(chunk))).all()
        certs: dict[int, list[Certificate]] = defaultdict(list)
        for cert in session.scalars(select(Certificate).where(
                Certificate.holder_id.in_(chunk), Certificate.state != CertificateState.REJECTED)):
            certs[cert.holder_id].append(cert)
        employers = _employers(session, chunk)
        entries = {e.user_id: e for e in session.scalars(select(RosterEntry).where(RosterEntry.user_id.in_(chunk)))}
        for user in users:
            facts = _facts(user, certs[user.id], placings.get(user.id, []), employers.get(user.id), policies, now)
            changed += _write(session, entries.get(user.id), user.id, facts, now)
    session.flush()
    return changed
