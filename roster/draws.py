"""Random panel draws from the expert pool, with automatic 回避 and a record that replays.

Algorithm ``sha256-rank/1`` (``pick_panel``): every eligible expert id gets the key
``SHA-256("<seed>:<id>")`` in lowercase hex; the candidates are sorted by key (then by id) and the first
``size`` form the panel, in that order. Anyone can recompute it from the recorded seed and candidate list
(``printf '%s' 'SEED:17' | sha256sum``), on any machine and any Python version, and the result does not
depend on the order the candidates were listed in. A replacement uses the same ranking with the derived
seed ``"<seed>/r<n>"`` (n = 1, 2 … in replacement order) over the eligible candidates who were never on the
panel and were still available.

回避 (``conflicts``): an expert is excluded when any organisation they belong to (any membership, resolved
at draw time) is one of the subject's enterprises (current worker memberships) or training bases (issuers
of the subject's certificates), or when the expert declared a relationship with the subject or with one of
those organisations. Each exclusion is recorded with its reasons.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from certificates.models import Certificate
from certificates.status import CertificateState
from core import audit
from core.errors import Conflict, ValidationFailed
from core.i18n import lazy
from core.models import Membership, Organisation, Role, User
from roster.pool import parse_specialties
from roster.pool_models import Expert, ExpertRelationship, ExpertSpecialty, ExpertStatus, PanelDraw, PanelReplacement

ALGORITHM = "sha256-rank/1"
MAX_PANEL = 30
_SEED = re.compile(r"^[\x21-\x7e]{1,64}$")  # printable ASCII without spaces: easy to type into sha256sum


# -- the pure part -------------------------------------------------------------------------------------------------

def rank_key(seed: str, expert_id: int) -> str:
    return hashlib.sha256(f"{seed}:{expert_id}".encode()).hexdigest()


def ranked(eligible_ids: Iterable[int], seed: str) -> list[tuple[int, str]]:
    """``(expert_id, key)`` for every candidate in draw order."""
    return sorted(((i, rank_key(seed, i)) for i in set(eligible_ids)), key=lambda pair: (pair[1], pair[0]))


def pick_panel(eligible_ids: Sequence[int], seed: str, size: int) -> list[int]:
    """The first ``size`` candidates by ``rank_key``; ValueError when there are fewer candidates than that."""
    order = ranked(eligible_ids, seed)
    if not 0 <= size <= len(order):
        raise ValueError(f"cannot pick {size} of {len(order)} candidates")
    return [expert_id for expert_id, _key in order[:size]]


def replacement_seed(seed: str, seq: int) -> str:
    return f"{seed}/r{seq}"


ALGORITHMS: dict[str, Callable[[Sequence[int], str, int], list[int]]] = {ALGORITHM: pick_panel}


def replay(draw: PanelDraw) -> list[int]:
    """Recompute the current panel from the recorded candidates, exclusions, seed and replacements alone.
    Equal to ``draw.member_expert_ids`` unless the record was altered."""
    pick = ALGORITHMS[draw.algorithm]
    members: list[int | None] = list(pick(draw.eligible_ids, draw.seed, draw.size))
    used = set(members)
    for replacement in draw.replacements:
        if replacement.replaced_expert_id not in members:
            break  # the recorded history does not fit the recomputed panel: leave the difference visible
        passed_over = {row["expert_id"] for row in replacement.unavailable}
        available = [i for i in draw.eligible_ids if i not in used and i not in passed_over]
        chosen = pick(available, replacement_seed(draw.seed, replacement.seq), 1)[0] if available else None
        members[members.index(replacement.replaced_expert_id)] = chosen
        used.add(chosen)
    return members


def replay_matches(draw: PanelDraw) -> bool:
    return replay(draw) == draw.member_expert_ids


# -- 回避 ------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubjectTies:
    user_id: int
    enterprise_ids: frozenset[int]  # organisations where the subject is a worker now
    base_ids: frozenset[int]  # issuers of the subject's certificates

    @property
    def org_ids(self) -> frozenset[int]:
        return self.enterprise_ids | self.base_ids


def subject_ties(session: Session, user_id: int) -> SubjectTies:
    enterprises = session.scalars(select(Membership.org_id).where(
        Membership.user_id == user_id, Membership.role == Role.WORKER))
    bases = session.scalars(select(Certificate.issuer_org_id).where(
        Certificate.holder_id == user_id, Certificate.issuer_org_id.is_not(None),
        Certificate.state != CertificateState.REJECTED))
    return SubjectTies(user_id, frozenset(enterprises), frozenset(bases))


def conflicts(session: Session, ties: SubjectTies, expert_ids: Sequence[int]) -> dict[int, list[dict]]:
    """``{expert_id: [reason, …]}`` for the experts among ``expert_ids`` who must stand aside (回避)."""
    reasons: dict[int, list[dict]] = defaultdict(list)
    if not expert_ids:
        return {}
    org_names = dict(session.execute(select(Organisation.id, Organisation.name)
                                     .where(Organisation.id.in_(ties.org_ids))).tuples().all())
    shared = session.execute(
        select(Expert.id, Membership.org_id).join(Membership, Membership.user_id == Expert.user_id)
        .where(Expert.id.in_(expert_ids), Membership.org_id.in_(ties.org_ids))
        .distinct().order_by(Expert.id, Membership.org_id))
    for expert_id, org_id in shared:
        code = "same_enterprise" if org_id in ties.enterprise_ids else "same_base"
        reasons[expert_id].append({"code": code, "org_id": org_id, "org_name": org_names.get(org_id, "")})
    declared = session.scalars(
        select(ExpertRelationship).where(
            ExpertRelationship.expert_id.in_(expert_ids),
            (ExpertRelationship.related_user_id == ties.user_id)
            | ExpertRelationship.related_org_id.in_(ties.org_ids))
        .order_by(ExpertRelationship.id))
    for row in declared:
        reason = {"code": "declared_relationship", "kind": str(row.kind), "relationship_id": row.id}
        if row.related_org_id is not None:
            reason |= {"org_id": row.related_org_id, "org_name": org_names.get(row.related_org_id, "")}
        reasons[row.expert_id].append(reason)
    return dict(reasons)


# -- draws ---------------------------------------------------------------------------------------------------------

def _candidates(session: Session, *, specialty: str, region: str | None, subject_user_id: int) -> list[int]:
    query = select(Expert.id).where(
        Expert.status == ExpertStatus.ADMITTED, Expert.user_id != subject_user_id,
        exists().where(ExpertSpecialty.expert_id == Expert.id, ExpertSpecialty.skill_code == specialty))
    if region:
        query = query.where(Expert.region.startswith(region, autoescape=True))
    return list(session.scalars(query.order_by(Expert.id)))


def _checked_input(purpose: str, specialty: str, region: str | None, size: int, seed: str | None
                   ) -> tuple[str, str, str | None, str]:
    purpose = " ".join((purpose or "").split())
    if not purpose or len(purpose) > 200:
        raise ValidationFailed("invalid_purpose", str(lazy("请填写抽取用途（最多200字）。")), "purpose")
    codes = parse_specialties(specialty or "", field="specialty")
    if len(codes) != 1:
        raise ValidationFailed("invalid_specialty", str(lazy("请只填写一个专业（工种代码）。")), "specialty")
    region = (region or "").strip()[:60] or None
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PANEL:
        raise ValidationFailed("invalid_size", str(lazy("抽取人数应为1到%(n)d之间的整数。", n=MAX_PANEL)), "size")
    seed = secrets.token_hex(16) if seed is None else seed.strip()
    if not _SEED.match(seed):
        raise ValidationFailed("invalid_seed", str(lazy("随机种子应为1到64个字母、数字或符号（不含空格）。")), "seed")
    return purpose, codes[0], region, seed


def draw_panel(session: Session, *, purpose: str, subject_user_id: int, specialty: str, region: str | None,
               size: int, actor_id: int, now: datetime, seed: str | None = None) -> PanelDraw:
    """Draw ``size`` admitted experts of ``specialty`` (and region prefix) for a job about the subject, after
    回避; the seed is random unless given. Fewer eligible experts than ``size`` is a ``Conflict`` on ``size``."""
    purpose, specialty, region, seed = _checked_input(purpose, specialty, region, size, seed)
    if session.get(User, subject_user_id) is None:
        raise ValidationFailed("unknown_subject", str(lazy("未找到受评人员。")), "subject")
    candidates = _candidates(session, specialty=specialty, region=region, subject_user_id=subject_user_id)
    excluded = conflicts(session, subject_ties(session, subject_user_id), candidates)
    eligible = [i for i in candidates if i not in excluded]
    if len(eligible) < size:
        raise Conflict("too_few_experts", str(lazy(
            "专业 %(code)s 符合条件的在库专家 %(n)d 名，回避 %(x)d 名后剩 %(left)d 名，不足抽取人数 %(size)d 名。",
            code=specialty, n=len(candidates), x=len(excluded), left=len(eligible), size=size)), "size")
    draw = PanelDraw(purpose=purpose, subject_user_id=subject_user_id, specialty=specialty, region=region, size=size,
                     seed=seed, algorithm=ALGORITHM, candidate_ids=candidates,
                     excluded=[{"expert_id": i, "reasons": excluded[i]} for i in candidates if i in excluded],
                     selected_ids=pick_panel(eligible, seed, size), actor_id=actor_id, drawn_at=now)
    session.add(draw)
    session.flush()
    audit.record(session, action="roster.panel_drawn", now=now, actor_id=actor_id, target=f"panel_draw:{draw.id}",
                 details={"subject_user_id": subject_user_id, "specialty": specialty, "size": size, "seed": seed,
                          "selected": draw.selected_ids, "excluded": draw.excluded_ids})
    return draw


def replace_member(session: Session, *, draw: PanelDraw, expert_id: int, reason: str, actor_id: int,
                   now: datetime) -> PanelDraw:
    """Replace one current member, for a stated reason, by the next expert under the derived seed among the
    eligible candidates never on this panel; candidates no longer admitted or newly in 回避 are passed over
    (and recorded). No one left is a ``Conflict``."""
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 500:
        raise ValidationFailed("reason_required", str(lazy("请填写更换原因（最多500字）。")), "reason")
    session.refresh(draw, with_for_update=True)
    if expert_id not in draw.member_expert_ids:
        raise ValidationFailed("not_a_member", str(lazy("该专家不在本次抽取的专家组中。")), "expert_id")
    used = set(draw.selected_ids) | {r.replacement_expert_id for r in draw.replacements}
    remaining = [i for i in draw.eligible_ids if i not in used]
    passed_over = conflicts(session, subject_ties(session, draw.subject_user_id), remaining)
    admitted = set(session.scalars(select(Expert.id).where(Expert.id.in_(remaining),
                                                           Expert.status == ExpertStatus.ADMITTED)))
    for i in remaining:
        if i not in admitted:
            passed_over[i] = [{"code": "not_admitted"}, *passed_over.get(i, [])]
    available = [i for i in remaining if i not in passed_over]
    if not available:
        raise Conflict("no_replacement", str(lazy("没有可以递补的专家，请重新抽取。")))
    seq = len(draw.replacements) + 1
    seed = replacement_seed(draw.seed, seq)
    chosen = pick_panel(available, seed, 1)[0]
    draw.replacements.append(PanelReplacement(
        seq=seq, replaced_expert_id=expert_id, replacement_expert_id=chosen, reason=reason, seed=seed,
        unavailable=[{"expert_id": i, "reasons": passed_over[i]} for i in remaining if i in passed_over],
        actor_id=actor_id, replaced_at=now))
    session.flush()
    audit.record(session, action="roster.panel_member_replaced", now=now, actor_id=actor_id,
                 target=f"panel_draw:{draw.id}", details={"seq": seq, "replaced": expert_id, "replacement": chosen,
                                                           "seed": seed, "reason": reason[:200]})
    return draw
