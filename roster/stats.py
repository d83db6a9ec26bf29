"""Statistics for the committee's dashboard: aggregate SQL only, one grouped query per figure.

Definitions (shown on the page as well):

- a *certified* worker holds at least one certificate whose status is 有效 or 即将到期 as of the last roster
  refresh (``RosterEntry.valid_count``, ``RosterCredential.status``);
- by skill: certified workers per skill code, split by their best valid level in that skill (no level: a
  training certificate or a special-trade card); by level: each certified worker once, at the best level held
  (``RosterEntry.top_level``); by region: the current employer's region;
- by month: workers who received a skill-level or special-trade certificate in that Beijing calendar month;
- pass rate of a training base: level assessments of its sessions that passed, out of those with a result
  (passed or failed under ``exams.practical.level_result``'s rule, computed here in SQL); pending ones are
  counted apart;
- expiring: issued certificates whose expiry falls within 30, 31–60 or 61–90 days from now;
- medals: gold, silver and bronze of final competition results per competitor organisation (the enterprise,
  else the training base that entered the competitor); a team's medal counts once.

The roster queries read the indexes on ``roster_credentials (skill_code, status, level, entry_id)`` and
``roster_entries (top_level, id)``; the certificate ones ``cert_certificates (state, expires_at)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from certificates.issuance import CHINA
from certificates.models import Certificate
from certificates.policy import CertificateKind
from certificates.status import GOOD, CertificateState
from core.models import Organisation
from exams.competitions.models import Competitor, FinalAward
from exams.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamSession,
    Paper,
    PracticalAssessment,
    Registration,
    RegistrationStatus,
)
from roster.models import RosterCredential, RosterEntry

GOOD_STATUSES = sorted(str(s) for s in GOOD)
LEVELS = (5, 4, 3, 2, 1)
EXPIRY_BANDS = (30, 60, 90)
MEDALS = ("gold", "silver", "bronze")
CERTIFYING_KINDS = (CertificateKind.SKILL_LEVEL, CertificateKind.SPECIAL_TRADE)
TOP_REGIONS = 12


@dataclass(frozen=True)
class SkillCount:
    code: str
    name: str
    by_level: dict[int | None, int]  # best valid level in this skill (None: no level) -> workers

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def certified_by_skill(session: Session) -> list[SkillCount]:
    """Certified workers per skill, most first; each worker once per skill, at their best level in it."""
    best = (select(RosterCredential.skill_code.label("code"), RosterCredential.entry_id,
                   func.min(RosterCredential.level).label("level"))
            .where(RosterCredential.status.in_(GOOD_STATUSES))
            .group_by(RosterCredential.skill_code, RosterCredential.entry_id).subquery())
    counts: dict[str, dict[int | None, int]] = {}
    for code, level, n in session.execute(select(best.c.code, best.c.level, func.count())
                                          .group_by(best.c.code, best.c.level)).tuples():
        counts.setdefault(code, {})[level] = n
    names = skill_names(session, counts)
    out = [SkillCount(code, names.get(code, code), by_level) for code, by_level in counts.items()]
    return sorted(out, key=lambda s: (-s.total, s.code))


def skill_names(session: Session, codes) -> dict[str, str]:
    """The display name of each skill code, from one of its certificates (a handful of codes, one row each)."""
    names = {}
    for code in codes:
        name = session.scalar(select(Certificate.skill_name).where(Certificate.skill_code == code).limit(1))
        if name:
            names[code] = name
    return names


def certified_by_level(session: Session) -> dict[int, int]:
    """Workers by the best valid skill level they hold (1 = 一级/高级技师 … 5 = 五级/初级工)."""
    found = dict(session.execute(select(RosterEntry.top_level, func.count())
                                 .where(RosterEntry.top_level.is_not(None)).group_by(RosterEntry.top_level))
                 .tuples().all())
    return {level: found.get(level, 0) for level in LEVELS}


def certified_by_region(session: Session, *, top: int = TOP_REGIONS) -> list[tuple[str, int]]:
    """Certified workers per employer region, most first: the ``top`` regions, then the rest summed under "".

    A worker without an employer has region "" too; the page labels that bucket 其他/未登记.
    """
    rows = session.execute(select(RosterEntry.region, func.count()).where(RosterEntry.valid_count > 0)
                           .group_by(RosterEntry.region)).tuples().all()
    named = sorted(((r, n) for r, n in rows if r), key=lambda x: (-x[1], x[0]))
    rest = sum(n for r, n in rows if not r) + sum(n for _, n in named[top:])
    return named[:top] + ([("", rest)] if rest else [])


def month_bounds(now: datetime, months: int = 12) -> list[tuple[str, datetime, datetime]]:
    """The last ``months`` Beijing calendar months up to and including the current one, as (YYYY-MM, start, end)."""
    local = now.astimezone(CHINA)
    index = local.year * 12 + local.month - 1
    out = []
    for k in range(index - months + 1, index + 1):
        start = datetime(k // 12, k % 12 + 1, 1, tzinfo=CHINA)
        end = datetime((k + 1) // 12, (k + 1) % 12 + 1, 1, tzinfo=CHINA)
        out.append((f"{start.year}-{start.month:02d}", start, end))
    return out


def certified_by_month(session: Session, *, now: datetime, months: int = 12) -> list[tuple[str, int]]:
    """Workers who received a skill-level or special-trade certificate in each of the last ``months`` months."""
    bounds = month_bounds(now, months)
    bucket = case(*[(and_(Certificate.issued_at >= start, Certificate.issued_at < end), literal(i))
                    for i, (_, start, end) in enumerate(bounds)], else_=literal(-1))
    issued = (select(bucket.label("month"), Certificate.holder_id)
              .where(Certificate.issued_at >= bounds[0][1], Certificate.issued_at < bounds[-1][2],
                     Certificate.kind.in_([str(k) for k in CERTIFYING_KINDS]),
                     Certificate.state != CertificateState.REJECTED).subquery())
    found = dict(session.execute(select(issued.c.month, func.count(distinct(issued.c.holder_id)))
                                 .group_by(issued.c.month)).tuples().all())
    return [(label, found.get(i, 0)) for i, (label, _, _) in enumerate(bounds)]


@dataclass(frozen=True)
class PassRate:
    org_id: int
    name: str
    passed: int
    failed: int
    pending: int

    @property
    def decided(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        return round(self.passed * 100 / self.decided, 1) if self.decided else None


def pass_rates_by_base(session: Session) -> list[PassRate]:
    """Level-assessment results per training base, best rate first (bases without a result last).

    The rule of ``exams.practical.level_result`` in SQL: failed when the theory percent is below the exam's
    pass mark, or the practical (all assessments signed off, the lowest counts) is below its pass mark, or a
    signed-off assessment hit a red line; passed when both parts are present and none of that holds.
    """
    signed_pct = func.coalesce(PracticalAssessment.reconciled_percent, PracticalAssessment.percent)
    practical = (select(PracticalAssessment.registration_id.label("rid"), func.count().label("n"),
                        func.count(PracticalAssessment.signed_off_at).label("signed"),
                        func.min(signed_pct).label("pct"),
                        func.max(case((and_(PracticalAssessment.signed_off_at.is_not(None),
                                            PracticalAssessment.failed_by_redline.is_(True)), 1), else_=0))
                        .label("redline"))
                 .group_by(PracticalAssessment.registration_id).subquery())
    theory = (select(Paper.registration_id.label("rid"), Attempt.percent.label("pct"))
              .join(Attempt, Attempt.paper_id == Paper.id).where(Attempt.status == AttemptStatus.SUBMITTED)
              .subquery())
    complete = and_(practical.c.n > 0, practical.c.n == practical.c.signed)
    failed = or_(and_(theory.c.pct.is_not(None), theory.c.pct < Exam.pass_mark),
                 and_(complete, practical.c.pct < Exam.practical_pass_mark), practical.c.redline == 1)
    passed = and_(theory.c.pct.is_not(None), complete)
    outcome = case((failed, "failed"), (passed, "passed"), else_="pending").label("outcome")
    per_registration = (select(ExamSession.org_id.label("org_id"), outcome)
                        .select_from(Registration)
                        .join(ExamSession, ExamSession.id == Registration.session_id)
                        .join(Exam, Exam.id == ExamSession.exam_id)
                        .outerjoin(theory, theory.c.rid == Registration.id)
                        .outerjoin(practical, practical.c.rid == Registration.id)
                        .where(Registration.status == RegistrationStatus.REGISTERED).subquery())
    counts: dict[int, dict[str, int]] = {}
    for org_id, result, n in session.execute(
            select(per_registration.c.org_id, per_registration.c.outcome, func.count())
            .group_by(per_registration.c.org_id, per_registration.c.outcome)).tuples():
        counts.setdefault(org_id, {})[result] = n
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_(list(counts)))).tuples().all()) if counts else {}
    rates = [PassRate(org_id, names.get(org_id, ""), c.get("passed", 0), c.get("failed", 0), c.get("pending", 0))
             for org_id, c in counts.items()]
    return sorted(rates, key=lambda r: (r.rate is None, -(r.rate or 0), -r.decided, r.name))


@dataclass(frozen=True)
class ExpiringSkill:
    name: str
    by_band: dict[int, int]  # 30 / 60 / 90 -> certificates expiring in that band


def expiring_certificates(session: Session, *, now: datetime) -> list[ExpiringSkill]:
    """Issued certificates expiring within 30, 31–60 and 61–90 days, per skill, most first."""
    band = case(*[(Certificate.expires_at <= now + timedelta(days=days), literal(days)) for days in EXPIRY_BANDS],
                else_=literal(EXPIRY_BANDS[-1]))
    due = (select(Certificate.skill_name.label("name"), band.label("band"))
           .where(Certificate.state == CertificateState.ISSUED, Certificate.expires_at > now,
                  Certificate.expires_at <= now + timedelta(days=EXPIRY_BANDS[-1])).subquery())
    by_skill: dict[str, dict[int, int]] = {}
    for name, days, n in session.execute(select(due.c.name, due.c.band, func.count())
                                         .group_by(due.c.name, due.c.band)).tuples():
        by_skill.setdefault(name, dict.fromkeys(EXPIRY_BANDS, 0))[int(days)] += n
    out = [ExpiringSkill(name, bands) for name, bands in by_skill.items()]
    return sorted(out, key=lambda s: (-sum(s.by_band.values()), s.name))


@dataclass(frozen=True)
class MedalCount:
    name: str
    medals: dict[str, int]  # gold / silver / bronze -> count


def medals_by_organisation(session: Session, *, top: int = 15) -> list[MedalCount]:
    """Medals of final results per competitor organisation, ranked gold first, then silver, then bronze."""
    org_id = func.coalesce(Competitor.enterprise_org_id, Competitor.base_org_id)
    medals = (select(org_id.label("org_id"), FinalAward.award.label("award"),
                     FinalAward.competitor_id.label("competitor_id"))
              .join(Competitor, Competitor.id == FinalAward.competitor_id)
              .where(FinalAward.award.in_(MEDALS)).distinct().subquery())
    rows = session.execute(select(medals.c.org_id, Organisation.name, medals.c.award, func.count())
                           .select_from(medals).outerjoin(Organisation, Organisation.id == medals.c.org_id)
                           .group_by(medals.c.org_id, Organisation.name, medals.c.award)).tuples()
    by_org: dict[tuple[int | None, str], dict[str, int]] = {}
    for oid, name, award, n in rows:
        by_org.setdefault((oid, name or ""), dict.fromkeys(MEDALS, 0))[award] = n
    out = [MedalCount(name, counts) for (_, name), counts in by_org.items()]
    return sorted(out, key=lambda m: (*(-m.medals[k] for k in MEDALS), m.name))[:top]


@dataclass(frozen=True)
class Totals:
    workers: int
    certified: int
    expiring_90: int


def totals(session: Session, *, now: datetime) -> Totals:
    workers, certified = session.execute(
        select(func.count(), func.coalesce(func.sum(case((RosterEntry.valid_count > 0, 1), else_=0)), 0))
        .select_from(RosterEntry)).one()
    expiring = session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.state == CertificateState.ISSUED, Certificate.expires_at > now,
        Certificate.expires_at <= now + timedelta(days=EXPIRY_BANDS[-1])))
    return Totals(int(workers), int(certified), int(expiring or 0))
