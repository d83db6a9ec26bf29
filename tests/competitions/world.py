"""A competition for tests: an organising base, a chief judge, judges from a committee, enterprises, an event
with the sleeve-grouting scheme, competitors at drawn stations, judges assigned to every module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from core.models import Organisation, OrgKind, Role, User
from exams.competitions import locks, setup
from exams.competitions.demo import SLEEVE_GROUTING
from exams.competitions.marking import record_mark
from exams.competitions.models import Aspect, Competition, Competitor, Event, Module
from exams.competitions.schemes import aspects_of, import_scheme
from tests.factories import NOW, make_org, make_staff


@dataclass
class CompWorld:
    base: Organisation
    committee: Organisation
    enterprises: list[Organisation]
    admin: User
    chief: User
    judges: list[User]
    supervisor: User
    competition: Competition
    event: Event
    modules: list[Module]
    competitors: list[Competitor]
    aspects: dict[str, Aspect]
    seqs: dict = field(default_factory=dict)

    def aspect(self, code: str) -> Aspect:
        return self.aspects[code]

    def aspects_in(self, module_code: str) -> list[Aspect]:
        module = self.module(module_code)
        return [a for a in self.aspects.values() if a.module_id == module.id]

    def module(self, code: str) -> Module:
        return next(m for m in self.modules if m.code == code)


def build_comp_world(session, cipher, *, competitors: int = 4, aggregation: str = "worldskills", judges: int = 3,
                     commit: bool = True) -> CompWorld:
    """``world.competitors`` are in station order; each has a paper theory result of 80 %."""
    base = make_org(session, kind=OrgKind.TRAINING_BASE)
    committee = make_org(session, kind=OrgKind.COMMITTEE)
    enterprises = [make_org(session, kind=OrgKind.ENTERPRISE) for _ in range(2)]
    admin = make_staff(session, cipher, base, Role.BASE_ADMIN)
    chief = make_staff(session, cipher, committee, Role.CHIEF_JUDGE)
    pool = [make_staff(session, cipher, committee, Role.JUDGE) for _ in range(judges)]
    supervisor = make_staff(session, cipher, base, Role.EXAMINER)
    competition = setup.create_competition(session, actor=admin, org_id=base.id, title="测试竞赛", now=NOW)
    setup.set_chief_judge(session, actor=admin, competition=competition, user_id=chief.id, now=NOW)
    rules = setup.EventRules(aggregation=aggregation)
    event = setup.create_event(session, actor=admin, competition=competition, code="GJ", title="套筒灌浆",
                               occupation="装配式建筑施工员", level="三级", rules=rules, now=NOW)
    modules = import_scheme(session, actor=admin, event=event, scheme=SLEEVE_GROUTING, now=NOW)
    people = []
    for n in range(competitors):
        people.append(setup.add_competitor(session, actor=admin, event=event, name=f"选手{n + 1}", member_ids=[],
                                           enterprise_org_id=enterprises[n % 2].id, theory_percent=Decimal(80),
                                           now=NOW))
    setup.draw_stations(session, actor=admin, event=event, seed=7, prefix="S", now=NOW)
    for module in modules:
        for judge in pool:
            setup.assign_judge(session, actor=admin, module=module, judge_id=judge.id, now=NOW)
    aspects = {a.code: a for m in modules for a in aspects_of(session, m.id)}
    world = CompWorld(base, committee, enterprises, admin, chief, pool, supervisor, competition, event, modules,
                      sorted(people, key=lambda c: c.station_code), aspects)
    if commit:
        session.commit()
    return world


def mark(session, world: CompWorld, judge: User, competitor: Competitor, code: str, value, *, round: int = 1,
         reason: str = "", seq: int | None = None, now: datetime = NOW):
    """Record one mark with the judge's next sequence number for the module (or the given one)."""
    aspect = world.aspect(code)
    key = (aspect.module_id, judge.id)
    if seq is None:
        world.seqs[key] = world.seqs.get(key, 0) + 1
        seq = world.seqs[key]
    return record_mark(session, module_id=aspect.module_id, judge=judge, competitor_id=competitor.id,
                       aspect_id=aspect.id, value=str(value), round=round, seq=seq, device_id="t", reason=reason,
                       now=now)


# Per competitor index: module A (A1 %, A2 mm, A3 score, A4) and module B (B1, B2, B3 min, B4, B5).
GOOD = {"A1": "12.0", "A2": "305", "A3": 3, "A4": "0", "B1": 3, "B2": 3, "B3": "35", "B4": "0", "B5": 0}


def mark_module(session, world: CompWorld, module_code: str, values_for=lambda n: GOOD, *, now: datetime = NOW) -> None:
    """Every panel judge gives the same values to every competitor (``values_for(index)`` per competitor)."""
    for n, competitor in enumerate(world.competitors):
        values = values_for(n)
        for aspect in world.aspects_in(module_code):
            for judge in world.judges:
                value = values[aspect.code]
                mark(session, world, judge, competitor, aspect.code, value[world.judges.index(judge)]
                     if isinstance(value, tuple) else value, now=now)


def lock(session, world: CompWorld, module_code: str, *, now: datetime = NOW, decode: bool = True) -> None:
    module = world.module(module_code)
    for person in (*world.judges, world.chief):
        locks.sign_module(session, module_id=module.id, actor=person, now=now)
    if decode:
        locks.decode_module(session, module_id=module.id, actor=world.chief, now=now + timedelta(minutes=1))


def complete_event(session, world: CompWorld, values_for=lambda n: GOOD, *, now: datetime = NOW) -> None:
    for code in ("A", "B"):
        mark_module(session, world, code, values_for, now=now)
        lock(session, world, code, now=now)


def tenant_competition(session, cipher):
    """Another tenant's competition objects for the cross-tenant test: (competition, event, module, evidence)."""
    from exams.competitions.models import Appeal, AppealEvidence

    world = build_comp_world(session, cipher, competitors=1, commit=False)
    appeal = Appeal(event_id=world.event.id, competitor_id=world.competitors[0].id, filed_by_id=world.admin.id,
                    text="申诉", filed_at=NOW)
    session.add(appeal)
    session.flush()
    evidence = AppealEvidence(appeal_id=appeal.id, filename="a.png", content_type="image/png", size=1, sha256="0" * 64,
                              data=b"x", uploaded_at=NOW)
    session.add(evidence)
    session.flush()
    return world.competition, world.event, world.modules[0], evidence
