"""Publishing results: provisional results with an appeal window, then a final snapshot that never changes.

- Provisional: every module locked and decoded, the supervisor re-check complete. The standings are
  stored as a snapshot (canonical JSON + SHA-256) and the appeal window (default 2 h) opens.
- Final: after the window, with no appeal left open and every module locked again (an upheld appeal is
  corrected through unlock, re-marking and re-signing), the standings are stored once more as the final
  snapshot, with one placing row per member (the roster feed) and one row per award (the certificates
  feed). Finalising twice returns the same snapshot. Nothing ever updates a snapshot: later changes to
  marks cannot reach a published final result.
- The leaderboard (locked modules only) can be frozen before the ceremony; it then shows the standings
  as they were at the freeze.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, RuleViolated
from core.i18n import lazy
from core.models import User
from exams.competitions.access import is_chief, is_organiser
from exams.competitions.models import (
    Appeal,
    AppealStatus,
    Competition,
    Event,
    FinalAward,
    FinalPlacing,
    ResultSnapshot,
    SnapshotKind,
)
from exams.competitions.recheck import recheck_status
from exams.competitions.rules.ranking import published
from exams.competitions.rules.snapshot import canonical_json, sha256_hex
from exams.competitions.schemes import modules_of
from exams.competitions.standings import Standings, event_standings
from exams.competitions.trail import record


def _num(value: Fraction | Decimal | None) -> str | None:
    return None if value is None else str(published(value))


def standings_payload(standings: Standings, competition: Competition, *, kind: str, version: int,
                      decided_at: datetime) -> dict:
    """The JSON document of a snapshot (numbers as text, rounded half up to 0.01)."""
    event, std = standings.event, standings.standardisation
    codes = {m.id: m.code for m in standings.modules}
    # Names beside marks only once every counted (locked) module has been decoded by the chief judge.
    reveal = all(m.decoded_at is not None for m in standings.modules if m.locked_at is not None)
    return {
        "competition": {"id": competition.id, "title": competition.title},
        "event": {"id": event.id, "code": event.code, "title": event.title, "kind": event.kind,
                  "occupation": event.occupation, "occupation_code": event.occupation_code, "level": event.level,
                  "theory_weight": str(event.theory_weight), "practical_weight": str(event.practical_weight)},
        "kind": kind, "version": version, "decided_at": decided_at.isoformat(),
        "tie_breaks": list(event.tie_breaks), "awards_scheme": event.awards,
        "medals_withheld": standings.medals_withheld,
        "standardisation": None if std is None else {
            "centre": str(std.centre), "scale": str(std.scale), "median": _num(std.median), "mad": _num(std.mad),
            "spread": _num(std.spread), "method": str(std.method), "mad_factor": str(std.mad_factor),
            "mean_ad_factor": str(std.mean_ad_factor)},
        "modules": [{"id": m.id, "code": m.code, "title": m.title, "max_marks": _num(standings.module_max[m.id])}
                    for m in standings.modules],
        "rows": [{"competitor_id": row.competitor.id, "station": row.competitor.station_code,
                  "name": row.competitor.name if reveal else None, "members": list(row.member_ids),
                  "enterprise": standings.org_names.get(row.competitor.enterprise_org_id or 0, "") if reveal else None,
                  "modules": {codes[mid]: _num(v) for mid, v in row.module_marks.items()},
                  "zeroed_modules": list(row.zeroed), "theory": _num(row.theory), "practical": _num(row.practical),
                  "time_minutes": None if row.time_minutes is None else str(row.time_minutes),
                  "total": _num(row.total), "rank": row.rank, "decided_by": row.decided_by, "awards": list(row.awards),
                  "standardised": _num(row.standardised)} for row in standings.rows],
    }


def latest_snapshot(session: Session, event_id: int, kind: str | None = None) -> ResultSnapshot | None:
    query = select(ResultSnapshot).where(ResultSnapshot.event_id == event_id)
    if kind:
        query = query.where(ResultSnapshot.kind == kind)
    return session.scalar(query.order_by(ResultSnapshot.version.desc()).limit(1))


def _store(session: Session, event: Event, competition: Competition, kind: SnapshotKind, actor_id: int | None,
           now: datetime) -> tuple[ResultSnapshot, dict]:
    version = (session.scalar(select(func.max(ResultSnapshot.version)).where(ResultSnapshot.event_id == event.id))
               or 0) + 1
    payload = standings_payload(event_standings(session, event), competition, kind=kind, version=version,
                                decided_at=now)
    text = canonical_json(payload)
    snapshot = ResultSnapshot(event_id=event.id, version=version, kind=kind, payload=text, sha256=sha256_hex(text),
                              created_at=now, created_by_id=actor_id)
    session.add(snapshot)
    session.flush()
    return snapshot, payload


def _ready(session: Session, event: Event) -> None:
    modules = modules_of(session, event.id)
    if not modules or any(m.locked_at is None for m in modules):
        raise RuleViolated("modules_not_locked", str(lazy("所有模块锁定后才能发布成绩。")))
    if any(m.decoded_at is None for m in modules):
        raise RuleViolated("modules_not_decoded", str(lazy("裁判长解码全部模块后才能发布成绩。")))


def publish_provisional(session: Session, *, event: Event, actor: User, now: datetime) -> ResultSnapshot:
    competition = session.get(Competition, event.competition_id)
    if not (is_organiser(actor, competition) or is_chief(actor, competition)):
        raise Forbidden(str(lazy("只有组织方或裁判长可以发布成绩。")))
    if event.provisional_at is not None:
        raise Conflict("already_published", str(lazy("预公布成绩已发布。")))
    _ready(session, event)
    if not recheck_status(session, event).is_complete:
        raise RuleViolated("recheck_incomplete", str(lazy("复核抽查完成后才能发布成绩。")))
    snapshot, _payload = _store(session, event, competition, SnapshotKind.PROVISIONAL, actor.id, now)
    event.provisional_at, event.appeal_closes_at = now, now + timedelta(seconds=event.appeal_window_s)
    session.flush()
    record(session, competition=competition, action="provisional_published", now=now, actor_id=actor.id,
           target=f"comp_event:{event.id}", details={"sha256": snapshot.sha256, "appeals_until":
                                                     event.appeal_closes_at.isoformat()})
    return snapshot


def finalise_event(session: Session, *, event: Event, now: datetime, actor: User | None = None) -> ResultSnapshot:
    """Store the final snapshot once (see the module docstring); a second call returns the first snapshot."""
    if event.finalised_at is not None:
        return latest_snapshot(session, event.id, SnapshotKind.FINAL)
    competition = session.get(Competition, event.competition_id)
    if actor is not None and not (is_organiser(actor, competition) or is_chief(actor, competition)):
        raise Forbidden(str(lazy("只有组织方或裁判长可以发布最终成绩。")))
    if event.provisional_at is None or now < event.appeal_closes_at:
        raise RuleViolated("appeal_window_open", str(lazy("申诉期结束后才能发布最终成绩。")))
    if session.scalar(select(Appeal.id).where(Appeal.event_id == event.id, Appeal.status == AppealStatus.OPEN)):
        raise RuleViolated("appeals_open", str(lazy("还有未裁决的申诉。")))
    _ready(session, event)
    snapshot, payload = _store(session, event, competition, SnapshotKind.FINAL, actor.id if actor else None, now)
    for row in payload["rows"]:
        for user_id in row["members"]:
            session.add(FinalPlacing(event_id=event.id, competitor_id=row["competitor_id"], user_id=user_id,
                                     rank=row["rank"], total=Decimal(row["total"]),
                                     standardised=Decimal(row["standardised"]), awards=row["awards"],
                                     snapshot_sha256=snapshot.sha256, decided_at=now))
            session.add_all(FinalAward(event_id=event.id, competitor_id=row["competitor_id"], user_id=user_id,
                                       award=award, rank=row["rank"], snapshot_sha256=snapshot.sha256, decided_at=now)
                            for award in row["awards"])
    event.finalised_at = now
    session.flush()
    record(session, competition=competition, action="finalised", now=now, actor_id=actor.id if actor else None,
           target=f"comp_event:{event.id}", details={"sha256": snapshot.sha256})
    return snapshot


def finalise_due(session: Session, *, now: datetime) -> int:
    """Job: finalise every event whose appeal window has closed and which is ready; the rest wait."""
    due = session.scalars(select(Event).where(Event.finalised_at.is_(None), Event.appeal_closes_at.is_not(None),
                                              Event.appeal_closes_at <= now).order_by(Event.id)).all()
    done = 0
    for event in due:
        try:
            with session.begin_nested():
                finalise_event(session, event=event, now=now)
            done += 1
        except RuleViolated:
            continue  # an open appeal or a module unlocked for a correction: try again next run
    return done


def leaderboard_payload(session: Session, competition: Competition, *, now: datetime) -> dict:
    """The live leaderboard: locked modules only; names once every module of the event is decoded."""
    events = session.scalars(select(Event).where(Event.competition_id == competition.id)
                             .order_by(Event.code)).all()
    out = []
    for event in events:
        standings = event_standings(session, event)
        decoded = bool(standings.modules) and all(m.decoded_at is not None for m in standings.modules)
        out.append({"event_id": event.id, "code": event.code, "title": event.title,
                    "modules_locked": sum(m.locked_at is not None for m in standings.modules),
                    "modules": len(standings.modules),
                    "rows": [{"rank": row.rank, "station": row.competitor.station_code,
                              "name": row.competitor.name if decoded else None, "practical": _num(row.practical),
                              "theory": _num(row.theory), "total": _num(row.total)} for row in standings.rows]})
    return {"at": now.isoformat(), "events": out}


def freeze_leaderboard(session: Session, *, competition: Competition, actor: User, now: datetime) -> None:
    """Keep the leaderboard as it is now until unfrozen (before the ceremony)."""
    if not (is_organiser(actor, competition) or is_chief(actor, competition)):
        raise Forbidden(str(lazy("只有组织方或裁判长可以冻结排行榜。")))
    competition.leaderboard_frozen = leaderboard_payload(session, competition, now=now)
    competition.leaderboard_frozen_at = now
    session.flush()
    record(session, competition=competition, action="leaderboard_frozen", now=now, actor_id=actor.id,
           target=f"competition:{competition.id}")


def unfreeze_leaderboard(session: Session, *, competition: Competition, actor: User, now: datetime) -> None:
    if not (is_organiser(actor, competition) or is_chief(actor, competition)):
        raise Forbidden(str(lazy("只有组织方或裁判长可以解冻排行榜。")))
    competition.leaderboard_frozen, competition.leaderboard_frozen_at = None, None
    session.flush()
    record(session, competition=competition, action="leaderboard_unfrozen", now=now, actor_id=actor.id,
           target=f"competition:{competition.id}")
