"""Judges' marks: the append-only mark log, panels, current values, re-votes and each module's sheet.

Protocol (offline-tolerant, like exam answers in DESIGN.md §6):

- A tablet numbers each judge's marks for a module 1, 2, 3… (``seq``) and keeps them until acknowledged.
  Every mark is stored as a new row (judge, value, round, device, device time, server time); nothing is
  updated or deleted. A replay of a stored ``seq`` is acknowledged again and changes nothing; the same
  ``seq`` with a different mark is refused (409 ``seq_reused``) with the highest stored seq, so a tablet
  whose storage was wiped can continue above it.
- A judge's current value for an aspect and round is their applied mark with the highest ``seq``, so
  marks arriving out of order never let an older value win.
- Changing one's own current value needs a written reason (a correction).
- A judgement round whose panel breaks the WorldSkills gap rule opens the next round at once and records
  the blocked scores (``Revote``); marks for a closed round and marks after the module is locked are kept
  in the log but not counted.
- Judges score only competitors on their panel; a conflict of interest (回避) refuses the mark.

Module rows are locked (``FOR UPDATE``) while a mark is recorded, so the re-vote check sees every score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.i18n import lazy
from core.models import Membership, User
from exams.competitions.models import (
    Aspect,
    Competitor,
    ConflictOverride,
    Event,
    JudgeAssignment,
    MarkEvent,
    MarkOutcome,
    Module,
    Revote,
)
from exams.competitions.rules.aggregation import PANEL_SIZE, AggregateStatus, AggregationRule, aggregate, agree
from exams.competitions.rules.conflicts import conflicting_orgs, panel_for
from exams.competitions.rules.scheme import (
    AspectKind,
    AspectSpec,
    ModuleMarks,
    ModuleSpec,
    SchemeInvalid,
    check_value,
    module_marks,
)
from exams.competitions.schemes import aspect_spec, aspects_of


class Refused(DomainError):
    """403 with a specific code (``conflict_of_interest``, ``not_on_panel``)."""

    status = 403


class CellStatus(StrEnum):
    MISSING = "missing"
    INCOMPLETE = "incomplete"
    DISAGREE = "disagree"
    REVOTE = "revote"
    DONE = "done"


@dataclass
class Context:
    """Everything a module's marks are judged against, loaded once."""

    module: Module
    event: Event
    aspects: list[Aspect]
    specs: dict[int, AspectSpec]
    spec: ModuleSpec
    competitors: list[Competitor]
    judges: list[int]
    panels: dict[int, tuple[int, ...]]
    conflicted: set[tuple[int, int]]  # (judge, competitor) with an unresolved conflict
    rounds: dict[tuple[int, int], int]  # (competitor, aspect) -> open round
    rule: AggregationRule


def load_context(session: Session, module: Module) -> Context:
    event = session.get(Event, module.event_id)
    aspects = aspects_of(session, module.id)
    specs = {a.id: aspect_spec(a) for a in aspects}
    competitors = list(session.scalars(select(Competitor).where(Competitor.event_id == event.id,
                                                                 Competitor.withdrawn_at.is_(None))
                                       .order_by(Competitor.station_code, Competitor.id)))
    judges = list(session.scalars(select(JudgeAssignment.judge_id).where(JudgeAssignment.module_id == module.id)
                                  .order_by(JudgeAssignment.position, JudgeAssignment.id)))
    orgs: dict[int, set[int]] = {j: set() for j in judges}
    for user_id, org_id in session.execute(select(Membership.user_id, Membership.org_id)
                                           .where(Membership.user_id.in_(judges))):
        orgs[user_id].add(org_id)
    overrides = set(session.execute(select(ConflictOverride.judge_id, ConflictOverride.competitor_id)
                                    .where(ConflictOverride.module_id == module.id)).tuples())
    rule = AggregationRule(event.aggregation)
    conflicted: set[tuple[int, int]] = set()
    panels: dict[int, tuple[int, ...]] = {}
    for c in competitors:
        against = {j for j in judges if conflicting_orgs(orgs[j], (c.enterprise_org_id, c.base_org_id))}
        conflicted |= {(j, c.id) for j in against if (j, c.id) not in overrides}
        panels[c.id] = panel_for(judges, against, {j for j, cid in overrides if cid == c.id}, PANEL_SIZE[rule])
    rounds: dict[tuple[int, int], int] = {}
    for competitor_id, aspect_id, closed in session.execute(
            select(Revote.competitor_id, Revote.aspect_id, func.max(Revote.round))
            .where(Revote.module_id == module.id).group_by(Revote.competitor_id, Revote.aspect_id)):
        rounds[(competitor_id, aspect_id)] = closed + 1
    spec = ModuleSpec(module.code, module.title, tuple(specs[a.id] for a in aspects)) if aspects else None
    return Context(module, event, aspects, specs, spec, competitors, judges, panels, conflicted, rounds, rule)


Key = tuple[int, int, int, int]  # competitor, aspect, judge, round


def current_marks(session: Session, module_id: int, *, competitor_id: int | None = None,
                  aspect_id: int | None = None) -> dict[Key, MarkEvent]:
    """Each judge's current mark per competitor, aspect and round: the applied one with the highest seq."""
    query = select(MarkEvent).where(MarkEvent.module_id == module_id, MarkEvent.outcome == MarkOutcome.APPLIED)
    if competitor_id is not None:
        query = query.where(MarkEvent.competitor_id == competitor_id, MarkEvent.aspect_id == aspect_id)
    out: dict[Key, MarkEvent] = {}
    for mark in session.scalars(query.order_by(MarkEvent.seq)):
        out[(mark.competitor_id, mark.aspect_id, mark.judge_id, mark.round)] = mark
    return out


@dataclass(frozen=True)
class Cell:
    aspect_id: int
    round: int
    values: dict[int, Decimal]  # panel judge -> current value in the open round
    status: CellStatus
    resolved: Fraction | Decimal | None
    spread: int = 0


@dataclass(frozen=True)
class Row:
    competitor: Competitor
    panel: tuple[int, ...]
    cells: dict[int, Cell]
    marks: ModuleMarks | None  # None until every aspect is resolved


@dataclass(frozen=True)
class Sheet:
    context: Context
    rows: list[Row]

    @property
    def is_complete(self) -> bool:
        return bool(self.rows) and all(row.marks is not None for row in self.rows)

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in CellStatus}
        for row in self.rows:
            for cell in row.cells.values():
                out[str(cell.status)] += 1
        return out


def _cell(ctx: Context, spec: AspectSpec, aspect_id: int, competitor_id: int, marks: dict[Key, MarkEvent]) -> Cell:
    round_ = ctx.rounds.get((competitor_id, aspect_id), 1)
    values = {j: Decimal(marks[key].value) for j in ctx.panels[competitor_id]
              if (key := (competitor_id, aspect_id, j, round_)) in marks}
    if not values:
        return Cell(aspect_id, round_, values, CellStatus.MISSING, None)
    if spec.kind is AspectKind.JUDGEMENT:
        result = aggregate(ctx.rule, [int(v) for v in values.values()], max_gap=ctx.event.max_gap)
        status = {AggregateStatus.INCOMPLETE: CellStatus.INCOMPLETE, AggregateStatus.REVOTE: CellStatus.REVOTE,
                  AggregateStatus.DONE: CellStatus.DONE}[result.status]
        return Cell(aspect_id, round_, values, status, result.score, result.spread)
    agreement = agree(list(values.values()))
    return Cell(aspect_id, round_, values, CellStatus.DISAGREE if agreement.disagree else CellStatus.DONE,
                agreement.value)


def module_sheet(session: Session, module: Module, ctx: Context | None = None) -> Sheet:
    """Every active competitor's cells and, when complete, module marks."""
    ctx = ctx or load_context(session, module)
    marks = current_marks(session, module.id)
    rows = []
    for competitor in ctx.competitors:
        cells = {a.id: _cell(ctx, ctx.specs[a.id], a.id, competitor.id, marks) for a in ctx.aspects}
        done = cells and all(c.status is CellStatus.DONE for c in cells.values())
        resolved = {ctx.specs[aid].code: c.resolved for aid, c in cells.items()} if done else None
        rows.append(Row(competitor, ctx.panels[competitor.id], cells,
                        module_marks(ctx.spec, resolved) if resolved is not None else None))
    return Sheet(ctx, rows)


# -- recording marks -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MarkAck:
    seq: int
    outcome: MarkOutcome
    round: int  # the aspect's open round after this mark
    status: CellStatus
    scored: int  # panel judges with a value in the open round
    needed: int  # the competitor's panel size
    duplicate: bool = False
    revote_opened: bool = False


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailed(f"invalid_{field}", str(lazy("%(f)s 应为正整数。", f=field)), field)
    return value


def _value(raw: object) -> object:
    """Tablets send decimals as text ("12.5"); a float would not be exact and is refused by the rule."""
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip().replace("，", "."))
        except ArithmeticError:
            return raw
    return raw


def lock_module_row(session: Session, module_id: int) -> Module:
    module = session.scalar(select(Module).where(Module.id == module_id).with_for_update()
                            .execution_options(populate_existing=True))
    if module is None:
        raise NotFound()
    return module


def _replay(existing: MarkEvent, competitor_id: int, aspect_id: int, value: object, round_: int) -> bool:
    return (existing.competitor_id, existing.aspect_id, existing.round) == (competitor_id, aspect_id, round_) \
        and _value(value) == Decimal(existing.value)


def record_mark(session: Session, *, module_id: int, judge: User, competitor_id: int, aspect_id: int, value: object,
                round: int, seq: int, device_id: str = "", reason: str = "", client_at: datetime | None = None,
                now: datetime) -> MarkAck:
    """Append one mark under the protocol in the module docstring.

    Raises NotFound (unknown module, competitor or aspect), Forbidden (not assigned, not on the panel,
    ``conflict_of_interest``), ValidationFailed (bad value, seq or round; ``reason_required`` for a
    correction without a reason) and Conflict (``seq_reused``).
    """
    seq, round_ = _int(seq, "seq"), _int(round, "round")
    module = lock_module_row(session, module_id)
    existing = session.scalar(select(MarkEvent).where(MarkEvent.module_id == module.id,
                                                      MarkEvent.judge_id == judge.id, MarkEvent.seq == seq))
    ctx = load_context(session, module)
    if existing is not None:
        if not _replay(existing, competitor_id, aspect_id, value, round_):
            top = session.scalar(select(func.max(MarkEvent.seq)).where(MarkEvent.module_id == module.id,
                                                                       MarkEvent.judge_id == judge.id))
            raise Conflict("seq_reused", str(lazy("序号 %(seq)d 已用于另一条评分，当前最大序号 %(top)d。",
                                                  seq=seq, top=top)), "seq")
        return _ack(session, ctx, existing, duplicate=True)
    competitor, spec = _check_target(ctx, judge, competitor_id, aspect_id)
    try:
        number = check_value(spec, _value(value))
    except SchemeInvalid as exc:
        raise ValidationFailed("invalid_value", exc.message, "value") from None
    open_round = ctx.rounds.get((competitor.id, aspect_id), 1)
    if round_ > open_round:
        raise ValidationFailed("invalid_round", str(lazy("评分轮次无效。")), "round")
    outcome = MarkOutcome.APPLIED
    if module.locked_at is not None:
        outcome = MarkOutcome.LOCKED
    elif round_ < open_round:
        outcome = MarkOutcome.STALE_ROUND
    else:
        _check_correction(session, module.id, judge.id, competitor.id, aspect_id, round_, seq, number, reason)
    mark = MarkEvent(module_id=module.id, competitor_id=competitor.id, aspect_id=aspect_id, judge_id=judge.id,
                     round=round_, value=number, seq=seq, device_id=(device_id or "")[:64], client_at=client_at,
                     recorded_at=now, reason=(reason or "").strip()[:1000], outcome=outcome)
    session.add(mark)
    session.flush()
    opened = outcome is MarkOutcome.APPLIED and _open_revote_if_needed(session, ctx, competitor.id, aspect_id, now)
    return _ack(session, ctx, mark, revote_opened=opened)


def _check_target(ctx: Context, judge: User, competitor_id: int, aspect_id: int) -> tuple[Competitor, AspectSpec]:
    if judge.id not in ctx.judges:
        raise Forbidden(str(lazy("您未被分配到该模块。")))
    competitor = next((c for c in ctx.competitors if c.id == competitor_id), None)
    if competitor is None or aspect_id not in ctx.specs:
        raise NotFound()
    if (judge.id, competitor.id) in ctx.conflicted:
        raise Refused("conflict_of_interest", str(lazy("回避：您与该工位选手来自同一企业或培训基地，不能为其评分。")))
    if judge.id not in ctx.panels[competitor.id]:
        raise Refused("not_on_panel", str(lazy("您不在该工位的评分小组中。")))
    return competitor, ctx.specs[aspect_id]


def _check_correction(session: Session, module_id: int, judge_id: int, competitor_id: int, aspect_id: int,
                      round_: int, seq: int, value: Decimal, reason: str) -> None:
    """A newer mark that changes the judge's current value must say why."""
    current = session.scalar(select(MarkEvent).where(
        MarkEvent.module_id == module_id, MarkEvent.judge_id == judge_id, MarkEvent.competitor_id == competitor_id,
        MarkEvent.aspect_id == aspect_id, MarkEvent.round == round_, MarkEvent.outcome == MarkOutcome.APPLIED)
        .order_by(MarkEvent.seq.desc()).limit(1))
    changes = current is not None and seq > current.seq and Decimal(current.value) != value
    if changes and len((reason or "").strip()) < 2:
        raise ValidationFailed("reason_required", str(lazy("修改已录入的分数须填写原因。")), "reason")


def _open_revote_if_needed(session: Session, ctx: Context, competitor_id: int, aspect_id: int, now: datetime) -> bool:
    spec = ctx.specs[aspect_id]
    if spec.kind is not AspectKind.JUDGEMENT:
        return False
    marks = current_marks(session, ctx.module.id, competitor_id=competitor_id, aspect_id=aspect_id)
    cell = _cell(ctx, spec, aspect_id, competitor_id, marks)
    if cell.status is not CellStatus.REVOTE:
        return False
    session.add(Revote(module_id=ctx.module.id, competitor_id=competitor_id, aspect_id=aspect_id, round=cell.round,
                       scores={str(j): int(v) for j, v in cell.values.items()}, spread=cell.spread, opened_at=now))
    session.flush()
    ctx.rounds[(competitor_id, aspect_id)] = cell.round + 1
    return True


def _ack(session: Session, ctx: Context, mark: MarkEvent, *, duplicate: bool = False,
         revote_opened: bool = False) -> MarkAck:
    marks = current_marks(session, ctx.module.id, competitor_id=mark.competitor_id, aspect_id=mark.aspect_id)
    cell = _cell(ctx, ctx.specs[mark.aspect_id], mark.aspect_id, mark.competitor_id, marks)  # after a re-vote: round 2
    return MarkAck(mark.seq, MarkOutcome(mark.outcome), cell.round, cell.status, len(cell.values),
                   len(ctx.panels[mark.competitor_id]), duplicate, revote_opened)


# -- what one judge's tablet shows ---------------------------------------------------------------------------

def judge_state(session: Session, module: Module, judge: User) -> dict:
    """The judge's stations (codes only), their own current values per aspect and round, and their max seq."""
    ctx = load_context(session, module)
    marks = current_marks(session, module.id)
    stations = []
    for competitor in ctx.competitors:
        if judge.id not in ctx.panels[competitor.id]:
            continue
        cells = {}
        for aspect in ctx.aspects:
            cell = _cell(ctx, ctx.specs[aspect.id], aspect.id, competitor.id, marks)
            own = marks.get((competitor.id, aspect.id, judge.id, cell.round))
            cells[str(aspect.id)] = {"round": cell.round, "status": str(cell.status),
                                     "value": _text(own.value) if own else None, "seq": own.seq if own else 0,
                                     "scored": len(cell.values), "needed": len(ctx.panels[competitor.id])}
        stations.append({"competitor_id": competitor.id, "station": competitor.station_code, "aspects": cells})
    top = session.scalar(select(func.max(MarkEvent.seq)).where(MarkEvent.module_id == module.id,
                                                               MarkEvent.judge_id == judge.id)) or 0
    return {"module_id": module.id, "locked": module.locked_at is not None, "max_seq": top, "stations": stations,
            "conflicts": sorted(c for j, c in ctx.conflicted if j == judge.id)}


def _text(value: Decimal) -> str:
    """A stored Numeric without trailing zeros: 12.500 -> "12.5", 3.000 -> "3"."""
    return format(Decimal(value).normalize(), "f")
