"""Read side of competitions: what pages and the API show, and the feeds for packages above ``exams``.

``final_awards`` (certificates) and ``final_placings`` (roster) return plain records read from rows written
once at finalisation, in id order for keyset sweeps; ``exams`` never imports those packages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Organisation, User
from exams.competitions.marking import current_marks, module_sheet
from exams.competitions.models import (
    Appeal,
    AppealEvidence,
    Competition,
    Competitor,
    CompetitorMember,
    Event,
    FinalAward,
    FinalPlacing,
    JudgeAssignment,
    Module,
    Revote,
    SnapshotKind,
)
from exams.competitions.results import latest_snapshot, standings_payload
from exams.competitions.rules.analytics import JudgeStats, judge_stats
from exams.competitions.rules.scheme import AspectKind
from exams.competitions.schemes import modules_of
from exams.competitions.standings import event_standings


def competitions_of_org(session: Session, org_id: int) -> list[Competition]:
    return list(session.scalars(select(Competition).where(Competition.org_id == org_id)
                                .order_by(Competition.id.desc())))


def events_of(session: Session, competition_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.competition_id == competition_id).order_by(Event.code)))


def event_of(session: Session, competition: Competition, event_id: int) -> Event | None:
    event = session.get(Event, event_id)
    return event if event is not None and event.competition_id == competition.id else None


def module_of(session: Session, competition: Competition, module_id: int) -> tuple[Module, Event] | None:
    module = session.get(Module, module_id)
    event = session.get(Event, module.event_id) if module else None
    return (module, event) if event is not None and event.competition_id == competition.id else None


def competitors_of(session: Session, event_id: int) -> list[Competitor]:
    return list(session.scalars(select(Competitor).where(Competitor.event_id == event_id)
                                .order_by(Competitor.station_code, Competitor.id)))


def users_by_id(session: Session, ids) -> dict[int, User]:
    ids = set(ids)
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def judges_of(session: Session, module_id: int) -> list[int]:
    return list(session.scalars(select(JudgeAssignment.judge_id).where(JudgeAssignment.module_id == module_id)
                                .order_by(JudgeAssignment.position, JudgeAssignment.id)))


@dataclass(frozen=True)
class JudgeModule:
    competition: Competition
    event: Event
    module: Module


def judge_modules(session: Session, user: User) -> list[JudgeModule]:
    """The modules a judge is assigned to, newest competition first."""
    rows = session.execute(
        select(Competition, Event, Module).join(Event, Event.competition_id == Competition.id)
        .join(Module, Module.event_id == Event.id).join(JudgeAssignment, JudgeAssignment.module_id == Module.id)
        .where(JudgeAssignment.judge_id == user.id).order_by(Competition.id.desc(), Event.code, Module.position))
    return [JudgeModule(*row) for row in rows]


def chief_competitions(session: Session, user: User) -> list[Competition]:
    return list(session.scalars(select(Competition).where(Competition.chief_judge_id == user.id)
                                .order_by(Competition.id.desc())))


def competitor_entries(session: Session, competition: Competition, user: User) -> list[tuple[Event, Competitor]]:
    """The events in which ``user`` competes (the appeal page)."""
    return list(session.execute(
        select(Event, Competitor).join(Competitor, Competitor.event_id == Event.id)
        .join(CompetitorMember, CompetitorMember.competitor_id == Competitor.id)
        .where(Event.competition_id == competition.id, CompetitorMember.user_id == user.id)).tuples())


def competitor_competitions(session: Session, user: User) -> list[Competition]:
    """Competitions in which ``user`` competes (alone or in a team)."""
    entered = (select(Event.competition_id).join(Competitor, Competitor.event_id == Event.id)
               .join(CompetitorMember, CompetitorMember.competitor_id == Competitor.id)
               .where(CompetitorMember.user_id == user.id))
    return list(session.scalars(select(Competition).where(Competition.id.in_(entered))
                                .order_by(Competition.id.desc())))


def organisations(session: Session, ids) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(list(ids))).order_by(Organisation.name)))


def appeals_of(session: Session, event_id: int) -> list[Appeal]:
    return list(session.scalars(select(Appeal).where(Appeal.event_id == event_id).order_by(Appeal.id)))


def evidence_of(session: Session, appeal_ids) -> dict[int, list[AppealEvidence]]:
    out: dict[int, list[AppealEvidence]] = {}
    rows = session.scalars(select(AppealEvidence).where(AppealEvidence.appeal_id.in_(list(appeal_ids)))
                           .order_by(AppealEvidence.id)) if appeal_ids else []
    for row in rows:
        out.setdefault(row.appeal_id, []).append(row)
    return out


# -- API shapes ----------------------------------------------------------------------------------------------

def scores_json(session: Session, competition: Competition) -> dict:
    """Raw marks per aspect and judge (every judge's current value in every round), and each cell's outcome.

    Names appear only for decoded modules; otherwise competitors are station codes.
    """
    events = []
    for event in events_of(session, competition.id):
        modules = []
        for module in modules_of(session, event.id):
            sheet = module_sheet(session, module)
            codes = {a.id: a.code for a in sheet.context.aspects}
            names = {c.id: (c.name if module.decoded_at else None) for c in sheet.context.competitors}
            stations = {c.id: c.station_code for c in sheet.context.competitors}
            judges = users_by_id(session, sheet.context.judges)
            marks = [{"station": stations.get(cid), "name": names.get(cid), "aspect": codes[aid], "round": rnd,
                      "judge_id": jid, "judge": judges[jid].name if jid in judges else None,
                      "value": _plain(mark.value), "seq": mark.seq, "recorded_at": mark.recorded_at.isoformat(),
                      "reason": mark.reason or None}
                     for (cid, aid, jid, rnd), mark in sorted(current_marks(session, module.id).items())
                     if cid in stations]
            cells = [{"station": row.competitor.station_code, "name": names[row.competitor.id], "aspect": codes[aid],
                      "round": cell.round, "status": str(cell.status),
                      "value": None if cell.resolved is None else str(cell.resolved)}
                     for row in sheet.rows for aid, cell in row.cells.items()]
            modules.append({"id": module.id, "code": module.code, "title": module.title,
                            "locked": module.locked_at is not None, "decoded": module.decoded_at is not None,
                            "aspects": [{"code": a.code, "title": a.title, "kind": a.kind,
                                         "max_marks": _plain(a.max_marks)} for a in sheet.context.aspects],
                            "marks": marks, "cells": cells})
        events.append({"id": event.id, "code": event.code, "title": event.title, "aggregation": event.aggregation,
                       "max_gap": event.max_gap, "modules": modules})
    return {"competition": {"id": competition.id, "title": competition.title}, "events": events}


def _plain(value) -> str:
    return format(Decimal(value).normalize(), "f")


def public_view(payload: dict) -> dict:
    """A snapshot without member account ids (the public never needs them)."""
    return {**payload, "rows": [{k: v for k, v in row.items() if k != "members"} for row in payload["rows"]]}


def event_results(session: Session, competition: Competition, event: Event, *, now: datetime,
                  staff: bool) -> dict | None:
    """Final snapshot (public), else for staff the provisional snapshot or the live standings."""
    final = latest_snapshot(session, event.id, SnapshotKind.FINAL)
    if final is not None:
        doc = json.loads(final.payload)
        return {"status": "final", "sha256": final.sha256, **(doc if staff else public_view(doc))}
    if not staff:
        return None
    provisional = latest_snapshot(session, event.id, SnapshotKind.PROVISIONAL)
    if provisional is not None:
        return {"status": "provisional", "sha256": provisional.sha256,
                "appeals_until": event.appeal_closes_at.isoformat(), **json.loads(provisional.payload)}
    live = standings_payload(event_standings(session, event), competition, kind="live", version=0, decided_at=now)
    return {"status": "live", "sha256": None, **live}


def results_json(session: Session, competition: Competition, *, now: datetime, staff: bool) -> dict:
    events = [doc for e in events_of(session, competition.id)
              if (doc := event_results(session, competition, e, now=now, staff=staff)) is not None]
    return {"competition": {"id": competition.id, "title": competition.title}, "events": events}


def has_final_results(session: Session, competition: Competition) -> bool:
    return any(e.finalised_at is not None for e in events_of(session, competition.id))


# -- judge analytics -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JudgeRow:
    judge: User
    stats: JudgeStats


def judge_analytics(session: Session, event: Event) -> list[JudgeRow]:
    """Per judge: leniency against the leave-one-out panel mean and re-vote rate (completed judgements)."""
    panels, revoted = [], []
    for module in modules_of(session, event.id):
        sheet = module_sheet(session, module)
        kinds = {a.id: a.kind for a in sheet.context.aspects}
        revotes = set(session.execute(select(Revote.competitor_id, Revote.aspect_id)
                                      .where(Revote.module_id == module.id)).tuples())
        for row in sheet.rows:
            for aspect_id, cell in row.cells.items():
                if kinds[aspect_id] == AspectKind.JUDGEMENT and cell.resolved is not None:
                    panels.append({j: int(v) for j, v in cell.values.items()})
                    revoted.append((row.competitor.id, aspect_id) in revotes)
    stats = judge_stats(panels, revoted)
    users = users_by_id(session, [s.judge_id for s in stats])
    return [JudgeRow(users[s.judge_id], s) for s in stats]


# -- feeds for certificates and the roster -------------------------------------------------------------------

@dataclass(frozen=True)
class FinalAwardRecord:
    id: int
    competition_id: int
    competition_title: str
    event_id: int
    event_title: str
    occupation: str
    occupation_code: str
    level: str
    user_id: int
    award: str
    rank: int
    snapshot_sha256: str
    decided_at: datetime


def final_awards(session: Session, after_id: int = 0, limit: int = 500) -> list[FinalAwardRecord]:
    """Awards of final results, in id order after ``after_id``: one record per member and award."""
    rows = session.execute(
        select(FinalAward, Event, Competition).join(Event, Event.id == FinalAward.event_id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(FinalAward.id > after_id).order_by(FinalAward.id).limit(limit))
    return [FinalAwardRecord(a.id, c.id, c.title, e.id, e.title, e.occupation, e.occupation_code, e.level, a.user_id,
                             a.award, a.rank, a.snapshot_sha256, a.decided_at) for a, e, c in rows]


@dataclass(frozen=True)
class FinalPlacingRecord:
    id: int
    competition_id: int
    competition_title: str
    event_id: int
    event_title: str
    occupation: str
    occupation_code: str
    level: str
    user_id: int
    rank: int
    total: str
    standardised: str
    awards: tuple[str, ...]
    snapshot_sha256: str
    decided_at: datetime


def final_placings(session: Session, after_id: int = 0, limit: int = 500) -> list[FinalPlacingRecord]:
    """Every member's final placing, in id order after ``after_id`` (the talent roster's feed)."""
    rows = session.execute(
        select(FinalPlacing, Event, Competition).join(Event, Event.id == FinalPlacing.event_id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(FinalPlacing.id > after_id).order_by(FinalPlacing.id).limit(limit))
    return [FinalPlacingRecord(p.id, c.id, c.title, e.id, e.title, e.occupation, e.occupation_code, e.level, p.user_id,
                               p.rank, str(p.total), str(p.standardised), tuple(p.awards), p.snapshot_sha256,
                               p.decided_at) for p, e, c in rows]

