"""An event's standings computed from the marks: module marks, practical and theory, totals, ranks, awards
and the standardised score. The leaderboard counts locked modules only; results need every module locked.

The theory part is an exam: a competitor's theory percent is the percent of the member's latest submitted
attempt at the event's linked exam (a team: the mean over its members, a missing member counting 0).
Without a linked exam, the percent recorded on the competitor (a paper exam) is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Organisation
from exams.competitions.marking import Sheet, module_sheet
from exams.competitions.models import Competitor, CompetitorMember, Event, Module
from exams.competitions.rules.awards import assign_awards, medals_withheld, scheme_from_dict
from exams.competitions.rules.ranking import Entry, parse_chain, rank_entries
from exams.competitions.rules.scheme import AspectKind
from exams.competitions.rules.standardised import Standardisation, standardise
from exams.competitions.schemes import modules_of
from exams.models import Attempt, AttemptStatus, ExamSession


@dataclass(frozen=True)
class Standing:
    competitor: Competitor
    key: str
    member_ids: tuple[int, ...]
    module_marks: dict[int, Fraction | None]  # module id -> marks (None: not counted or not complete)
    zeroed: tuple[str, ...]  # codes of modules zeroed by a safety red line
    practical: Fraction  # percent of the practical full marks
    theory: Fraction | None
    time_minutes: Decimal | None
    total: Fraction
    rank: int
    decided_by: str | None
    awards: tuple[str, ...]
    standardised: Fraction | None


@dataclass(frozen=True)
class Standings:
    event: Event
    modules: list[Module]
    module_max: dict[int, Fraction]
    rows: list[Standing]
    is_complete: bool  # every module locked and every competitor marked
    standardisation: Standardisation | None
    medals_withheld: bool
    org_names: dict[int, str]


def station_key(competitor: Competitor) -> str:
    return competitor.station_code or f"#{competitor.id:06d}"


def theory_percents(session: Session, event: Event, competitors: list[Competitor],
                    members: dict[int, list[int]]) -> dict[int, Fraction | None]:
    if event.theory_exam_id is None:
        return {c.id: Fraction(c.theory_percent) if c.theory_percent is not None else None for c in competitors}
    users = [u for c in competitors for u in members.get(c.id, [])]
    latest: dict[int, Fraction] = {}
    for user_id, percent in session.execute(
            select(Attempt.user_id, Attempt.percent).join(ExamSession, ExamSession.id == Attempt.session_id)
            .where(ExamSession.exam_id == event.theory_exam_id, Attempt.status == AttemptStatus.SUBMITTED,
                   Attempt.user_id.in_(users), Attempt.percent.is_not(None))
            .order_by(Attempt.submitted_at, Attempt.id)):
        latest[user_id] = Fraction(percent)
    out: dict[int, Fraction | None] = {}
    for c in competitors:
        ids = members.get(c.id, [])
        found = [latest[u] for u in ids if u in latest]
        out[c.id] = sum((latest.get(u, Fraction(0)) for u in ids), Fraction(0)) / len(ids) if found else None
    return out


@dataclass(frozen=True)
class _Practical:
    marks: dict[int, Fraction | None]
    zeroed: tuple[str, ...]
    percent: Fraction
    minutes: Decimal | None


def _practical(sheets: dict[int, Sheet], counted: list[Module], competitor: Competitor, full: Fraction) -> _Practical:
    """One competitor's counted module marks, red-line zeroed modules, practical percent and working time."""
    marks: dict[int, Fraction | None] = {}
    zeroed: list[str] = []
    minutes = None
    for module in counted:
        sheet = sheets[module.id]
        row = next(r for r in sheet.rows if r.competitor.id == competitor.id)
        marks[module.id] = row.marks.marks if row.marks is not None else None
        if row.marks is None:
            continue
        zeroed += [module.code] if row.marks.is_zeroed else []
        for aspect in sheet.context.aspects:
            if aspect.is_time and aspect.kind == AspectKind.MEASUREMENT:
                minutes = (minutes or Decimal(0)) + Decimal(row.cells[aspect.id].resolved)
    gained = sum((v for v in marks.values() if v is not None), Fraction(0))
    return _Practical(marks, tuple(zeroed), gained / full * 100 if full else Fraction(0), minutes)


def _members(session: Session, event: Event) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for competitor_id, user_id in session.execute(
            select(CompetitorMember.competitor_id, CompetitorMember.user_id)
            .join(Competitor, Competitor.id == CompetitorMember.competitor_id)
            .where(Competitor.event_id == event.id).order_by(CompetitorMember.user_id)):
        members.setdefault(competitor_id, []).append(user_id)
    return members


def event_standings(session: Session, event: Event, *, locked_only: bool = True) -> Standings:
    """Standings from the current marks; ``locked_only`` counts only locked modules (the default).

    Awards are given only when the standings are complete (every module locked, every competitor marked).
    """
    modules = modules_of(session, event.id)
    sheets = {m.id: module_sheet(session, m) for m in modules}
    counted = [m for m in modules if m.locked_at is not None or not locked_only]
    competitors = sheets[modules[0].id].context.competitors if modules else list(session.scalars(
        select(Competitor).where(Competitor.event_id == event.id, Competitor.withdrawn_at.is_(None))))
    members = _members(session, event)
    theory = theory_percents(session, event, competitors, members)
    module_max = {m.id: Fraction(sheets[m.id].context.spec.max_marks) if sheets[m.id].context.spec else Fraction(0)
                  for m in modules}
    full = sum(module_max.values(), Fraction(0))
    parts = {c.id: _practical(sheets, counted, c, full) for c in competitors}
    complete = len(counted) == len(modules) > 0 and all(m.locked_at is not None for m in modules) and all(
        None not in p.marks.values() for p in parts.values())
    entries = [Entry(station_key(c), theory[c.id], parts[c.id].percent, parts[c.id].minutes) for c in competitors]
    ranked = rank_entries(entries, theory_weight=Decimal(event.theory_weight),
                          practical_weight=Decimal(event.practical_weight), chain=parse_chain(event.tie_breaks))
    awards_scheme = scheme_from_dict(event.awards or {})
    awards = assign_awards([(r.entry.key, r.rank) for r in ranked], awards_scheme) if complete else {}
    std = standardise([r.total for r in ranked]) if ranked else None
    by_key = {station_key(c): c for c in competitors}
    rows = []
    for n, r in enumerate(ranked):
        c, part = by_key[r.entry.key], parts[by_key[r.entry.key].id]
        rows.append(Standing(c, r.entry.key, tuple(members.get(c.id, [])),
                             {m.id: part.marks.get(m.id) for m in modules}, part.zeroed, part.percent, theory[c.id],
                             part.minutes, r.total, r.rank, r.decided_by, awards.get(r.entry.key, ()),
                             std.scores[n] if std else None))
    org_ids = {o for c in competitors for o in (c.enterprise_org_id, c.base_org_id) if o}
    names = {oid: name for oid, name in session.execute(select(Organisation.id, Organisation.name)
                                                         .where(Organisation.id.in_(org_ids)))}
    return Standings(event, modules, module_max, rows, complete, std, medals_withheld(awards_scheme, len(rows)), names)
