"""Builders for committee review tests: a pending 二级/一级 certificate, the committee, admitted experts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from certificates.config import CertConfig
from certificates.issuance import sweep_issuance
from certificates.models import Certificate, SourceType
from core.models import Organisation, OrgKind, Role, User
from exams.competitions.models import FinalPlacing
from roster import pool, reviews
from roster.pool_models import Expert
from roster.review_models import ReviewApplication
from tests.certificates.cert_world import config_for, make_cert, passed_world
from tests.competitions.world import build_comp_world
from tests.factories import NOW, make_org, make_staff, make_worker

EXPERT_NAMES = ("周立新", "吴海涛", "郑文博", "孙建华", "钱永刚", "冯志远", "陈国栋")


@dataclass
class ReviewWorld:
    config: CertConfig
    committee: Organisation
    chair: User
    member: User  # a committee member who is not the chair
    certificate: Certificate
    experts: list[Expert]

    def expert_user(self, session, expert_id: int) -> User:
        return session.get(User, session.get(Expert, expert_id).user_id)


def admitted_expert(session, cipher, *, skill: str, actor: User, name: str) -> Expert:
    """An expert who applied, was reviewed and admitted through the pool's own services."""
    user = make_worker(session, cipher, name=name)
    expert = pool.apply(session, user=user, region="云南省昆明市", specialties=[skill],
                        statement="从事装配式建筑施工与质量管理二十年。", now=NOW)
    pool.start_review(session, expert=expert, actor_id=actor.id, now=NOW)
    return pool.admit(session, expert=expert, actor_id=actor.id, now=NOW)


def assessed_certificate(session, cipher, tmp_path: Path, level: str) -> Certificate:
    """A pending certificate the real way: theory and practical passed, then the issuance sweeper."""
    passed_world(session, cipher, tmp_path, level=level)
    sweep_issuance(session, config=config_for(tmp_path), now=NOW + timedelta(hours=1))
    return session.scalar(select(Certificate).where(Certificate.source_type == SourceType.REGISTRATION))


def build_review_world(session, cipher, tmp_path: Path, *, level: str = "二级/技师", experts: int = 4,
                       assessed: bool = False) -> ReviewWorld:
    config = config_for(tmp_path)
    if assessed:
        certificate = assessed_certificate(session, cipher, tmp_path, level)
    else:
        base = make_org(session, kind=OrgKind.TRAINING_BASE)
        holder = make_worker(session, cipher, name="李建国")
        certificate = make_cert(session, holder=holder, org=base, config=config, level=level, pending=True)
    committee = make_org(session, kind=OrgKind.COMMITTEE)
    chair = make_staff(session, cipher, committee, Role.COMMITTEE_CHAIR)
    member = make_staff(session, cipher, committee, Role.COMMITTEE_MEMBER)
    pool_experts = [admitted_expert(session, cipher, skill=certificate.skill_code, actor=chair, name=name)
                    for name in EXPERT_NAMES[:experts]]
    session.flush()
    return ReviewWorld(config, committee, chair, member, certificate, pool_experts)


def add_placing(session, cipher, user: User) -> FinalPlacing:
    """A final gold placing with the 技术能手 title for ``user`` (as the competitions package writes it)."""
    comp = build_comp_world(session, cipher, competitors=1, commit=False)
    placing = FinalPlacing(event_id=comp.event.id, competitor_id=comp.competitors[0].id, user_id=user.id, rank=1,
                           total=Decimal("91.5"), standardised=Decimal("600"), awards=["gold", "technical_expert"],
                           snapshot_sha256="0" * 64, decided_at=NOW)
    session.add(placing)
    session.flush()
    return placing


def tenant_application(session, cipher, tmp_path: Path) -> ReviewApplication:
    """An open application of some committee (for the cross-tenant tests: strangers must get 404)."""
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    holder = make_worker(session, cipher, name="王志强")
    certificate = make_cert(session, holder=holder, org=base, config=config_for(tmp_path), level="二级/技师",
                            pending=True)
    member = make_staff(session, cipher, make_org(session, kind=OrgKind.COMMITTEE), Role.COMMITTEE_MEMBER)
    return reviews.open_application(session, certificate=certificate, actor=member, now=NOW)
