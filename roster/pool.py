"""Expert pool (专家库): application or nomination → review → admission or rejection; suspension,
reinstatement and removal with a reason; specialties, declared relationships and ratings.

Every change appends a row to the expert's integrity log (a hash chain per expert, ``verify_log``) and to
the platform audit log. Who may act is checked by the views; these functions check that the change is
legal in the expert's current status and raise ``Conflict`` when it is not, ``ValidationFailed`` (naming
the field) for bad input. They flush and never commit.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.crypto import PiiCipher
from core.errors import Conflict, NotFound, ValidationFailed
from core.i18n import lazy
from core.identity import IdentifierInvalid, normalize_id_number, normalize_phone
from core.models import Membership, Organisation, OrgKind, User
from roster.pool_models import (
    Expert,
    ExpertLogEntry,
    ExpertRating,
    ExpertRelationship,
    ExpertSpecialty,
    ExpertStatus,
    RelationshipKind,
)

GENESIS = "0" * 64
MAX_SPECIALTIES = 10
_SKILL_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
NOMINATING_KINDS = (OrgKind.TRAINING_BASE, OrgKind.ENTERPRISE)

S = ExpertStatus
# action -> (new status, statuses it may start from, reason required)
TRANSITIONS: dict[str, tuple[ExpertStatus, frozenset[ExpertStatus], bool]] = {
    "review": (S.UNDER_REVIEW, frozenset({S.APPLIED, S.NOMINATED}), False),
    "admit": (S.ADMITTED, frozenset({S.UNDER_REVIEW}), False),
    "reject": (S.REJECTED, frozenset({S.APPLIED, S.NOMINATED, S.UNDER_REVIEW}), True),
    "suspend": (S.SUSPENDED, frozenset({S.ADMITTED}), True),
    "reinstate": (S.ADMITTED, frozenset({S.SUSPENDED}), True),
    "remove": (S.REMOVED, frozenset({S.ADMITTED, S.SUSPENDED}), True),
}
RATED_STATUSES = frozenset({S.ADMITTED, S.SUSPENDED, S.REMOVED})  # everyone who has served


def status_label(status: str) -> str:
    return str({
        S.APPLIED: lazy("已申请"),
        S.NOMINATED: lazy("单位推荐"),
        S.UNDER_REVIEW: lazy("审核中"),
        S.ADMITTED: lazy("已入库"),
        S.REJECTED: lazy("未通过"),
        S.SUSPENDED: lazy("已暂停"),
        S.REMOVED: lazy("已移出"),
    }[ExpertStatus(status)])


def kind_label(kind: str) -> str:
    return str({
        RelationshipKind.RELATIVE: lazy("亲属"),
        RelationshipKind.EMPLOYMENT: lazy("任职、兼职或雇佣"),
        RelationshipKind.MENTOR: lazy("师徒或师生"),
        RelationshipKind.BUSINESS: lazy("经济往来"),
        RelationshipKind.OTHER: lazy("其他"),
    }[RelationshipKind(kind)])


# -- input ---------------------------------------------------------------------------------------------------------

def _text(raw: str | None, *, field: str, label: str, limit: int, required: bool = False,
          collapse: bool = True) -> str:
    text = " ".join((raw or "").split()) if collapse else (raw or "").strip()
    if required and not text:
        raise ValidationFailed(f"{field}_required", str(lazy("请填写%(label)s。", label=label)), field)
    if len(text) > limit:
        raise ValidationFailed(f"{field}_too_long", str(lazy("%(label)s最多%(n)d个字。", label=label, n=limit)),
                               field)
    return text


def _reason(raw: str | None, *, required: bool) -> str:
    return _text(raw, field="reason", label=str(lazy("原因")), limit=500, required=required)


def parse_specialties(raw: str | Iterable[str], *, field: str = "specialties") -> list[str]:
    """Skill codes as certificates use them (HOIST, GROUT, ASSY …), from a list or "HOIST, GROUT" text;
    at least one, at most ``MAX_SPECIALTIES``; a malformed code is a 422 on ``field``."""
    parts = re.split(r"[\s,，、;；]+", raw) if isinstance(raw, str) else list(raw)
    codes = sorted({p.strip().upper() for p in parts if p and p.strip()})
    bad = [c for c in codes if not _SKILL_CODE.match(c)]
    if bad:
        message = lazy("专业代码无效：%(c)s（应为2到8位大写字母或数字，如 HOIST）。", c="、".join(bad))
        raise ValidationFailed("invalid_specialty", str(message), field)
    if not codes:
        raise ValidationFailed("specialties_required", str(lazy("请至少填写一个专业（工种代码）。")), field)
    if len(codes) > MAX_SPECIALTIES:
        raise ValidationFailed("too_many_specialties", str(lazy("专业最多 %(n)d 个。", n=MAX_SPECIALTIES)), field)
    return codes


def find_person(session: Session, cipher: PiiCipher, raw: str, *, field: str, today: date) -> User:
    """A registered person by ID number (18 characters) or mobile number, via the keyed hashes. Neither the
    number nor whether it is registered is echoed: an unknown person is a 422 on ``field`` like a typo."""
    value = (raw or "").strip()
    if not value:
        raise ValidationFailed(f"{field}_required", str(lazy("请填写身份证号或手机号。")), field)
    try:
        if len(value.replace(" ", "")) == 18:
            column, purpose, value = User.id_number_hash, "id_number", normalize_id_number(value, today=today)
        else:
            column, purpose, value = User.phone_hash, "phone", normalize_phone(value)
    except IdentifierInvalid as exc:
        raise ValidationFailed(f"invalid_{field}", exc.message, field) from None
    user = session.scalar(select(User).where(column == cipher.lookup_hash(value, purpose=purpose)))
    if user is None:
        raise ValidationFailed(f"unknown_{field}", str(lazy("未找到该人员，请核对身份证号或手机号。")), field)
    return user


def find_subject(session: Session, cipher: PiiCipher, raw: str, *, today: date) -> User:
    """The person a panel is drawn for: a user number (as in roster links), an ID number or a mobile number."""
    value = (raw or "").strip()
    if value.isdigit() and len(value) <= 10:
        user = session.get(User, int(value)) if int(value) < 2**31 else None
        if user is None:
            raise ValidationFailed("unknown_subject", str(lazy("未找到该人员，请核对身份证号或手机号。")), "subject")
        return user
    return find_person(session, cipher, value, field="subject", today=today)


# -- integrity log -------------------------------------------------------------------------------------------------

def _digest(prev_hash: str, entry: ExpertLogEntry) -> str:
    body = json.dumps([entry.expert_id, entry.seq, entry.action, entry.from_status, entry.to_status, entry.reason,
                       entry.details, entry.actor_id, entry.at.isoformat(timespec="microseconds")],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _log(session: Session, expert: Expert, *, action: str, actor_id: int | None, now: datetime,
         from_status: str = "", reason: str = "", details: dict | None = None) -> ExpertLogEntry:
    """Append to the expert's log and the audit log. The caller holds the expert row (``_locked``)."""
    last = session.execute(select(ExpertLogEntry.seq, ExpertLogEntry.row_hash)
                           .where(ExpertLogEntry.expert_id == expert.id)
                           .order_by(ExpertLogEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = ExpertLogEntry(expert_id=expert.id, seq=seq, action=action, from_status=str(from_status),
                           to_status=str(expert.status), reason=reason, details=details or {}, actor_id=actor_id,
                           at=now, prev_hash=prev)
    entry.row_hash = _digest(prev, entry)
    session.add(entry)
    session.flush()
    audit.record(session, action=f"expert.{action}", now=now, actor_id=actor_id, target=f"expert:{expert.id}",
                 details={"user_id": expert.user_id, "status": str(expert.status), "reason": reason[:200],
                          **(details or {})})
    return entry


@dataclass(frozen=True)
class LogReport:
    checked: int
    broken_at_seq: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at_seq is None


def verify_log(session: Session, expert_id: int) -> LogReport:
    """Recompute the expert's chain in ``seq`` order; the first edited, removed or inserted row is reported."""
    prev, checked = GENESIS, 0
    rows = session.scalars(select(ExpertLogEntry).where(ExpertLogEntry.expert_id == expert_id)
                           .order_by(ExpertLogEntry.seq))
    for expected_seq, entry in enumerate(rows, start=1):
        if entry.seq != expected_seq or entry.prev_hash != prev or entry.row_hash != _digest(prev, entry):
            return LogReport(checked, entry.seq)
        prev, checked = entry.row_hash, checked + 1
    return LogReport(checked, None)


def _locked(session: Session, expert: Expert) -> Expert:
    """Re-read the expert under a row lock, so two concurrent changes see each other's status."""
    session.refresh(expert, with_for_update=True)
    return expert


# -- entering the pool ---------------------------------------------------------------------------------------------

def _replace_specialties(expert: Expert, codes: list[str]) -> None:
    """Keep the rows of codes that stay (the ORM inserts before it deletes: a re-added code would collide)."""
    kept = [s for s in expert.specialties if s.skill_code in codes]
    held = {s.skill_code for s in kept}
    expert.specialties = kept + [ExpertSpecialty(skill_code=c) for c in codes if c not in held]


def _enter(session: Session, *, user: User, status: ExpertStatus, org_id: int | None, actor_id: int, region: str,
           specialties: str | Iterable[str], statement: str, now: datetime) -> Expert:
    codes = parse_specialties(specialties)
    region = _text(region, field="region", label=str(lazy("地区")), limit=60)
    statement = _text(statement, field="statement", label=str(lazy("个人简介")), limit=2000, collapse=False)
    expert = session.scalar(select(Expert).where(Expert.user_id == user.id))
    if expert is not None:
        _locked(session, expert)
        if expert.status == S.REMOVED:
            raise Conflict("removed", str(lazy("此人已被移出专家库，不能重新申请或推荐。")), "person")
        if expert.status != S.REJECTED:
            raise Conflict("already_in_pool", str(lazy("此人已在专家库中或申请正在处理（%(s)s）。",
                                                      s=status_label(expert.status))), "person")
    else:
        expert = Expert(user_id=user.id, created_at=now)
        session.add(expert)
    previous = expert.status or ""
    expert.status, expert.status_changed_at, expert.status_reason = status, now, ""
    expert.region, expert.statement, expert.nominated_by_org_id = region, statement, org_id
    _replace_specialties(expert, codes)
    try:
        session.flush()
    except IntegrityError:  # a concurrent application for the same person won
        raise Conflict("already_in_pool", str(lazy("此人已在专家库中或申请正在处理。")), "person") from None
    _log(session, expert, action=str(status), actor_id=actor_id, now=now, from_status=previous,
         details={"specialties": codes, "region": region, **({"org_id": org_id} if org_id else {})})
    return expert


def apply(session: Session, *, user: User, region: str, specialties: str | Iterable[str], statement: str,
          now: datetime) -> Expert:
    """Self-application; a rejected applicant may apply again, a removed expert may not."""
    return _enter(session, user=user, status=S.APPLIED, org_id=None, actor_id=user.id, region=region,
                  specialties=specialties, statement=statement, now=now)


def nominate(session: Session, *, org: Organisation, user: User, actor_id: int, region: str,
             specialties: str | Iterable[str], statement: str, now: datetime) -> Expert:
    """Nomination by a training base or an enterprise of one of its own people (any membership there); anyone
    else is refused on ``person`` exactly like an unknown number, so the form reveals nobody."""
    if OrgKind(org.kind) not in NOMINATING_KINDS:
        raise ValidationFailed("org_cannot_nominate", str(lazy("只有培训基地和企业可以推荐专家。")), "org")
    member = session.scalar(select(Membership.id).where(Membership.org_id == org.id, Membership.user_id == user.id)
                            .limit(1))
    if member is None:
        raise ValidationFailed("unknown_person", str(lazy("未找到该人员，请核对身份证号或手机号。")), "person")
    return _enter(session, user=user, status=S.NOMINATED, org_id=org.id, actor_id=actor_id,
                  region=region or org.region, specialties=specialties, statement=statement, now=now)


# -- review and status changes -------------------------------------------------------------------------------------

def change_status(session: Session, *, expert: Expert, action: str, reason: str, actor_id: int,
                  now: datetime) -> Expert:
    """Apply one of ``TRANSITIONS``; an action not allowed from the current status is a ``Conflict``."""
    if action not in TRANSITIONS:
        raise ValidationFailed("invalid_action", str(lazy("操作无效。")), "action")
    target, allowed, needs_reason = TRANSITIONS[action]
    reason = _reason(reason, required=needs_reason)
    _locked(session, expert)
    if expert.status not in allowed:
        raise Conflict("illegal_transition", str(lazy("专家当前状态为“%(s)s”，不能执行此操作。",
                                                     s=status_label(expert.status))))
    previous = expert.status
    expert.status, expert.status_changed_at, expert.status_reason = target, now, reason
    session.flush()
    _log(session, expert, action=action, actor_id=actor_id, now=now, from_status=previous, reason=reason)
    return expert


def start_review(session: Session, *, expert: Expert, actor_id: int, now: datetime, note: str = "") -> Expert:
    return change_status(session, expert=expert, action="review", reason=note, actor_id=actor_id, now=now)


def admit(session: Session, *, expert: Expert, actor_id: int, now: datetime, note: str = "") -> Expert:
    return change_status(session, expert=expert, action="admit", reason=note, actor_id=actor_id, now=now)


def reject(session: Session, *, expert: Expert, reason: str, actor_id: int, now: datetime) -> Expert:
    return change_status(session, expert=expert, action="reject", reason=reason, actor_id=actor_id, now=now)


def suspend(session: Session, *, expert: Expert, reason: str, actor_id: int, now: datetime) -> Expert:
    return change_status(session, expert=expert, action="suspend", reason=reason, actor_id=actor_id, now=now)


def reinstate(session: Session, *, expert: Expert, reason: str, actor_id: int, now: datetime) -> Expert:
    return change_status(session, expert=expert, action="reinstate", reason=reason, actor_id=actor_id, now=now)


def remove(session: Session, *, expert: Expert, reason: str, actor_id: int, now: datetime) -> Expert:
    return change_status(session, expert=expert, action="remove", reason=reason, actor_id=actor_id, now=now)


def set_specialties(session: Session, *, expert: Expert, specialties: str | Iterable[str], actor_id: int,
                    now: datetime) -> Expert:
    """Replace the expert's specialties (committee chair); a removed expert's record is closed."""
    codes = parse_specialties(specialties)
    _locked(session, expert)
    if expert.status == S.REMOVED:
        raise Conflict("expert_removed", str(lazy("该专家已移出专家库。")))
    before = expert.skill_codes
    _replace_specialties(expert, codes)
    session.flush()
    _log(session, expert, action="specialties", actor_id=actor_id, now=now, from_status=expert.status,
         details={"before": before, "after": codes})
    return expert


# -- relationships and ratings -------------------------------------------------------------------------------------

def declare_relationship(session: Session, *, expert: Expert, kind: str, note: str, actor_id: int, now: datetime,
                         related_user: User | None = None, related_org: Organisation | None = None
                         ) -> ExpertRelationship:
    """Declare a relationship with exactly one person or organisation; from then on draws keep the expert
    off panels for that person, or for people employed or trained by that organisation."""
    try:
        kind = RelationshipKind(kind)
    except ValueError:
        raise ValidationFailed("invalid_kind", str(lazy("请选择关系类型。")), "kind") from None
    if (related_user is None) == (related_org is None):
        raise ValidationFailed("party_required", str(lazy("请填写有关人员或选择有关单位（二选一）。")), "person")
    if related_user is not None and related_user.id == expert.user_id:
        raise ValidationFailed("self_relationship", str(lazy("不能申报与本人的关系。")), "person")
    note = _text(note, field="note", label=str(lazy("说明")), limit=500, required=kind == RelationshipKind.OTHER)
    _locked(session, expert)
    row = ExpertRelationship(expert_id=expert.id, kind=kind, note=note, declared_by_id=actor_id, declared_at=now,
                             related_user_id=related_user.id if related_user else None,
                             related_org_id=related_org.id if related_org else None)
    session.add(row)
    session.flush()
    party = {"user_id": row.related_user_id} if related_user else {"org_id": row.related_org_id}
    _log(session, expert, action="relationship", actor_id=actor_id, now=now, from_status=expert.status,
         details={"kind": str(kind), **party})
    return row


def record_rating(session: Session, *, expert_id: int, score: int, job: str, actor_id: int,
                  now: datetime) -> ExpertRating:
    """Rate an expert 0..100 after one job (``job`` names it, e.g. ``review:12``); one rating per expert and
    job (a second is a ``Conflict``); only experts who have been admitted can be rated."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationFailed("invalid_score", str(lazy("评分应为0到100之间的整数。")), "score")
    job = _text(job, field="job", label=str(lazy("评分对应的工作")), limit=120, required=True)
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFound(str(lazy("专家不存在。")))
    _locked(session, expert)
    if expert.status not in RATED_STATUSES:
        raise Conflict("not_admitted", str(lazy("该人员尚未入库，不能评分。")))
    if session.scalar(select(ExpertRating.id).where(ExpertRating.expert_id == expert_id, ExpertRating.job == job)):
        raise Conflict("already_rated", str(lazy("该专家在这项工作中已有评分。")), "job")
    rating = ExpertRating(expert_id=expert_id, job=job, score=score, rater_id=actor_id, rated_at=now)
    session.add(rating)
    session.flush()
    _log(session, expert, action="rated", actor_id=actor_id, now=now, from_status=expert.status,
         details={"job": job, "score": score})
    return rating


@dataclass(frozen=True)
class RatingSummary:
    count: int
    mean: Decimal | None  # one decimal place; None before the first rating


def rating_summaries(session: Session, expert_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Count and mean score per expert (experts without ratings get ``RatingSummary(0, None)``)."""
    ids = list(expert_ids)
    out = {i: RatingSummary(0, None) for i in ids}
    rows = session.execute(select(ExpertRating.expert_id, func.count(), func.sum(ExpertRating.score))
                           .where(ExpertRating.expert_id.in_(ids)).group_by(ExpertRating.expert_id))
    for expert_id, count, total in rows:
        mean = (Decimal(int(total)) / count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        out[expert_id] = RatingSummary(count, mean)
    return out
