"""Synthetic but realistic workers for the talent roster (``flask demo generate --workers N``): benchmarks and demos.

What one run writes, in one transaction (all or nothing):

- enterprises (one per ~200 workers) and training bases (one per ~5,000) across 30 cities, weighted towards the
  Kunming and Xi'an programmes; every name is unique and realistic, none belongs to a real company;
- users: Chinese names (surname by frequency, given names by sex), GB 11643 ID numbers with a correct check
  character (hometown code, birth date for ages 18–60, sequence whose parity is the sex), mainland mobile numbers;
  both encrypted and hashed by ``core.accounts.set_phone`` / ``set_id_number``, the same code registration uses.
  Every synthetic user shares ONE precomputed argon2 hash of ``core.demo.DEMO_PASSWORD`` (hashing a million
  passwords would take hours and proves nothing);
- worker memberships: most workers have one employer, some changed jobs (two memberships, the later one is
  current), a few have none;
- certificates: skill levels 五级…一级 (二级/一级 partly pending the committee review, a few rejected), special-trade
  cards (2 years under the configured policy, so some are expiring or expired, some renewed: the old card
  superseded, the new one generation 1 of the same source), training certificates, some suspended or revoked with
  a reason. Serials are valid (``certificates.serials``) and the serial counters move past them. Synthetic
  certificates have no real exam registration or enrolment behind them: their ``source_id`` is negative, so they
  can never collide with a real source;
- special-trade cards entered by training bases (``roster.cards``) for some workers employed in a province with
  an issuing authority (the default one plus a few with other terms), some renewed;
- competitions with final placings, awards by the default award scheme and the award certificates the
  certificates sweeper would issue for them (one event per ~20,000 workers);
- the roster rows (entries and their credential, award, base and flag facets), computed with ``roster.build``'s
  own fact and fingerprint functions, so a following ``refresh_roster`` at the same instant writes nothing.

Rows go in with bulk Core inserts in batches (PostgreSQL: ``COPY``), with ids reserved up front (PostgreSQL: from
the tables' sequences). A second run is refused (an audit event marks the first); ``workers`` is 1 … 5,000,000.
In a fresh database the same seed gives the same people, employers and certificates (QR tokens and ciphertexts
are random). Lesson completions and exam registrations are not generated (training minutes are 0).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import JSON, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.issuance import CHINA
from certificates.models import Certificate, SerialCounter, SourceType
from certificates.policy import CertificateKind, expiry_for, title_of
from certificates.serials import make_serial
from certificates.status import CertificateState
from core import accounts, audit
from core.crypto import PiiCipher
from core.db import is_postgres
from core.demo import DEMO_PASSWORD
from core.identity import id_check_char
from core.models import AuditEvent, Membership, Organisation, OrgKind, Role, User
from exams.competitions.models import (
    Competition,
    Competitor,
    CompetitorMember,
    Event,
    FinalAward,
    FinalPlacing,
    ResultSnapshot,
    SnapshotKind,
)
from exams.competitions.queries import FinalPlacingRecord
from exams.competitions.rules.awards import DEFAULT_AWARDS, assign_awards, scheme_from_dict
from exams.competitions.rules.messages import AWARD_LABELS
from roster import cards as trade_cards
from roster import eligibility
from roster.build import _Chunk, _facts, _fingerprint
from roster.models import (
    RosterAward,
    RosterBase,
    RosterCredential,
    RosterEntry,
    RosterFlag,
    TradeAuthority,
    TradeCard,
)

MAX_WORKERS = 5_000_000
MARKER = "demo.workers_generated"
DAY = timedelta(days=1)

# (region, weight, hometown area prefix used in ID numbers of people born there)
CITIES = [
    ("云南省昆明市", 14, "5301"), ("云南省曲靖市", 3, "5303"), ("云南省大理白族自治州", 2, "5329"),
    ("陕西省西安市", 10, "6101"), ("陕西省咸阳市", 2, "6104"), ("四川省成都市", 8, "5101"),
    ("四川省绵阳市", 2, "5107"), ("重庆市", 6, "5001"), ("贵州省贵阳市", 3, "5201"), ("广东省广州市", 5, "4401"),
    ("广东省深圳市", 5, "4403"), ("广东省佛山市", 2, "4406"), ("江苏省南京市", 4, "3201"),
    ("江苏省苏州市", 4, "3205"), ("浙江省杭州市", 4, "3301"), ("浙江省宁波市", 2, "3302"), ("上海市", 4, "3101"),
    ("北京市", 4, "1101"), ("天津市", 2, "1201"), ("湖北省武汉市", 4, "4201"), ("湖南省长沙市", 4, "4301"),
    ("河南省郑州市", 4, "4101"), ("山东省济南市", 3, "3701"), ("山东省青岛市", 3, "3702"),
    ("安徽省合肥市", 3, "3401"), ("河北省石家庄市", 2, "1301"), ("福建省福州市", 2, "3501"),
    ("江西省南昌市", 2, "3601"), ("广西壮族自治区南宁市", 2, "4501"), ("甘肃省兰州市", 1, "6201"),
]
# Labour-exporting prefectures: where many of the workers were born.
HOMETOWNS = ["5113", "4116", "4305", "3412", "5205", "5306", "5001", "3607", "4211", "6205", "4113", "5139"]
COUNTIES = ["02", "03", "11", "21", "22", "23", "24", "25", "26", "27", "81"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
MALE = "伟强军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋磊志国建文兵东海峰振成庆福贵荣德全胜云"
FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美玲红梅兰凤洁琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璐"
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                  "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183",
                  "185", "186", "187", "188", "189", "191", "198", "199"]
BRANDS = ("华筑", "恒基", "鼎盛", "宏远", "广厦", "安居", "嘉筑", "联筑", "万筑", "正达",
          "城投", "新城", "锦程", "泰和", "永固", "坤元", "筑安", "利达", "金桥", "晟达",
          "建兴", "汇通", "盛世", "银河", "天成", "东方", "南方", "西部", "北辰", "中天",
          "长城", "富华", "德信", "宝业", "瑞丰", "宏图", "兴业", "顺达", "鸿运", "铭筑")
BUSINESSES = ("建筑工程", "装配式建筑科技", "预制构件", "建筑劳务", "建设集团", "住宅工业", "钢结构工程", "混凝土制品")
BASE_HOSTS = ("建设职业技术学院实训基地", "城建技工学校实训基地", "装配式建筑产业工人实训基地", "建筑产业化培训中心",
              "住宅产业化实训基地", "建工集团培训中心")
LEVELS = [("五级/初级工", 35), ("四级/中级工", 30), ("三级/高级工", 20), ("二级/技师", 10), ("一级/高级技师", 5)]
# (code, name on the certificate, training course title or None, weight)
SKILLS = [("ASSY", "装配式建筑施工员 (6-29-01-06)", "预制构件安装与临时支撑", 30),
          ("GROUT", "钢筋工 (套筒灌浆)", "钢筋套筒灌浆连接作业", 25),
          ("HOIST", "建筑起重信号司索工", "预制构件吊装作业", 20),
          ("REBAR", "钢筋工", None, 15), ("CONC", "混凝土工", None, 10)]
COURSE_SLUGS = {"ASSY": "assembly", "GROUT": "grouting", "HOIST": "hoisting"}
SUSPEND_REASONS = ("涉嫌违规作业，暂停待查", "发证机构复核考核记录中")
REVOKE_REASONS = ("持证人在吊装作业中严重违章，经调查属实", "证书信息与考核记录不符", "持证人申请注销")
# (name, region, validity months, renewal window months), besides roster.cards.DEFAULT_AUTHORITIES
EXTRA_AUTHORITIES = (("陕西省住房和城乡建设厅", "陕西省", 24, 3), ("四川省住房和城乡建设厅", "四川省", 24, 3),
                     ("云南省应急管理厅", "云南省", 72, 3))
PROVINCE_ABBREVIATIONS = {"云南省": "滇", "陕西省": "陕", "四川省": "川"}
CONSTRUCTION_TRADES = ("建筑起重信号司索工", "建筑架子工", "建筑电工", "建筑起重机械司机")
SAFETY_TRADES = ("电工作业", "焊接与热切割作业", "高处作业")
EVENT_SIZE = 30
WORKERS_PER_EVENT = 20_000


class AlreadyGenerated(RuntimeError):
    """The database already holds a generated population; generating twice would double it."""


@dataclass(frozen=True)
class GenerateReport:
    workers: int
    enterprises: int
    training_bases: int
    memberships: int
    certificates: int
    trade_cards: int
    placings: int
    roster_entries: int
    seconds: float


class _Row(dict):
    """An insert row that also reads like the ORM object ``roster.build`` expects (``row.name``)."""

    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


def _short(region: str) -> str:
    """``云南省昆明市`` → ``昆明``; ``重庆市`` → ``重庆``."""
    city = re.sub(r"^.+?(省|自治区)", "", region)
    return re.sub(r"(市|白族自治州|自治州)$", "", city)


def _province(region: str) -> str:
    """``云南省昆明市`` → ``云南省``; ``重庆市`` → ``重庆市``."""
    return re.match(r"^(.+?(省|自治区|市))", region).group(1)


# -- ids and bulk writes -------------------------------------------------------------------------------------------

def _reserve_ids(session: Session, table: Table, count: int, _next: dict[str, int]) -> list[int]:
    """``count`` fresh primary keys: PostgreSQL takes them from the table's sequence (safe next to other
    writers); SQLite counts on from the largest id (this transaction holds the database's write lock)."""
    if count == 0:
        return []
    if is_postgres(session):
        ids = session.scalars(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                              {"t": table.name, "n": count}).all()
        return sorted(ids)
    if table.name not in _next:
        _next[table.name] = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    start = _next[table.name]
    _next[table.name] = start + count
    return list(range(start, start + count))


def _insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Bulk insert: ``COPY`` on PostgreSQL, an executemany of one Core insert elsewhere."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                            for c in columns])


# -- the organisations and competitions ------------------------------------------------------------------------

@dataclass
class _Place:
    competition: Competition
    event: Event
    rank: int
    total: Decimal
    awards: tuple[str, ...]
    competitor_id: int
    placing_id: int
    award_ids: tuple[int, ...]
    snapshot_sha256: str


def _unique_name(stem: str, taken: set[str]) -> str:
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem.removesuffix('有限公司')}第{n}分公司" if stem.endswith("有限公司") else f"{stem}（{n}）"
    taken.add(name)
    return name


def _organisations(session: Session, rng: random.Random, workers: int, now: datetime) -> tuple[list, list]:
    """Enterprises (about one per 200 workers) and training bases (one per 5,000), spread by city weight."""
    taken = set(session.scalars(select(Organisation.name)))
    weights = [w for _, w, _ in CITIES]
    enterprises, bases = [], []
    for kind, count, out in ((OrgKind.ENTERPRISE, max(3, workers // 200), enterprises),
                             (OrgKind.TRAINING_BASE, max(2, workers // 5000), bases)):
        for _ in range(count):
            region = rng.choices(CITIES, weights)[0][0]
            if kind == OrgKind.ENTERPRISE:
                stem = f"{_short(region)}{rng.choice(BRANDS)}{rng.choice(BUSINESSES)}有限公司"
            else:
                stem = f"{_short(region)}{rng.choice(BASE_HOSTS)}"
            out.append(Organisation(kind=kind, name=_unique_name(stem, taken), region=region,
                                    created_at=now - timedelta(days=rng.randint(400, 3600))))
    session.add_all(enterprises + bases)
    session.flush()
    return enterprises, bases


def _competitions(session: Session, rng: random.Random, workers: int, bases: list, now: datetime,
                  ids: dict[str, int]) -> dict[int, list[_Place]]:
    """Finished competitions: one individual event per ~20,000 workers (at least one from 20 workers on), up to
    30 competitors each, ranked, awarded by the default scheme; returns the places per worker index."""
    events = workers // WORKERS_PER_EVENT or (1 if workers >= 20 else 0)
    size = min(EVENT_SIZE, max(2, workers // 20))
    if not events:
        return {}
    scheme = scheme_from_dict(DEFAULT_AWARDS)
    slots = rng.sample(range(workers), events * size)
    competitor_ids = _reserve_ids(session, Competitor.__table__, events * size, ids)
    placing_ids = _reserve_ids(session, FinalPlacing.__table__, events * size, ids)
    places: dict[int, list[_Place]] = defaultdict(list)
    for e in range(events):
        competition, event = _one_event(session, rng, bases, now, e)
        ranks = list(range(1, size + 1))
        awards = assign_awards([(str(r), r) for r in ranks], scheme)
        totals = sorted((Decimal(rng.randint(6000, 9800)) / 100 for _ in ranks), reverse=True)
        award_ids = iter(_reserve_ids(session, FinalAward.__table__, sum(len(a) for a in awards.values()), ids))
        ranking = [{"rank": r, "competitor_id": competitor_ids[e * size + r - 1], "total": str(totals[r - 1]),
                    "awards": list(awards[str(r)])} for r in ranks]
        payload = json.dumps({"event": event.code, "kind": "final", "ranking": ranking}, sort_keys=True)
        sha = hashlib.sha256(payload.encode()).hexdigest()
        session.add(ResultSnapshot(event_id=event.id, version=1, kind=SnapshotKind.FINAL, payload=payload,
                                   sha256=sha, created_at=event.finalised_at))
        for r in ranks:
            index = e * size + r - 1
            places[slots[index]].append(_Place(
                competition, event, r, totals[r - 1], awards[str(r)], competitor_ids[index], placing_ids[index],
                tuple(next(award_ids) for _ in awards[str(r)]), sha))
    session.flush()
    return places


def _one_event(session: Session, rng: random.Random, bases: list, now: datetime, n: int) -> tuple:
    organiser = rng.choice(bases)
    held = now - timedelta(days=rng.randint(30, 2500))
    local = held.astimezone(CHINA)
    code, occupation, _course, _w = rng.choice(SKILLS)
    province = _province(organiser.region)
    title = f"{local.year}年{province}装配式建筑职业技能竞赛（第{n + 1}场）"
    competition = Competition(org_id=organiser.id, title=title, venue=organiser.name,
                              starts_on=local.date().isoformat(), created_at=held - 60 * DAY)
    session.add(competition)
    session.flush()
    event = Event(competition_id=competition.id, code=f"E{n + 1:03d}", title=f"{occupation.split(' ')[0]}个人赛",
                  occupation=occupation.split(" ")[0], occupation_code="6-29-01-06" if code == "ASSY" else "",
                  level="三级", provisional_at=held + DAY, appeal_closes_at=held + DAY + timedelta(hours=2),
                  finalised_at=held + 2 * DAY, created_at=held - 60 * DAY)
    session.add(event)
    session.flush()
    return competition, event


# -- people, employment, certificates --------------------------------------------------------------------------

class _Generator:
    """The state of one run: random source, organisations, what is taken (phones, ID numbers, serials)."""

    def __init__(self, session: Session, *, cipher: PiiCipher, config: CertConfig, rng: random.Random,
                 now: datetime) -> None:
        self.session, self.cipher, self.config, self.rng, self.now = session, cipher, config, rng, now
        self.password_hash = accounts.hash_password(DEMO_PASSWORD)
        self.ids: dict[str, int] = {}
        self.used_ids: set[int] = set()
        self.used_phones: set[int] = set()
        self.taken = {(p or "") for row in session.execute(select(User.phone_hash, User.id_number_hash))
                      for p in row}
        self.serials = Counter(dict(session.execute(select(SerialCounter.scope, SerialCounter.last_value)).all()))
        self.counts: Counter = Counter()
        self.renewals: list[tuple[int, int]] = []

    # people
    def person(self, user_id: int) -> _Row:
        rng, now = self.rng, self.now
        male = rng.random() < 0.86  # the trade is mostly men
        given = MALE if male else FEMALE
        name = rng.choice(SURNAMES[:30] if rng.random() < 0.7 else SURNAMES) + "".join(
            rng.choice(given) for _ in range(1 if rng.random() < 0.3 else 2))
        age_days = int(rng.triangular(18.2, 60, 41) * 365.25)
        born = (now - timedelta(days=age_days)).astimezone(CHINA).date()
        holder = _Row()
        while True:
            id_number = self._id_number(born, male)
            phone = self._phone()
            accounts.set_phone(holder, phone, self.cipher)
            accounts.set_id_number(holder, id_number, self.cipher)
            if holder["phone_hash"] not in self.taken and holder["id_number_hash"] not in self.taken:
                break
        created = now - timedelta(days=rng.randint(60, 3300), seconds=rng.randint(0, 86399))
        return _Row(id=user_id, name=name, **holder, password_hash=self.password_hash, is_active=True,
                    consent_at=created, consent_version=accounts.CONSENT_VERSION, failed_logins=0,
                    locked_until=None, auth_version=1, locale=None, created_at=created)

    def _id_number(self, born: date, male: bool) -> str:
        rng = self.rng
        area = rng.choice(HOMETOWNS) if rng.random() < 0.45 else rng.choice(CITIES)[2]
        while True:
            first17 = f"{area}{rng.choice(COUNTIES)}{born:%Y%m%d}{rng.randrange(500) * 2 + male:03d}"
            if int(first17) not in self.used_ids:
                self.used_ids.add(int(first17))
                return first17 + id_check_char(first17)

    def _phone(self) -> str:
        while True:
            phone = f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if int(phone) not in self.used_phones:
                self.used_phones.add(int(phone))
                return phone

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + timedelta(seconds=self.rng.randint(0, max(0, int((end - start).total_seconds()))))

    # employment
    def employ(self, user: _Row, enterprises: list, weights: list[float], out: list[dict]):
        """Worker memberships: 82 % one employer, 11 % changed jobs (the later one is current), 7 % none."""
        draw = self.rng.random()
        if draw >= 0.93:
            return None
        first = self.rng.choices(enterprises, weights)[0]
        since = self._between(user.created_at, min(self.now, user.created_at + 30 * DAY))
        out.append({"user_id": user.id, "org_id": first.id, "role": Role.WORKER, "created_at": since})
        if draw < 0.82 or since > self.now - 200 * DAY:
            return first
        second = self.rng.choices(enterprises, weights)[0]
        if second.id == first.id:
            return first
        out.append({"user_id": user.id, "org_id": second.id, "role": Role.WORKER,
                    "created_at": self._between(since + 180 * DAY, self.now - DAY)})
        return second

    # certificates
    def certificates(self, user: _Row, employer, bases: list, must_have: bool) -> list[_Row]:
        """Certificates of one worker, without ids: 12 % none (only when employed), else one to three."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), (12, 55, 25, 8))[0] or (1 if must_have else 0)
        province = _province(employer.region) if employer else ""
        local = [b for b in bases if b.region.startswith(province)] if province else []
        out: list[_Row] = []
        for _ in range(count):
            base = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(bases)
            issued = self._between(user.created_at + 10 * DAY, self.now - DAY)
            kind = rng.choices((CertificateKind.SKILL_LEVEL, CertificateKind.SPECIAL_TRADE,
                                CertificateKind.TRAINING), (65, 20, 15))[0]
            if kind == CertificateKind.SKILL_LEVEL:
                out.append(self._level(user, base, issued))
            elif kind == CertificateKind.SPECIAL_TRADE:
                out.extend(self._card(user, base, issued))
            else:
                out.append(self._training(user, issued))
        return out

    def _cert(self, user: _Row, *, kind: CertificateKind, issuer, skill: str, skill_name: str, created: datetime,
              level: str = "", award: str = "", details: dict, source_type: SourceType = SourceType.REGISTRATION,
              source_id: int = 0, generation: int = 0) -> _Row:
        scope = f"{created.astimezone(CHINA).year}-{skill}"
        self.serials[scope] += 1
        policy = self.config.policy(kind)
        return _Row(
            serial=make_serial(year=created.astimezone(CHINA).year, skill=skill, sequence=self.serials[scope]),
            token=secrets.token_urlsafe(16), kind=str(kind), state=str(CertificateState.ISSUED),
            holder_id=user.id, holder_name=user.name, issuer_org_id=issuer.id if issuer else None,
            issuer_name=issuer.name if issuer else self.config.issuer_name, title=title_of(kind), skill_code=skill,
            skill_name=skill_name, level=level, award=award, details=details, source_type=str(source_type),
            source_id=source_id, generation=generation, supersedes_id=None, superseded_by_id=None,
            created_at=created, issued_at=created, valid_from=created, expires_at=expiry_for(policy, created),
            approval_decided_at=None, approval_decided_by_id=None, approval_note="", state_changed_at=None,
            state_changed_by_id=None, state_reason="", pdf_sha256=None)

    def _exam_details(self, skill_name: str, level: str, at: datetime) -> dict:
        return {"exam": f"{skill_name.split(' ')[0]}{level.split('/')[0]}考核",
                "exam_date": at.astimezone(CHINA).date().isoformat()}

    def _level(self, user: _Row, base, created: datetime) -> _Row:
        rng = self.rng
        code, name, _course, _w = rng.choices(SKILLS, [s[3] for s in SKILLS])[0]
        level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
        cert = self._cert(user, kind=CertificateKind.SKILL_LEVEL, issuer=base, skill=code, skill_name=name,
                          created=created, level=level, details=self._exam_details(name, level, created))
        if level.startswith(("二级", "一级")):  # the committee's review (综合评审) comes first
            decided = created + timedelta(days=rng.randint(15, 60))
            if decided > self.now:
                cert.update(state=str(CertificateState.PENDING_APPROVAL), issued_at=None, valid_from=None)
            else:
                rejected = rng.random() < 0.05
                cert.update(approval_decided_at=decided, issued_at=None if rejected else decided,
                            valid_from=None if rejected else decided,
                            state=str(CertificateState.REJECTED if rejected else CertificateState.ISSUED),
                            approval_note="综合评审未通过" if rejected else "综合评审通过")
        return self._maybe_withdrawn(cert)

    def _maybe_withdrawn(self, cert: _Row) -> _Row:
        draw = self.rng.random()
        if cert.state == CertificateState.ISSUED and draw < 0.02:
            suspended = draw < 0.008
            cert.update(state=str(CertificateState.SUSPENDED if suspended else CertificateState.REVOKED),
                        state_changed_at=self._between(cert.issued_at, self.now),
                        state_reason=self.rng.choice(SUSPEND_REASONS if suspended else REVOKE_REASONS))
        return cert

    def _card(self, user: _Row, base, created: datetime) -> list[_Row]:
        """A special-trade card; inside its renewal window or after, half of them were renewed in time."""
        name = "建筑起重信号司索工"
        card = self._cert(user, kind=CertificateKind.SPECIAL_TRADE, issuer=base, skill="HOIST", skill_name=name,
                          created=created, level="特种作业", details=self._exam_details(name, "特种作业", created))
        cards = [card]
        policy = self.config.policy(CertificateKind.SPECIAL_TRADE)
        while cards[-1].expires_at is not None and self.rng.random() < 0.5:
            old = cards[-1]
            window = timedelta(days=(30 * policy.renewal_window_months) or 30)
            renewed = self._between(old.expires_at - window, old.expires_at - DAY)
            if renewed > self.now or old.state != CertificateState.ISSUED:
                break
            new = self._cert(user, kind=CertificateKind.SPECIAL_TRADE, issuer=base, skill="HOIST", skill_name=name,
                             created=renewed, level=old.level, details=dict(old.details),
                             generation=old.generation + 1)
            new["expires_at"] = expiry_for(policy, old.expires_at)
            old.update(state=str(CertificateState.SUPERSEDED), state_changed_at=renewed, state_reason="到期换证")
            cards.append(new)
        self._maybe_withdrawn(cards[-1])
        return cards

    def _training(self, user: _Row, created: datetime) -> _Row:
        code, _name, course, _w = self.rng.choice([s for s in SKILLS if s[2]])
        return self._cert(user, kind=CertificateKind.TRAINING, issuer=None, skill=code, skill_name=course,
                          created=created, source_type=SourceType.ENROLMENT,
                          details={"course": COURSE_SLUGS[code], "hours": 16,
                                   "completed_on": created.astimezone(CHINA).date().isoformat()})

    # special-trade cards entered by training bases (roster.cards)
    def setup_authorities(self) -> None:
        """The default authorities plus a few with other terms; cards are drawn per province."""
        known = {a.name for a in trade_cards.ensure_default_authorities(self.session, now=self.now)}
        for name, region, months, window in EXTRA_AUTHORITIES:
            if name not in known:
                self.session.add(TradeAuthority(name=name, region=region, validity_months=months,
                                                renewal_window_months=window, created_at=self.now))
        self.session.flush()
        self.authorities: dict[str, list[TradeAuthority]] = defaultdict(list)
        for authority in trade_cards.authorities(self.session):
            self.authorities[authority.region].append(authority)
        self.card_numbers = set(self.session.execute(select(TradeCard.authority_id, TradeCard.card_number)).tuples())

    def trade_cards(self, user: _Row, employer, bases: list) -> list[tuple[_Row, TradeAuthority]]:
        """A card for 15 % of the workers employed in a province with an authority; expiring ones were often
        renewed (a newer card of the same trade, which replaces the older one in the roster's view)."""
        rng = self.rng
        province = _province(employer.region) if employer else ""
        if not self.authorities.get(province) or rng.random() >= 0.15:
            return []
        authority = rng.choice(self.authorities[province])
        trade = rng.choice(CONSTRUCTION_TRADES if "住房" in authority.name else SAFETY_TRADES)
        base = rng.choice([b for b in bases if b.region.startswith(province)] or bases)
        today = self.now.astimezone(CHINA).date()
        issued = self._between(max(user.created_at, self.now - 5 * 365 * DAY), self.now - DAY).astimezone(CHINA).date()
        out = []
        while issued <= today and len(out) < 3:
            expires = trade_cards.expiry_for(authority, issued)
            out.append((_Row(user_id=user.id, trade_name=trade, card_number=self._card_number(authority, issued),
                             authority_id=authority.id, issued_on=issued, expires_on=expires, has_stated_expiry=False,
                             base_org_id=base.id, entered_by_id=None,
                             created_at=min(self.now, datetime.combine(issued, datetime.min.time(), CHINA)
                                            .astimezone(UTC) + timedelta(days=rng.randint(1, 20)))), authority))
            if rng.random() < 0.5:
                break
            issued = expires - timedelta(days=rng.randint(0, 30 * authority.renewal_window_months))
        return out

    def _card_number(self, authority: TradeAuthority, issued: date) -> str:
        prefix = PROVINCE_ABBREVIATIONS.get(authority.region, "")
        while True:
            number = f"{prefix}{issued.year}{self.rng.randrange(10**7):07d}"
            if (authority.id, number) not in self.card_numbers:
                self.card_numbers.add((authority.id, number))
                return number

    def award_certificates(self, user: _Row, place: _Place) -> list[_Row]:
        """What ``certificates.awards.issue_final_awards`` issues for each award row of a final placing."""
        out = []
        for award, award_id in zip(place.awards, place.award_ids, strict=True):
            label = str(AWARD_LABELS.get(award, award))
            decided = place.event.finalised_at
            out.append(self._cert(
                user, kind=CertificateKind.COMPETITION_AWARD, issuer=self.organisers[place.competition.org_id],
                skill="GEN", skill_name=place.event.occupation or place.event.title, created=decided,
                level=place.event.level, award=f"{place.event.title} {label}"[:120], source_type=SourceType.AWARD,
                source_id=award_id, details={"competition": place.competition.title,
                                             "awarded_on": decided.astimezone(CHINA).date().isoformat()}))
        return out


# -- one batch of workers --------------------------------------------------------------------------------------

def _number(certs: list[_Row], ids: list[int], renewals: list[tuple[int, int]]) -> None:
    """Give the certificates their ids; a renewal (generation n+1) shares its predecessor's source."""
    for n, (cert, cert_id) in enumerate(zip(certs, ids, strict=True)):
        cert["id"] = cert_id
        if cert.source_type == SourceType.AWARD:
            continue
        if cert.generation:
            previous = certs[n - 1]
            cert.update(source_id=previous.source_id, supersedes_id=previous.id)
            renewals.append((previous.id, cert_id))
        else:
            cert["source_id"] = -cert_id  # no real registration or enrolment: never collides with one


def _placing_rows(user: _Row, employer, place: _Place) -> dict[type, list[dict]]:
    """The competitor, its member, the final placing and the award rows of one worker's place in an event."""
    event, decided = place.event, place.event.finalised_at
    common = {"event_id": event.id, "competitor_id": place.competitor_id, "user_id": user.id, "rank": place.rank,
              "snapshot_sha256": place.snapshot_sha256, "decided_at": decided}
    return {
        Competitor: [{"id": place.competitor_id, "event_id": event.id, "name": user.name,
                      "station_code": f"A{place.rank:02d}", "enterprise_org_id": employer.id if employer else None,
                      "base_org_id": None, "theory_percent": None, "withdrawn_at": None,
                      "created_at": event.created_at}],
        CompetitorMember: [{"competitor_id": place.competitor_id, "user_id": user.id}],
        FinalPlacing: [{"id": place.placing_id, **common, "total": place.total,
                        "standardised": Decimal(500) + (place.total - Decimal(75)) * 4,
                        "awards": list(place.awards)}],
        FinalAward: [{"id": award_id, **common, "award": award}
                     for award, award_id in zip(place.awards, place.award_ids, strict=True)],
    }


def _record(user: _Row, place: _Place, row: dict) -> FinalPlacingRecord:
    """The roster feed's view of a placing (``exams.competitions.queries.final_placings``)."""
    c, e = place.competition, place.event
    return FinalPlacingRecord(row["id"], c.id, c.title, e.id, e.title, e.occupation, e.occupation_code, e.level,
                              user.id, place.rank, str(row["total"]), str(row["standardised"]), place.awards,
                              place.snapshot_sha256, row["decided_at"])


def _facet_rows(entry_id: int, facts: dict) -> dict[type, list[dict]]:
    """The facet rows ``roster.build._write`` adds for an entry (one table per filter)."""
    return {RosterCredential: [{"entry_id": entry_id, "skill_code": s["code"], "level": s["level"],
                                "status": s["status"]} for s in facts["skills"]],
            RosterAward: [{"entry_id": entry_id, "award": a} for a in facts["award_codes"]],
            RosterBase: [{"entry_id": entry_id, "org_id": org_id} for org_id in facts["base_org_ids"]],
            RosterFlag: [{"entry_id": entry_id, "flag": f["code"]} for f in facts["flags"]]}


@dataclass
class _Worker:
    user: _Row
    employer: Organisation | None
    first_employed: datetime | None
    certs: list[_Row]
    cards: list[tuple[_Row, TradeAuthority]]
    records: list[FinalPlacingRecord]

    @property
    def on_roster(self) -> bool:
        """Who ``refresh_roster`` keeps: a worker membership, a certificate, a card or a placing."""
        return bool(self.employer or self.cards or self.records
                    or any(c.state != CertificateState.REJECTED for c in self.certs))


def _roster_rows(gen: _Generator, people: list[_Worker], entry_ids: list[int]) -> dict[type, list[dict]]:
    """Entries and facet rows as ``roster.build.refresh_roster`` writes them as of ``gen.now``: the facts come
    from its own ``_facts`` over the same inputs it loads (``_Chunk``), hashed by its ``_fingerprint``."""
    chunk = _Chunk([p.user for p in people], {}, training_bases=gen.base_ids)
    for p in people:
        chunk.certs[p.user.id] = [c for c in p.certs if c.state != CertificateState.REJECTED]
        chunk.cards[p.user.id] = p.cards
        if p.employer is not None:
            chunk.employers[p.user.id], chunk.first_employed[p.user.id] = p.employer, p.first_employed
    out: dict[type, list[dict]] = defaultdict(list)
    for p, entry_id in zip(people, entry_ids, strict=True):
        facts = _facts(p.user, chunk, p.records, gen.config.policies, gen.rules, gen.now)
        out[RosterEntry].append({"id": entry_id, "user_id": p.user.id, **facts, "fingerprint": _fingerprint(facts),
                                 "updated_at": gen.now})
        for table, rows in _facet_rows(entry_id, facts).items():
            out[table] += rows
    return out


def _worker(gen: _Generator, user_id: int, index: int, orgs: tuple, places: dict, out: dict) -> _Worker:
    enterprises, weights, bases = orgs
    user = gen.person(user_id)
    jobs: list[dict] = []
    employer = gen.employ(user, enterprises, weights, jobs)
    cards = gen.trade_cards(user, employer, bases)
    certs = gen.certificates(user, employer, bases, must_have=employer is None and not cards)
    records = []
    for place in places.get(index, []):
        rows = _placing_rows(user, employer, place)
        for table, value in rows.items():
            out[table] += value
        records.append(_record(user, place, rows[FinalPlacing][0]))
        certs += gen.award_certificates(user, place)
    out[User].append(user)
    out[Membership] += jobs
    out[Certificate] += certs
    out[TradeCard] += [card for card, _a in cards]
    return _Worker(user, employer, jobs[0]["created_at"] if jobs else None, certs, cards, records)


def _batch(gen: _Generator, user_ids: list[int], first_index: int, orgs: tuple, places: dict) -> None:
    """Generate and insert ``len(user_ids)`` workers with everything that hangs off them."""
    out: dict[type, list] = defaultdict(list)
    people = [_worker(gen, user_id, first_index + n, orgs, places, out) for n, user_id in enumerate(user_ids)]
    _number(out[Certificate], _reserve_ids(gen.session, Certificate.__table__, len(out[Certificate]), gen.ids),
            gen.renewals)
    for card, card_id in zip(out[TradeCard], _reserve_ids(gen.session, TradeCard.__table__, len(out[TradeCard]),
                                                           gen.ids), strict=True):
        card["id"] = card_id
    listed = [p for p in people if p.on_roster]
    out.update(_roster_rows(gen, listed, _reserve_ids(gen.session, RosterEntry.__table__, len(listed), gen.ids)))
    for table in (User, Membership, Certificate, TradeCard, Competitor, CompetitorMember, FinalPlacing, FinalAward,
                  RosterEntry, RosterCredential, RosterAward, RosterBase, RosterFlag):
        _insert(gen.session, table.__table__, out[table])
    gen.counts.update(workers=len(people), memberships=len(out[Membership]), certificates=len(out[Certificate]),
                      trade_cards=len(out[TradeCard]), placings=len(out[FinalPlacing]), roster_entries=len(listed))


# -- the run ---------------------------------------------------------------------------------------------------

def _finish(gen: _Generator) -> None:
    """Point renewed certificates at their successors; move the serial counters past the serials used."""
    session = gen.session
    for start in range(0, len(gen.renewals), 5000):
        session.execute(update(Certificate.__table__).where(Certificate.__table__.c.id == bindparam("old_id"))
                        .values(superseded_by_id=bindparam("new_id")),
                        [{"old_id": old, "new_id": new} for old, new in gen.renewals[start:start + 5000]])
    existing = set(session.scalars(select(SerialCounter.scope)))
    for scope, value in gen.serials.items():
        if scope in existing:
            session.execute(update(SerialCounter).where(SerialCounter.scope == scope).values(last_value=value))
        else:
            session.add(SerialCounter(scope=scope, last_value=value))
    session.flush()


def generate_workers(session: Session, *, cipher: PiiCipher, config: CertConfig, workers: int, seed: int,
                     now: datetime, rules: eligibility.Rules | None = None, batch: int = 5000,
                     progress: Callable[[int, int], None] | None = None) -> GenerateReport:
    """Write ``workers`` synthetic workers and all that hangs off them (see the module docstring); flushes,
    never commits. ``AlreadyGenerated`` when a previous run's marker is in the audit log, ``ValueError``
    for a worker count outside 1 … ``MAX_WORKERS``."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be between 1 and {MAX_WORKERS:,}, not {workers:,}")
    previous = session.scalar(select(AuditEvent).where(AuditEvent.action == MARKER).limit(1))
    if previous is not None:
        raise AlreadyGenerated(f"{previous.details.get('workers')} synthetic workers were already generated "
                               f"on {previous.at:%Y-%m-%d %H:%M} UTC (seed {previous.details.get('seed')}); "
                               "generate into a fresh database instead")
    started = time.perf_counter()
    now = now.replace(microsecond=0)
    rng = random.Random(seed)
    gen = _Generator(session, cipher=cipher, config=config, rng=rng, now=now)
    gen.rules = rules or eligibility.current_rules()
    enterprises, bases = _organisations(session, rng, workers, now)
    gen.organisers, gen.base_ids = {b.id: b for b in bases}, {b.id for b in bases}
    gen.setup_authorities()
    places = _competitions(session, rng, workers, bases, now, gen.ids)
    weights = [rng.paretovariate(1.2) for _ in enterprises]  # a few large employers, many small ones
    for start in range(0, workers, batch):
        count = min(batch, workers - start)
        _batch(gen, _reserve_ids(session, User.__table__, count, gen.ids), start, (enterprises, weights, bases),
               places)
        if progress:
            progress(start + count, workers)
    _finish(gen)
    report = GenerateReport(workers=workers, enterprises=len(enterprises), training_bases=len(bases),
                            memberships=gen.counts["memberships"], certificates=gen.counts["certificates"],
                            trade_cards=gen.counts["trade_cards"], placings=gen.counts["placings"],
                            roster_entries=gen.counts["roster_entries"],
                            seconds=round(time.perf_counter() - started, 1))
    audit.record(session, action=MARKER, now=now, target="roster", details={
        "workers": workers, "seed": seed, "enterprises": report.enterprises, "training_bases": report.training_bases,
        "certificates": report.certificates, "trade_cards": report.trade_cards, "placings": report.placings})
    return report

