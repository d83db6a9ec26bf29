"""Rebuild roster entries from the packages below: certificates, competition placings, lessons, exam
registrations and employment, plus the special-trade cards training bases entered here.

``refresh_roster`` is idempotent: each entry's facts are hashed and a row whose facts did not change is
not written (``updated_at`` stays). A full refresh also removes entries of users who are no longer
workers (no worker membership, no certificate, no placing, no special-trade card). Certificate and card
statuses and the eligibility flags depend on the clock, so they are as of ``now``; the scheduler job
refreshes them regularly.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, union
from sqlalchemy.orm import Session

from certificates.models import Certificate
from certificates.policy import DEFAULT_POLICIES, CertificateKind, KindPolicy, level_number
from certificates.status import GOOD, CertificateState, PublicStatus, public_status
from core.models import Membership, Organisation, OrgKind, Role, User
from exams.competitions.queries import FinalPlacingRecord, final_placings
from exams.models import ExamSession, Registration, RegistrationStatus
from lms.models import Lesson, LessonCompletion, LessonVersion
from roster import eligibility
from roster.cards import CardStatus, card_status, local_today
from roster.models import (
    RosterAward,
    RosterBase,
    RosterCredential,
    RosterEntry,
    RosterFlag,
    TradeAuthority,
    TradeCard,
)

BATCH = 500
_COUNTED_EXPIRED = {PublicStatus.EXPIRED}
_COUNTED_REVOKED = {PublicStatus.REVOKED, PublicStatus.SUSPENDED}
_FACET_TABLES = (RosterCredential, RosterAward, RosterBase, RosterFlag)


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
        select(TradeCard.user_id),
    )
    return set(session.scalars(query)) | set(placed)


def training_minutes(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Minutes of training per user: the reading time (``LessonVersion.minutes``, current version) of every
    platform lesson the user completed.

    Completed lessons, not completed courses' ``Course.hours``: a course's hours are the programme's nominal
    学时 (16 for a course whose lessons take about an hour to read, the rest being practice off the platform),
    and crediting them all, or none until the last lesson, would not be what the platform saw the worker do.
    """
    rows = session.execute(
        select(LessonCompletion.user_id, func.sum(LessonVersion.minutes))
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(LessonVersion, LessonVersion.id == Lesson.current_version_id)
        .where(LessonCompletion.user_id.in_(user_ids)).group_by(LessonCompletion.user_id))
    return {user_id: int(minutes or 0) for user_id, minutes in rows}


@dataclass
class _Chunk:
    """Everything the facts of a batch of users are made of, loaded with a few queries per batch."""

    users: list[User]
    entries: dict[int, RosterEntry]
    certs: dict[int, list[Certificate]] = field(default_factory=lambda: defaultdict(list))
    cards: dict[int, list[tuple[TradeCard, TradeAuthority]]] = field(default_factory=lambda: defaultdict(list))
    employers: dict[int, Organisation] = field(default_factory=dict)
    first_employed: dict[int, datetime] = field(default_factory=dict)
    session_bases: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    minutes: dict[int, int] = field(default_factory=dict)
    training_bases: set[int] = field(default_factory=set)


def _load(session: Session, ids: list[int]) -> _Chunk:
    chunk = _Chunk(list(session.scalars(select(User).where(User.id.in_(ids)))),
                   {e.user_id: e for e in session.scalars(select(RosterEntry).where(RosterEntry.user_id.in_(ids)))})
    for cert in session.scalars(select(Certificate).where(
            Certificate.holder_id.in_(ids), Certificate.state != CertificateState.REJECTED)):
        chunk.certs[cert.holder_id].append(cert)
    for card, authority in session.execute(select(TradeCard, TradeAuthority).join(
            TradeAuthority, TradeAuthority.id == TradeCard.authority_id).where(TradeCard.user_id.in_(ids))):
        chunk.cards[card.user_id].append((card, authority))
    # the current employer is the latest worker membership in an enterprise; the first one dates the record
    for user_id, org, joined in session.execute(
            select(Membership.user_id, Organisation, Membership.created_at)
            .join(Organisation, Organisation.id == Membership.org_id)
            .where(Membership.user_id.in_(ids), Membership.role == Role.WORKER, Organisation.kind == OrgKind.ENTERPRISE)
            .order_by(Membership.created_at, Membership.id)):
        chunk.employers[user_id] = org
        chunk.first_employed.setdefault(user_id, joined)
    for user_id, org_id in session.execute(
            select(Registration.user_id, ExamSession.org_id)
            .join(ExamSession, ExamSession.id == Registration.session_id)
            .where(Registration.user_id.in_(ids), Registration.status != RegistrationStatus.CANCELLED).distinct()):
        chunk.session_bases[user_id].add(org_id)
    chunk.minutes = training_minutes(session, ids)
    linked = ({c.issuer_org_id for certs in chunk.certs.values() for c in certs if c.issuer_org_id is not None}
              | {org_id for orgs in chunk.session_bases.values() for org_id in orgs}
              | {card.base_org_id for cards in chunk.cards.values() for card, _a in cards})
    if linked:
        chunk.training_bases = set(session.scalars(select(Organisation.id).where(
            Organisation.id.in_(linked), Organisation.kind == OrgKind.TRAINING_BASE)))
    return chunk


def _last_day(at: datetime) -> date:
    """The last local day an instant-based expiry leaves valid (it is expired from ``at`` on)."""
    return local_today(at - timedelta(microseconds=1))


def _cert_start(cert: Certificate) -> date:
    return local_today(cert.valid_from or cert.issued_at or cert.created_at)


def _card_facts(cards: list[tuple[TradeCard, TradeAuthority]], today: date) -> list[dict]:
    return [{"trade": card.trade_name, "number": card.card_number, "authority": authority.name,
             "issued_on": card.issued_on.isoformat(), "expires_on": card.expires_on.isoformat(),
             "status": str(card_status(authority, card.expires_on, today))}
            for card, authority in sorted(cards, key=lambda pair: pair[0].id)]


def _worker_facts(certs: list[tuple[Certificate, PublicStatus]], cards: list[tuple[TradeCard, TradeAuthority]],
                  minutes: int, titles: set[str], first_employed: datetime | None,
                  today: date) -> eligibility.WorkerFacts:
    good = [c for c, status in certs if status in GOOD]
    levels = tuple(eligibility.HeldLevel(c.skill_code, c.skill_name, level_number(c.level), _cert_start(c))
                   for c in good if c.kind == CertificateKind.SKILL_LEVEL and level_number(c.level) is not None)
    expiring = [eligibility.Expiring("certificate", c.skill_name, _last_day(c.expires_at))
                for c in good if c.expires_at is not None]
    latest: dict[str, tuple[TradeCard, TradeAuthority]] = {}
    for card, authority in sorted(cards, key=lambda pair: (pair[0].expires_on, pair[0].id)):
        latest[card.trade_name] = (card, authority)  # a newer card of the same trade replaces the older one
    expiring += [eligibility.Expiring("card", card.trade_name, card.expires_on) for card, authority in latest.values()
                 if card_status(authority, card.expires_on, today) != CardStatus.EXPIRED]
    starts = [_cert_start(c) for c, _s in certs]
    starts += [card.issued_on for card, _a in cards]
    starts += [local_today(first_employed)] if first_employed else []
    return eligibility.WorkerFacts(levels, tuple(expiring), minutes, frozenset(titles), min(starts, default=None))


def _facts(user: User, chunk: _Chunk, placings: list[FinalPlacingRecord], policies: dict[CertificateKind, KindPolicy],
           rules: eligibility.Rules, now: datetime) -> dict:
    certs = sorted(chunk.certs[user.id], key=lambda c: c.id)
    statuses = [(c, public_status(c.state, policies[CertificateKind(c.kind)], c.expires_at, now)) for c in certs]
    skills = [{"code": c.skill_code, "name": c.skill_name, "level": level_number(c.level), "level_name": c.level,
               "status": str(status), "issuer": c.issuer_name} for c, status in statuses]
    levels = [s["level"] for s in skills if s["level"] is not None and PublicStatus(s["status"]) in GOOD]
    employer, cards, today = chunk.employers.get(user.id), chunk.cards[user.id], local_today(now)
    awards = sorted({a for p in placings for a in p.awards})
    bases = ({c.issuer_org_id for c in certs} | chunk.session_bases[user.id] | {card.base_org_id for card, _a in cards})
    minutes = chunk.minutes.get(user.id, 0)
    worker = _worker_facts(statuses, cards, minutes, set(awards), chunk.first_employed.get(user.id), today)
    return {
        "name": user.name, "id_number_masked": user.id_number_masked, "birth_year": user.birth_year,
        "region": employer.region if employer else "", "enterprise_org_id": employer.id if employer else None,
        "enterprise_name": employer.name if employer else "",
        "base_org_ids": sorted(bases & chunk.training_bases),
        "skills": skills, "top_level": min(levels) if levels else None,
        "certificate_count": len(skills),
        "valid_count": sum(PublicStatus(s["status"]) in GOOD for s in skills),
        "expired_count": sum(PublicStatus(s["status"]) in _COUNTED_EXPIRED for s in skills),
        "revoked_count": sum(PublicStatus(s["status"]) in _COUNTED_REVOKED for s in skills),
        "award_codes": awards,
        "placings": [{"competition": p.competition_title, "event": p.event_title, "occupation": p.occupation,
                      "level": p.level, "rank": p.rank, "awards": list(p.awards),
                      "decided_at": p.decided_at.isoformat()} for p in sorted(placings, key=lambda p: p.id)],
        "training_minutes": minutes,
        "trade_cards": _card_facts(cards, today),
        "flags": eligibility.evaluate(rules, worker, today),
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
    for table in _FACET_TABLES:
        session.execute(delete(table).where(table.entry_id == entry.id))
    session.add_all(RosterCredential(entry_id=entry.id, skill_code=s["code"], level=s["level"], status=s["status"])
                    for s in facts["skills"])
    session.add_all(RosterAward(entry_id=entry.id, award=a) for a in facts["award_codes"])
    session.add_all(RosterBase(entry_id=entry.id, org_id=org_id) for org_id in facts["base_org_ids"])
    session.add_all(RosterFlag(entry_id=entry.id, flag=f["code"]) for f in facts["flags"])
    return True


def _remove(session: Session, user_ids: Iterable[int]) -> int:
    entry_ids = list(session.scalars(select(RosterEntry.id).where(RosterEntry.user_id.in_(list(user_ids)))))
    if entry_ids:
        for table in _FACET_TABLES:
            session.execute(delete(table).where(table.entry_id.in_(entry_ids)))
        session.execute(delete(RosterEntry).where(RosterEntry.id.in_(entry_ids)))
    return len(entry_ids)


def refresh_roster(session: Session, *, now: datetime, user_ids: Iterable[int] | None = None,
                   policies: dict[CertificateKind, KindPolicy] | None = None,
                   rules: eligibility.Rules | None = None) -> int:
    """Bring the entries of ``user_ids`` (all workers when None) up to date; returns rows written or removed.

    ``rules`` defaults to ``roster/eligibility.yaml``; a broken rules file raises ``RulesInvalid`` before
    anything is written."""
    policies = policies or DEFAULT_POLICIES
    rules = rules or eligibility.current_rules()
    placings = _placings_by_user(session)
    workers = _worker_ids(session, placings)
    wanted = workers if user_ids is None else workers & set(user_ids)
    stale = (set(session.scalars(select(RosterEntry.user_id))) if user_ids is None else set(user_ids)) - wanted
    changed = _remove(session, stale) if stale else 0
    ordered = sorted(wanted)
    for start in range(0, len(ordered), BATCH):
        chunk = _load(session, ordered[start:start + BATCH])
        for user in chunk.users:
            facts = _facts(user, chunk, placings.get(user.id, []), policies, rules, now)
            changed += _write(session, chunk.entries.get(user.id), user.id, facts, now)
    session.flush()
    return changed
