"""Builders for roster tests: workers with employers, certificates and a competition placing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from certificates.policy import CertificateKind
from core import orgs
from core.models import Organisation, OrgKind, Role, User
from exams.competitions.models import FinalPlacing
from tests.certificates.cert_world import config_for, make_cert
from tests.competitions.world import build_comp_world
from tests.factories import NOW, make_org, make_staff, make_worker


@dataclass
class RosterWorld:
    ent_a: Organisation
    ent_b: Organisation
    base: Organisation
    hr_a: User
    committee: User
    skilled: User  # employee of A, 三级 HOIST certificate, valid
    expired: User  # employee of B, special-trade card expired
    medallist: User  # no employer, a gold placing


def employ(session, org: Organisation, user: User) -> None:
    orgs.grant_role(session, actor_id=None, org=org, user=user, role=Role.WORKER, now=NOW)


def build_roster_world(session, cipher, tmp_path) -> RosterWorld:
    config = config_for(tmp_path)
    ent_a, ent_b = make_org(session, kind=OrgKind.ENTERPRISE), make_org(session, kind=OrgKind.ENTERPRISE)
    ent_b.region = "广东省深圳市"
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    committee_org = make_org(session, kind=OrgKind.COMMITTEE)
    skilled, expired, medallist = (make_worker(session, cipher, name=n) for n in ("李建国", "王志强", "赵红梅"))
    employ(session, ent_a, skilled)
    employ(session, ent_b, expired)
    make_cert(session, holder=skilled, org=base, config=config, level="三级/高级工")
    make_cert(session, holder=expired, org=base, config=config, kind=CertificateKind.SPECIAL_TRADE, level="",
              skill="SIGNAL", expires_at=NOW - timedelta(days=1), now=NOW - timedelta(days=800))
    comp = build_comp_world(session, cipher, competitors=1, commit=False)
    session.add(FinalPlacing(event_id=comp.event.id, competitor_id=comp.competitors[0].id, user_id=medallist.id,
                             rank=1, total=Decimal("91.5"), standardised=Decimal("600"), awards=["gold", "技术能手"],
                             snapshot_sha256="0" * 64, decided_at=NOW))
    session.flush()
    return RosterWorld(ent_a, ent_b, base, make_staff(session, cipher, ent_a, Role.ENTERPRISE_HR),
                       make_staff(session, cipher, committee_org, Role.COMMITTEE_MEMBER), skilled, expired, medallist)
