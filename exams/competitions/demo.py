"""A demo competition for ``flask demo seed``: a sleeve-grouting event (套筒灌浆) with 8 competitors and 3 judges.

Needs the core demo organisations and people (``core.demo.seed``) and is idempotent: a second call finds
the competition by its title and returns it. Module A is marked, signed, locked and decoded (one
judgement needed a re-vote and one reading was corrected with a reason); module B is fully marked and
waits for its judges' sign-off, so the lock procedure can be tried. One competitor breached the safety
red line in module B.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import orgs
from core.models import Organisation, OrgKind, Role, User
from exams.competitions import locks, setup
from exams.competitions.marking import record_mark
from exams.competitions.models import Aspect, Competition, Competitor, Event, Module
from exams.competitions.rules.scheme import AspectSpec, Band, ModuleSpec, Scheme
from exams.competitions.schemes import import_scheme

DEMO_TITLE = "2026年西山区装配式建筑职业技能竞赛"
BASE = "西山装配式建筑产业工人实训基地"
ENTERPRISE = "滇建装配式构件有限公司"
OTHER_ENTERPRISES = ("昆明筑安装配式建筑有限公司", "曲靖宏远预制构件有限公司")

JUDGEMENT_A3 = ("未按规定顺序投料，搅拌时间不足", "投料顺序基本正确，搅拌时间或转速有偏差",
                "按规定顺序投料，搅拌 3–5 分钟，浆体有少量结块", "投料、搅拌和静置排气均符合工艺要求，浆体均匀无结块")
JUDGEMENT_B1 = ("未从下部灌浆口灌浆，或多个灌浆口同时灌浆", "从下口灌浆，但出浆口封堵不及时，有漏浆",
                "自下口连续灌浆，出浆后依次封堵，偶有迟缓", "自下口连续灌浆，各出浆口出浆后立即封堵，全过程不中断")
JUDGEMENT_B2 = ("有出浆口未出浆", "部分出浆口出浆不连续", "全部出浆口出浆，个别有气泡",
                "全部出浆口连续出浆、无气泡，补浆到位")

SLEEVE_GROUTING = Scheme((
    ModuleSpec("A", "灌浆料制备与流动度检测", (
        AspectSpec("A1", "水料比", "measurement", Decimal(6), unit="%", nominal=Decimal("12.0"),
                   bands=(Band(Decimal("0.1"), Decimal(6)), Band(Decimal("0.3"), Decimal(4)),
                          Band(Decimal("0.5"), Decimal(2)))),
        AspectSpec("A2", "初始流动度", "measurement", Decimal(6), unit="mm", nominal=Decimal(300),
                   direction="at_least", bands=(Band(Decimal(0), Decimal(6)), Band(Decimal(10), Decimal(3)),
                                                Band(Decimal(20), Decimal(1)))),
        AspectSpec("A3", "搅拌工艺", "judgement", Decimal(6), descriptors=JUDGEMENT_A3),
        AspectSpec("A4", "工具与材料清理", "deduction", Decimal(2)),
    )),
    ModuleSpec("B", "套筒灌浆施工", (
        AspectSpec("B1", "灌浆顺序与封堵", "judgement", Decimal(9), descriptors=JUDGEMENT_B1),
        AspectSpec("B2", "灌浆饱满度", "judgement", Decimal(9), descriptors=JUDGEMENT_B2),
        AspectSpec("B3", "完成时间", "measurement", Decimal(4), unit="min", nominal=Decimal(40), direction="at_most",
                   bands=(Band(Decimal(0), Decimal(4)), Band(Decimal(5), Decimal(2)), Band(Decimal(10), Decimal(1))),
                   is_time=True),
        AspectSpec("B4", "现场文明施工", "deduction", Decimal(2)),
        AspectSpec("B5", "未佩戴护目镜和手套进行灌浆作业", "safety", Decimal(0)),
    )),
))

# name, enterprise index (0: demo enterprise), theory percent (paper exam), and per aspect the readings or
# the three judges' scores: A1 %, A2 mm, A3 scores, A4 deduction, B1 scores, B2 scores, B3 min, B4, B5.
COMPETITORS = [
    ("张建国", 0, "86.5", "12.05", 312, (3, 3, 2), "0", (3, 3, 3), (3, 2, 3), "34.5", "0", 0),
    ("刘春梅", 0, "91.0", "11.90", 305, (2, 3, 3), "0", (3, 3, 2), (3, 3, 3), "38.0", "0", 0),
    ("杨志强", 0, "78.0", "12.40", 296, (2, 2, 1), "0.5", (2, 2, 2), (2, 1, 2), "43.5", "0.5", 0),
    ("马云飞", 1, "82.5", "12.00", 318, (3, 2, 3), "0", (2, 3, 3), (3, 3, 2), "36.0", "0", 0),
    ("何丽华", 1, "88.0", "12.20", 301, (3, 2, 1), "0", (2, 2, 3), (2, 2, 2), "41.0", "0", 0),
    ("段志明", 2, "74.5", "12.60", 288, (1, 2, 1), "1", (1, 1, 2), (1, 2, 1), "47.0", "1", 1),
    ("李秀英", 2, "84.0", "11.08", 309, (3, 3, 3), "0", (3, 2, 2), (2, 3, 2), "39.5", "0", 0),
    ("赵国强", 1, "80.0", "12.10", 299, (2, 3, 2), "0.5", (2, 2, 2), (2, 2, 3), "42.0", "0", 0),
]


def _by_name(session: Session, model, name: str):
    found = session.scalar(select(model).where(model.name == name))
    if found is None:
        raise RuntimeError(f"demo data missing: {name!r}; run the core demo seed first")
    return found


def _org(session: Session, name: str, now: datetime) -> Organisation:
    return session.scalar(select(Organisation).where(Organisation.name == name)) or orgs.create_organisation(
        session, actor_id=None, kind=OrgKind.ENTERPRISE, name=name, region="云南省", now=now)


def seed_demo(session: Session, *, now: datetime) -> Competition:
    """Create the demo competition when it is missing (flushes; the caller commits). Returns it."""
    base = _by_name(session, Organisation, BASE)
    existing = session.scalar(select(Competition).where(Competition.org_id == base.id, Competition.title == DEMO_TITLE))
    if existing is not None:
        return existing
    admin, chief = _by_name(session, User, "李基地"), _by_name(session, User, "吴裁判长")
    judges = [_by_name(session, User, n) for n in ("郑裁判", "冯裁判", "赵考评")]
    orgs.grant_role(session, actor_id=None, org=base, user=judges[2], role=Role.JUDGE, now=now)
    enterprises = [_by_name(session, Organisation, ENTERPRISE), *(_org(session, n, now) for n in OTHER_ENTERPRISES)]
    start = now - timedelta(hours=6)
    competition = setup.create_competition(session, actor=admin, org_id=base.id, title=DEMO_TITLE,
                                           venue="西山实训基地 3 号实训车间", starts_on=start.date().isoformat(),
                                           now=start)
    setup.set_chief_judge(session, actor=admin, competition=competition, user_id=chief.id, now=start)
    event = setup.create_event(session, actor=admin, competition=competition, code="GJ", title="套筒灌浆连接",
                               occupation="装配式建筑施工员", occupation_code="6-29-01-06", level="三级/高级工",
                               now=start)
    modules = import_scheme(session, actor=admin, event=event, scheme=SLEEVE_GROUTING, now=start)
    workers = {u.name: u for u in session.scalars(select(User).where(User.name.in_([c[0] for c in COMPETITORS])))}
    for name, ent, theory, *_ in COMPETITORS:
        member = [workers[name].id] if name in workers else []
        setup.add_competitor(session, actor=admin, event=event, name=name, member_ids=member,
                             enterprise_org_id=enterprises[ent].id, theory_percent=Decimal(theory), now=start)
    setup.draw_stations(session, actor=admin, event=event, seed=20260302, prefix="G", now=start)
    for module in modules:
        for judge in judges:
            setup.assign_judge(session, actor=admin, module=module, judge_id=judge.id, now=start)
    _mark(session, event, modules, judges, start + timedelta(hours=1))
    _lock_module_a(session, modules[0], judges, chief, start + timedelta(hours=3))
    session.flush()
    return competition


def _values(row: tuple) -> Iterator[tuple[str, object]]:
    a1, a2, a3, a4, b1, b2, b3, b4, b5 = row[3:]
    yield from (("A1", a1), ("A2", a2), ("A3", a3), ("A4", a4), ("B1", b1), ("B2", b2), ("B3", b3), ("B4", b4),
                ("B5", b5))


def _mark(session: Session, event: Event, modules: list[Module], judges: list[User], at: datetime) -> None:
    aspects = {a.code: a for a in session.scalars(select(Aspect).where(Aspect.module_id.in_([m.id for m in modules])))}
    by_name = {c.name: c for c in session.scalars(select(Competitor).where(Competitor.event_id == event.id))}
    seq = {(m.id, j.id): 0 for m in modules for j in judges}

    def send(judge: User, competitor: Competitor, code: str, value, round_: int = 1, reason: str = "") -> None:
        aspect = aspects[code]
        seq[(aspect.module_id, judge.id)] += 1
        record_mark(session, module_id=aspect.module_id, judge=judge, competitor_id=competitor.id,
                    aspect_id=aspect.id, value=str(value), round=round_, seq=seq[(aspect.module_id, judge.id)],
                    device_id=f"demo-tablet-{judge.id}", reason=reason, now=at)

    for row in COMPETITORS:
        competitor = by_name[row[0]]
        for code, value in _values(row):
            scores = value if isinstance(value, tuple) else (value,) * len(judges)
            for judge, score in zip(judges, scores, strict=True):
                send(judge, competitor, code, score)
    # A recorded re-vote: 何丽华's A3 was scored 3, 2, 1 (gap 2 > 1); round 2 agreed on 2, 2, 2.
    he = by_name["何丽华"]
    for judge, score in zip(judges, (2, 2, 2), strict=True):
        send(judge, he, "A3", score, round_=2)
    # A corrected reading: 李秀英's water ratio was typed as 11.08 and corrected by every judge.
    li = by_name["李秀英"]
    for judge in judges:
        send(judge, li, "A1", "11.80", reason="读数录入错误，按记录表更正")


def _lock_module_a(session: Session, module: Module, judges: list[User], chief: User, at: datetime) -> None:
    for person in (*judges, chief):
        locks.sign_module(session, module_id=module.id, actor=person, now=at)
    locks.decode_module(session, module_id=module.id, actor=chief, now=at + timedelta(minutes=5))
