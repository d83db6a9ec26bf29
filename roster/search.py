"""Roster search: filters over the denormalised entries, keyset pages in id order, exact ID-number lookup.

``scope`` is who may be seen: ``None`` for the whole roster (committee), else a set of enterprise ids
whose current worker members may be seen (enterprise HR). An entry outside the scope is simply absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from certificates.status import GOOD, PublicStatus
from core import audit
from core.crypto import PiiCipher
from core.errors import ValidationFailed
from core.i18n import lazy
from core.identity import IdentifierInvalid, normalize_id_number
from core.models import Membership, Role, User
from roster.models import RosterAward, RosterBase, RosterCredential, RosterEntry, RosterFlag

PAGE = 50
STATUSES = ("valid", "expired", "suspended", "revoked", "superseded", "pending")
_FLAG_RE = re.compile(r"^[a-z0-9_]{1,30}$")


@dataclass(frozen=True)
class RosterFilters:
    """``level`` N matches a certificate at level N or better (一级 = 1 is best); ``status`` "valid" includes
    certificates about to expire; ``skill``, ``level`` and ``status`` apply to the same certificate."""

    skill: str = ""
    level: int | None = None
    status: str = ""
    region: str = ""  # prefix of the employer's region: "云南省" matches "云南省昆明市"
    enterprise: int | None = None
    award: str = ""
    age_min: int | None = None
    age_max: int | None = None
    base: int | None = None  # a training base linked to the worker (roster.build: issuer, exam host, card entry)
    flag: str = ""  # an eligibility flag code (roster.eligibility), e.g. "renewal_due_30"


@dataclass(frozen=True)
class RosterPage:
    entries: list[RosterEntry]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


def _int(args: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed("invalid_" + name, str(lazy("参数 %(f)s 无效。", f=name)), name)
    return int(raw)


def parse_filters(args: Mapping[str, str]) -> tuple[RosterFilters, int]:
    """Filters and the ``after`` cursor from query parameters; a bad value is a 422 naming the parameter."""
    status = (args.get("status") or "").strip()
    if status and status not in STATUSES:
        raise ValidationFailed("invalid_status", str(lazy("参数 %(f)s 无效。", f="status")), "status")
    flag = (args.get("flag") or "").strip()
    if flag and not _FLAG_RE.match(flag):
        raise ValidationFailed("invalid_flag", str(lazy("参数 %(f)s 无效。", f="flag")), "flag")
    filters = RosterFilters(
        skill=(args.get("skill") or "").strip().upper()[:8], level=_int(args, "level", 1, 5), status=status,
        region=(args.get("region") or "").strip()[:60], enterprise=_int(args, "enterprise", 1, 2**31 - 1),
        award=(args.get("award") or "").strip()[:30], age_min=_int(args, "age_min", 0, 120),
        age_max=_int(args, "age_max", 0, 120), base=_int(args, "base", 1, 2**31 - 1), flag=flag)
    return filters, _int(args, "after", 0, 2**63 - 1) or 0


def _scoped(query, scope: set[int] | None):
    if scope is None:
        return query
    return query.where(exists().where(Membership.user_id == RosterEntry.user_id, Membership.role == Role.WORKER,
                                      Membership.org_id.in_(scope)))


def _facet(table, after: int, *conditions):
    """EXISTS over a facet table. ``entry_id > after`` repeats the keyset bound on the facet's side: PostgreSQL
    carries equalities across a join but not inequalities, so a deep page would read the facet index from its
    first row (a whole-table scan at a million workers)."""
    return exists().where(table.entry_id == RosterEntry.id, table.entry_id > after, *conditions)


def _filtered(query, f: RosterFilters, today: date, after: int = 0):
    if f.skill or f.level or f.status:
        conditions = []
        if f.skill:
            conditions.append(RosterCredential.skill_code == f.skill)
        if f.level:
            conditions.append(RosterCredential.level <= f.level)
        if f.status:
            wanted = [str(s) for s in GOOD] if f.status == "valid" else [str(PublicStatus(f.status))]
            conditions.append(RosterCredential.status.in_(wanted))
        query = query.where(_facet(RosterCredential, after, *conditions))
    if f.region:
        query = query.where(RosterEntry.region.startswith(f.region, autoescape=True))
    if f.enterprise:
        query = query.where(RosterEntry.enterprise_org_id == f.enterprise)
    if f.award:
        query = query.where(_facet(RosterAward, after, RosterAward.award == f.award))
    if f.base:
        query = query.where(_facet(RosterBase, after, RosterBase.org_id == f.base))
    if f.flag:
        query = query.where(_facet(RosterFlag, after, RosterFlag.flag == f.flag))
    if f.age_min is not None:
        query = query.where(RosterEntry.birth_year <= today.year - f.age_min)
    if f.age_max is not None:
        query = query.where(RosterEntry.birth_year >= today.year - f.age_max)
    return query


def search_roster(session: Session, filters: RosterFilters, *, scope: set[int] | None, now: datetime,
                  after: int = 0, limit: int = PAGE) -> RosterPage:
    """A page of entries with ``id > after`` in id order: stable while rows are added or refreshed."""
    query = _filtered(_scoped(select(RosterEntry), scope), filters, now.date(), after)
    rows = list(session.scalars(query.where(RosterEntry.id > after).order_by(RosterEntry.id).limit(limit + 1)))
    return RosterPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def visible_entry(session: Session, user_id: int, *, scope: set[int] | None) -> RosterEntry | None:
    return session.scalar(_scoped(select(RosterEntry), scope).where(RosterEntry.user_id == user_id))


def lookup_by_id_number(session: Session, cipher: PiiCipher, raw: str, *, actor: User, scope: set[int] | None,
                        now: datetime, ip: str = "") -> RosterEntry | None:
    """The entry of the worker with this exact ID number, via the keyed hash; every lookup is audited
    (found or not; the number itself is never recorded). A malformed number is a 422 on ``id_number``."""
    try:
        id_number = normalize_id_number(raw, today=now.date())
    except IdentifierInvalid as exc:
        raise ValidationFailed("invalid_id_number", exc.message, "id_number") from None
    user_id = session.scalar(select(User.id).where(
        User.id_number_hash == cipher.lookup_hash(id_number, purpose="id_number")))
    entry = visible_entry(session, user_id, scope=scope) if user_id is not None else None
    audit.record(session, action="roster.lookup", now=now, actor_id=actor.id,
                 target=f"user:{entry.user_id}" if entry else "", details={"found": entry is not None}, ip=ip)
    return entry
