"""Builders for expert pool and panel draw tests: a committee, an enterprise, a training base, a subject who
works at the enterprise and holds a certificate from the base, and admitted experts."""

from __future__ import annotations

from dataclasses import dataclass

from core import orgs
from core.models import Organisation, OrgKind, Role, User
from roster import pool
from roster.draws import draw_panel
from roster.pool_models import Expert, PanelDraw
from tests.certificates.cert_world import config_for, make_cert
from tests.factories import NOW, make_org, make_staff, make_worker


@dataclass
class PoolWorld:
    committee: Organisation
    chair: User
    member: User
    enterprise: Organisation
    base: Organisation
    subject: User  # worker of ``enterprise``, holds a certificate issued by ``base``


def make_expert(session, cipher, world: PoolWorld, *, name: str = "专家", codes=("HOIST",),
                region: str = "云南省昆明市", org: Organisation | None = None, role: Role = Role.WORKER,
                admitted: bool = True) -> Expert:
    """A person (optionally a member of ``org`` with ``role``) admitted to the pool by the chair."""
    user = make_worker(session, cipher, name=name)
    if org is not None:
        orgs.grant_role(session, actor_id=None, org=org, user=user, role=role, now=NOW)
    expert = pool.apply(session, user=user, region=region, specialties=codes, statement="", now=NOW)
    if admitted:
        pool.start_review(session, expert=expert, actor_id=world.chair.id, now=NOW)
        pool.admit(session, expert=expert, actor_id=world.chair.id, now=NOW)
    return expert


def build_pool_world(session, cipher, tmp_path) -> PoolWorld:
    committee = make_org(session, kind=OrgKind.COMMITTEE)
    enterprise, base = make_org(session, kind=OrgKind.ENTERPRISE), make_org(session, kind=OrgKind.TRAINING_BASE)
    subject = make_worker(session, cipher, name="受评人")
    orgs.grant_role(session, actor_id=None, org=enterprise, user=subject, role=Role.WORKER, now=NOW)
    make_cert(session, holder=subject, org=base, config=config_for(tmp_path), level="三级/高级工")
    chair = make_staff(session, cipher, committee, Role.COMMITTEE_CHAIR)
    member = make_staff(session, cipher, committee, Role.COMMITTEE_MEMBER)
    session.flush()
    return PoolWorld(committee, chair, member, enterprise, base, subject)


def tenant_pool_objects(session, cipher) -> tuple[Expert, PanelDraw]:
    """An admitted expert and a panel draw, for the cross-tenant checks (committee-only objects)."""
    committee = make_org(session, kind=OrgKind.COMMITTEE)
    chair = make_staff(session, cipher, committee, Role.COMMITTEE_CHAIR)
    expert = pool.apply(session, user=make_worker(session, cipher, name="乙方专家"), region="云南省",
                        specialties="HOIST", statement="", now=NOW)
    pool.start_review(session, expert=expert, actor_id=chair.id, now=NOW)
    pool.admit(session, expert=expert, actor_id=chair.id, now=NOW)
    subject = make_worker(session, cipher, name="乙方受评人")
    draw = draw_panel(session, purpose="评审", subject_user_id=subject.id, specialty="HOIST", region=None, size=1,
                      actor_id=chair.id, now=NOW, seed="tenant")
    return expert, draw
