"""Setting a competition up: competitions, events and their rules, competitors and stations, judges.

Services take the session, the acting user and ``now``; they flush and never commit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, ValidationFailed
from core.i18n import lazy
from core.models import Membership, Organisation, OrgKind, Role, User
from exams.competitions.access import JUDGE_POOL_ROLES, is_chief, org_ids_of
from exams.competitions.models import (
    Competition,
    Competitor,
    CompetitorMember,
    ConflictOverride,
    Event,
    EventKind,
    JudgeAssignment,
    MarkEvent,
    Module,
)
from exams.competitions.rules.aggregation import AggregationRule
from exams.competitions.rules.awards import AwardsInvalid, scheme_from_dict
from exams.competitions.rules.conflicts import conflicting_orgs
from exams.competitions.rules.ranking import parse_chain
from exams.competitions.trail import record
from exams.models import Exam


def _text(value: str | None, field: str, *, low: int = 1, high: int = 160) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        raise ValidationFailed("invalid_text", str(lazy("请填写 %(low)d–%(high)d 个字。", low=low, high=high)), field)
    return text


def create_competition(session: Session, *, actor: User, org_id: int, title: str, venue: str = "",
                       starts_on: str = "", now: datetime) -> Competition:
    competition = Competition(org_id=org_id, title=_text(title, "title", low=2), venue=(venue or "").strip()[:160],
                              starts_on=(starts_on or "").strip()[:10], created_at=now)
    session.add(competition)
    session.flush()
    record(session, competition=competition, action="created", now=now, actor_id=actor.id,
           target=f"competition:{competition.id}")
    return competition


CHIEF_ROLES = (Role.CHIEF_JUDGE,)


def judge_pool(session: Session, competition: Competition, roles=JUDGE_POOL_ROLES) -> list[User]:
    """People who may judge (or chief-judge): judges of the organising organisation or of any expert committee."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.org_id)
        .where(Membership.role.in_([str(r) for r in roles]),
               (Membership.org_id == competition.org_id) | (Organisation.kind == OrgKind.COMMITTEE))
        .distinct().order_by(User.name, User.id)))


def set_chief_judge(session: Session, *, actor: User, competition: Competition, user_id: int, now: datetime) -> None:
    if user_id not in {u.id for u in judge_pool(session, competition, CHIEF_ROLES)}:
        raise ValidationFailed("not_chief_judge", str(lazy("该用户不是裁判长。")), "chief_judge_id")
    competition.chief_judge_id = user_id
    session.flush()
    record(session, competition=competition, action="chief_judge_set", now=now, actor_id=actor.id,
           target=f"competition:{competition.id}", details={"user_id": user_id})


@dataclass(frozen=True)
class EventRules:
    """An event's configurable rules, as the settings form gives them."""

    theory_weight: Decimal = Decimal(30)
    practical_weight: Decimal = Decimal(70)
    aggregation: str = AggregationRule.WORLDSKILLS
    max_gap: int = 1
    tie_breaks: tuple[str, ...] = ("practical", "time", "theory")
    awards: dict | None = None
    recheck_top: int = 10
    recheck_share: Decimal = Decimal("0.2")
    recheck_threshold: Decimal = Decimal("0.05")
    appeal_window_s: int = 7200
    theory_exam_id: int | None = None


def _check_rules(session: Session, competition: Competition, rules: EventRules) -> None:
    def bad(code: str, text: str, field: str):
        return ValidationFailed(code, str(lazy(text)), field)

    if rules.theory_weight < 0 or rules.practical_weight < 0 or rules.theory_weight + rules.practical_weight != 100:
        raise bad("invalid_weights", "理论和实操权重应为非负数，合计 100。", "theory_weight")
    if rules.aggregation not in set(AggregationRule):
        raise bad("invalid_aggregation", "评价项汇总方式无效。", "aggregation")
    if not 0 <= rules.max_gap <= 3:
        raise bad("invalid_gap", "允许分差应在 0–3 之间。", "max_gap")
    try:
        parse_chain(rules.tie_breaks)
        scheme_from_dict(rules.awards or {})
    except AwardsInvalid as exc:
        raise ValidationFailed("invalid_awards", str(exc), "awards") from None
    except ValueError:
        raise bad("invalid_tie_breaks", "并列名次判定顺序无效。", "tie_breaks") from None
    if rules.recheck_top < 0 or not 0 <= rules.recheck_share <= 1 or not 0 <= rules.recheck_threshold <= 1:
        raise bad("invalid_recheck", "复核抽查设置无效。", "recheck_share")
    if not 600 <= rules.appeal_window_s <= 72 * 3600:
        raise bad("invalid_window", "申诉期应在 10 分钟到 72 小时之间。", "appeal_window_s")
    if rules.theory_exam_id is not None:
        exam = session.get(Exam, rules.theory_exam_id)
        if exam is None or exam.org_id != competition.org_id:
            raise bad("invalid_exam", "理论考试不存在或不属于本机构。", "theory_exam_id")


def _apply_rules(event: Event, rules: EventRules) -> None:
    event.theory_weight, event.practical_weight = rules.theory_weight, rules.practical_weight
    event.aggregation, event.max_gap = str(rules.aggregation), rules.max_gap
    event.tie_breaks = list(rules.tie_breaks)
    if rules.awards is not None:
        event.awards = rules.awards
    event.recheck_top, event.recheck_share = rules.recheck_top, rules.recheck_share
    event.recheck_threshold, event.appeal_window_s = rules.recheck_threshold, rules.appeal_window_s
    event.theory_exam_id = rules.theory_exam_id


def create_event(session: Session, *, actor: User, competition: Competition, code: str, title: str,
                 kind: str = EventKind.INDIVIDUAL, occupation: str = "", occupation_code: str = "", level: str = "",
                 rules: EventRules | None = None, now: datetime) -> Event:
    rules = rules or EventRules()
    _check_rules(session, competition, rules)
    code = _text(code, "code", high=20)
    if kind not in set(EventKind):
        raise ValidationFailed("invalid_kind", str(lazy("项目类型无效。")), "kind")
    if session.scalar(select(Event.id).where(Event.competition_id == competition.id, Event.code == code)):
        raise Conflict("code_taken", str(lazy("项目代码已存在。")), "code")
    event = Event(competition_id=competition.id, code=code, title=_text(title, "title", low=2), kind=kind,
                  occupation=(occupation or "").strip()[:80], occupation_code=(occupation_code or "").strip()[:20],
                  level=(level or "").strip()[:20], created_at=now)
    _apply_rules(event, rules)
    session.add(event)
    session.flush()
    record(session, competition=competition, action="event_created", now=now, actor_id=actor.id,
           target=f"comp_event:{event.id}")
    return event


def configure_event(session: Session, *, actor: User, event: Event, rules: EventRules, now: datetime) -> None:
    """Change an event's rules; refused once provisional results are out."""
    if event.provisional_at is not None:
        raise Conflict("results_published", str(lazy("成绩已公布，不能再修改规则。")))
    competition = session.get(Competition, event.competition_id)
    _check_rules(session, competition, rules)
    scoring_changes = (str(rules.aggregation), rules.max_gap) != (event.aggregation, event.max_gap)
    if scoring_changes and _has_marks(session, event):
        raise Conflict("marks_exist", str(lazy("已有评分记录，不能再更改评价项汇总方式或允许分差。")), "aggregation")
    _apply_rules(event, rules)
    session.flush()
    record(session, competition=competition, action="event_configured", now=now, actor_id=actor.id,
           target=f"comp_event:{event.id}", details={"aggregation": event.aggregation, "max_gap": event.max_gap})


def _has_marks(session: Session, event: Event) -> bool:
    return bool(session.scalar(select(MarkEvent.id).join(Module, Module.id == MarkEvent.module_id)
                               .where(Module.event_id == event.id).limit(1)))


def add_competitor(session: Session, *, actor: User, event: Event, name: str, member_ids: list[int],
                   enterprise_org_id: int | None = None, base_org_id: int | None = None,
                   theory_percent: Decimal | None = None, now: datetime) -> Competitor:
    """One competitor (or team); a person competes once per event. Enterprise and base drive 回避."""
    if event.kind == EventKind.INDIVIDUAL and len(member_ids) > 1:
        raise ValidationFailed("one_member", str(lazy("个人项目每位选手只能关联一个账号。")), "member_ids")
    if event.kind == EventKind.TEAM and not member_ids:
        raise ValidationFailed("team_members", str(lazy("团体项目至少要关联一名队员。")), "member_ids")
    for org_id, kind, field in ((enterprise_org_id, OrgKind.ENTERPRISE, "enterprise_org_id"),
                                (base_org_id, OrgKind.TRAINING_BASE, "base_org_id")):
        org = session.get(Organisation, org_id) if org_id else None
        if org_id and (org is None or org.kind != kind):
            raise ValidationFailed("invalid_org", str(lazy("所属单位无效。")), field)
    if theory_percent is not None and not 0 <= theory_percent <= 100:
        raise ValidationFailed("invalid_percent", str(lazy("理论成绩应在 0–100 之间。")), "theory_percent")
    taken = session.scalar(select(CompetitorMember.user_id)
                           .join(Competitor, Competitor.id == CompetitorMember.competitor_id)
                           .where(Competitor.event_id == event.id, CompetitorMember.user_id.in_(member_ids)))
    if taken:
        raise Conflict("already_entered", str(lazy("该选手已报名本项目。")), "member_ids")
    competitor = Competitor(event_id=event.id, name=_text(name, "name", high=120), enterprise_org_id=enterprise_org_id,
                            base_org_id=base_org_id, theory_percent=theory_percent, created_at=now)
    session.add(competitor)
    session.flush()
    session.add_all(CompetitorMember(competitor_id=competitor.id, user_id=uid) for uid in member_ids)
    session.flush()
    record(session, event=event, action="competitor_added", now=now, actor_id=actor.id,
           target=f"comp_competitor:{competitor.id}")
    return competitor


def draw_stations(session: Session, *, actor: User, event: Event, seed: int, prefix: str = "", now: datetime) -> None:
    """Give every competitor a station code (``<prefix>01``…) in a seeded, recorded random order.

    Refused once marks exist: codes are what judges have been scoring against.
    """
    if _has_marks(session, event):
        raise Conflict("marks_exist", str(lazy("已有评分记录，不能重新抽签。")))
    competitors = list(session.scalars(select(Competitor).where(Competitor.event_id == event.id)
                                       .order_by(Competitor.id)))
    order = list(range(1, len(competitors) + 1))
    random.Random(seed).shuffle(order)
    prefix = (prefix or event.code[:2]).strip().upper()[:4]
    for competitor in competitors:  # two passes: the unique constraint must never see a duplicate
        competitor.station_code = None
    session.flush()
    for competitor, number in zip(competitors, order, strict=True):
        competitor.station_code = f"{prefix}{number:02d}"
    event.station_seed, event.stations_drawn_at = seed, now
    session.flush()
    record(session, event=event, action="stations_drawn", now=now, actor_id=actor.id, target=f"comp_event:{event.id}",
           details={"seed": seed, "competitors": len(competitors)})


def assign_judge(session: Session, *, actor: User, module: Module, judge_id: int, now: datetime) -> JudgeAssignment:
    event = session.get(Event, module.event_id)
    competition = session.get(Competition, event.competition_id)
    if judge_id not in {u.id for u in judge_pool(session, competition)}:
        raise ValidationFailed("not_a_judge", str(lazy("该用户不在裁判库中。")), "judge_id")
    if module.locked_at is not None:
        raise Conflict("module_locked", str(lazy("模块已锁定。")))
    existing = session.scalar(select(JudgeAssignment).where(JudgeAssignment.module_id == module.id,
                                                            JudgeAssignment.judge_id == judge_id))
    if existing:
        return existing
    position = session.scalar(select(func.coalesce(func.max(JudgeAssignment.position), 0))
                              .where(JudgeAssignment.module_id == module.id)) + 1
    assignment = JudgeAssignment(module_id=module.id, judge_id=judge_id, position=position, created_by_id=actor.id,
                                 created_at=now)
    session.add(assignment)
    session.flush()
    record(session, competition=competition, action="judge_assigned", now=now, actor_id=actor.id,
           target=f"comp_module:{module.id}", details={"judge_id": judge_id})
    return assignment


def conflicts_of(session: Session, judge: User, competitor: Competitor) -> frozenset[int]:
    return conflicting_orgs(org_ids_of(judge), (competitor.enterprise_org_id, competitor.base_org_id))


def override_conflict(session: Session, *, actor: User, module: Module, judge: User, competitor: Competitor,
                      reason: str, now: datetime) -> ConflictOverride:
    """Only the chief judge may let a conflicted judge score a competitor, and only with a reason."""
    event = session.get(Event, module.event_id)
    competition = session.get(Competition, event.competition_id)
    if not is_chief(actor, competition):
        raise Forbidden(str(lazy("只有裁判长可以批准回避例外。")))
    if competitor.event_id != event.id or not conflicts_of(session, judge, competitor):
        raise ValidationFailed("no_conflict", str(lazy("该裁判与该选手没有回避关系。")), "competitor_id")
    reason = _text(reason, "reason", low=4, high=1000)
    override = ConflictOverride(module_id=module.id, judge_id=judge.id, competitor_id=competitor.id, reason=reason,
                                approved_by_id=actor.id, created_at=now)
    session.add(override)
    session.flush()
    record(session, competition=competition, action="conflict_overridden", now=now, actor_id=actor.id,
           target=f"comp_module:{module.id}", details={"judge_id": judge.id, "competitor_id": competitor.id})
    return override

