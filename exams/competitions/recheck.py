"""Supervisor re-check (复核): a seeded sample of competitors whose marks a supervisor checks again.

The sample is drawn once every module is locked: all of the top ``recheck_top`` plus ``recheck_share``
of the rest (see ``rules.sampling``); the seed and every drawn competitor are recorded. The supervisor
records, per competitor, how many aspects were checked and how many errors were found. When the whole
sample is checked and its error rate is above ``recheck_threshold``, every other competitor is added
(a full re-check). Errors are corrected through the unlock procedure; provisional results wait until
every drawn competitor has been checked.

Supervisors are organising-organisation staff who neither judge the event nor chief-judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import User
from exams.competitions.access import assigned_module_ids, is_chief, is_org_staff, is_organiser
from exams.competitions.models import Competition, Event, RecheckItem, RecheckReason
from exams.competitions.rules.sampling import draw_sample, error_rate, needs_full_recheck
from exams.competitions.standings import event_standings
from exams.competitions.trail import record


@dataclass(frozen=True)
class RecheckStatus:
    items: list[RecheckItem]
    checked: int
    aspects_checked: int
    errors: int
    full_required: bool

    @property
    def is_drawn(self) -> bool:
        return bool(self.items)

    @property
    def is_complete(self) -> bool:
        return self.is_drawn and self.checked == len(self.items)

    @property
    def rate(self) -> Fraction:
        return error_rate(self.aspects_checked, self.errors)


def recheck_status(session: Session, event: Event) -> RecheckStatus:
    items = list(session.scalars(select(RecheckItem).where(RecheckItem.event_id == event.id)
                                 .order_by(RecheckItem.id)))
    done = [i for i in items if i.checked_at is not None]
    return RecheckStatus(items, len(done), sum(i.items_checked or 0 for i in done),
                         sum(i.errors_found or 0 for i in done), event.full_recheck_at is not None)


def draw_recheck(session: Session, *, event: Event, actor: User, seed: int, now: datetime) -> list[RecheckItem]:
    competition = session.get(Competition, event.competition_id)
    if not (is_organiser(actor, competition) or is_chief(actor, competition)):
        raise Forbidden(str(lazy("只有组织方或裁判长可以抽取复核样本。")))
    if event.recheck_drawn_at is not None:
        raise Conflict("already_drawn", str(lazy("复核样本已抽取。")))
    standings = event_standings(session, event)
    if not standings.is_complete:
        raise RuleViolated("modules_not_locked", str(lazy("所有模块锁定后才能抽取复核样本。")))
    ranked = [row.key for row in standings.rows]
    sample = draw_sample(ranked, top=event.recheck_top, share=Fraction(event.recheck_share), seed=seed)
    by_key = {row.key: row.competitor for row in standings.rows}
    items = [RecheckItem(event_id=event.id, competitor_id=by_key[key].id, reason=reason, drawn_at=now)
             for keys, reason in ((sample.top, RecheckReason.TOP), (sample.drawn, RecheckReason.SAMPLE))
             for key in keys]
    session.add_all(items)
    event.recheck_seed, event.recheck_drawn_at = seed, now
    session.flush()
    record(session, competition=competition, action="recheck_drawn", now=now, actor_id=actor.id,
           target=f"comp_event:{event.id}", details={"seed": seed, "top": list(sample.top),
                                                     "drawn": list(sample.drawn)})
    return items


def record_recheck(session: Session, *, item_id: int, event: Event, actor: User, items_checked: int,
                   errors_found: int, note: str, now: datetime) -> RecheckStatus:
    item = session.get(RecheckItem, item_id)
    if item is None or item.event_id != event.id:
        raise Conflict("no_item", str(lazy("复核记录不存在。")))
    competition = session.get(Competition, event.competition_id)
    if not is_org_staff(actor, competition) or is_chief(actor, competition) \
            or assigned_module_ids(session, actor, event.id):
        raise Forbidden(str(lazy("复核须由未参与本项目评分的组织方人员进行。")))
    if item.checked_at is not None:
        raise Conflict("already_checked", str(lazy("该选手已复核。")))
    if items_checked < 1 or not 0 <= errors_found <= items_checked:
        raise ValidationFailed("invalid_counts", str(lazy("复核项数应大于 0，差错数应在 0 到复核项数之间。")),
                               "errors_found")
    item.checker_id, item.items_checked, item.errors_found = actor.id, items_checked, errors_found
    item.note, item.checked_at = (note or "").strip()[:2000], now
    session.flush()
    record(session, competition=competition, action="recheck_recorded", now=now, actor_id=actor.id,
           target=f"comp_event:{event.id}", details={"competitor_id": item.competitor_id, "errors": errors_found})
    status = recheck_status(session, event)
    if status.is_complete and not status.full_required and \
            needs_full_recheck(status.aspects_checked, status.errors, Fraction(event.recheck_threshold)):
        _add_everyone(session, event, competition, now)
        status = recheck_status(session, event)
    return status


def _add_everyone(session: Session, event: Event, competition: Competition, now: datetime) -> None:
    drawn = set(session.scalars(select(RecheckItem.competitor_id).where(RecheckItem.event_id == event.id)))
    rest = [row.competitor.id for row in event_standings(session, event).rows if row.competitor.id not in drawn]
    session.add_all(RecheckItem(event_id=event.id, competitor_id=cid, reason=RecheckReason.FULL, drawn_at=now)
                    for cid in rest)
    event.full_recheck_at = now
    session.flush()
    record(session, competition=competition, action="full_recheck_required", now=now, actor_id=None,
           target=f"comp_event:{event.id}", details={"added": len(rest)})
