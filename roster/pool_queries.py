"""Read side of the expert pool: the committee's list, one expert's record, draws with names to show.

Only masked identifiers leave this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.models import Membership, Organisation, OrgKind, User
from roster.pool import LogReport, RatingSummary, rating_summaries, verify_log
from roster.pool_models import (
    Expert,
    ExpertLogEntry,
    ExpertRating,
    ExpertRelationship,
    ExpertSpecialty,
    ExpertStatus,
    PanelDraw,
)

PAGE = 100


@dataclass(frozen=True)
class ExpertRow:
    expert: Expert
    name: str
    id_number_masked: str
    rating: RatingSummary


@dataclass(frozen=True)
class ExpertFilters:
    status: str = ""
    specialty: str = ""
    region: str = ""  # prefix: "云南省" matches "云南省昆明市"


def parse_filters(args) -> ExpertFilters:
    """Filters from query parameters; an unknown status or a malformed code simply matches nothing."""
    status = (args.get("status") or "").strip()
    return ExpertFilters(status=status if status in set(ExpertStatus) else "",
                         specialty=(args.get("specialty") or "").strip().upper()[:8],
                         region=(args.get("region") or "").strip()[:60])


def _rows(session: Session, experts: list[Expert]) -> list[ExpertRow]:
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([e.user_id for e in experts])))}
    ratings = rating_summaries(session, [e.id for e in experts])
    return [ExpertRow(e, users[e.user_id].name, users[e.user_id].id_number_masked or "", ratings[e.id])
            for e in experts]


def list_experts(session: Session, filters: ExpertFilters, *, after: int = 0,
                 limit: int = PAGE) -> tuple[list[ExpertRow], int | None]:
    """A page of experts in id order (``id > after``) and the cursor of the next page (None on the last)."""
    query = select(Expert).where(Expert.id > after)
    if filters.status:
        query = query.where(Expert.status == filters.status)
    if filters.specialty:
        query = query.where(exists().where(ExpertSpecialty.expert_id == Expert.id,
                                           ExpertSpecialty.skill_code == filters.specialty))
    if filters.region:
        query = query.where(Expert.region.startswith(filters.region, autoescape=True))
    experts = list(session.scalars(query.order_by(Expert.id).limit(limit + 1)))
    return _rows(session, experts[:limit]), experts[limit - 1].id if len(experts) > limit else None


def rows_by_id(session: Session, expert_ids: Iterable[int]) -> dict[int, ExpertRow]:
    ids = {i for i in expert_ids if i is not None}
    experts = list(session.scalars(select(Expert).where(Expert.id.in_(ids)))) if ids else []
    return {row.expert.id: row for row in _rows(session, experts)}


def nominated_by(session: Session, org_ids: set[int], limit: int = PAGE) -> list[ExpertRow]:
    """The latest experts nominated by these organisations (their nominators follow the outcome here)."""
    experts = list(session.scalars(select(Expert).where(Expert.nominated_by_org_id.in_(org_ids))
                                   .order_by(Expert.id.desc()).limit(limit)))
    return _rows(session, experts)


def expert_of_user(session: Session, user_id: int) -> Expert | None:
    return session.scalar(select(Expert).where(Expert.user_id == user_id))


@dataclass(frozen=True)
class RelationshipRow:
    relationship: ExpertRelationship
    party: str  # the person's name with masked ID number, or the organisation's name


@dataclass(frozen=True)
class ExpertRecord:
    row: ExpertRow
    phone_masked: str
    affiliations: list[tuple[Organisation, str]]  # (organisation, role) from current memberships
    nominated_by: Organisation | None
    ratings: list[ExpertRating]
    log: list[ExpertLogEntry]
    log_report: LogReport
    relationships: list[RelationshipRow]
    names: dict[int, str]  # user id -> name, for actors in the log and raters


def expert_record(session: Session, expert: Expert) -> ExpertRecord:
    user = session.get(User, expert.user_id)
    affiliations = list(session.execute(
        select(Organisation, Membership.role).join(Membership, Membership.org_id == Organisation.id)
        .where(Membership.user_id == user.id).order_by(Organisation.name, Membership.role)).tuples())
    ratings = list(session.scalars(select(ExpertRating).where(ExpertRating.expert_id == expert.id)
                                   .order_by(ExpertRating.rated_at.desc(), ExpertRating.id.desc())))
    log = list(session.scalars(select(ExpertLogEntry).where(ExpertLogEntry.expert_id == expert.id)
                               .order_by(ExpertLogEntry.seq)))
    relationships = list(session.scalars(select(ExpertRelationship).where(ExpertRelationship.expert_id == expert.id)
                                         .order_by(ExpertRelationship.id)))
    user_ids = {r.related_user_id for r in relationships} | {e.actor_id for e in log} | {r.rater_id for r in ratings}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids - {None})))}
    org_ids = {r.related_org_id for r in relationships} | {expert.nominated_by_org_id}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids - {None})))}
    rows = [RelationshipRow(r, orgs[r.related_org_id].name if r.related_org_id else
                            f"{people[r.related_user_id].name}（{people[r.related_user_id].id_number_masked or ''}）")
            for r in relationships]
    return ExpertRecord(
        row=_rows(session, [expert])[0], phone_masked=user.phone_masked, affiliations=affiliations,
        nominated_by=orgs.get(expert.nominated_by_org_id), ratings=ratings, log=log,
        log_report=verify_log(session, expert.id), relationships=rows,
        names={i: u.name for i, u in people.items()})


def nominating_orgs(session: Session, org_ids: set[int]) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(
        Organisation.id.in_(org_ids), Organisation.kind.in_([OrgKind.TRAINING_BASE, OrgKind.ENTERPRISE]))
        .order_by(Organisation.name)))


def relationship_orgs(session: Session) -> list[Organisation]:
    """Training bases and enterprises, the organisations a relationship can be declared with."""
    return list(session.scalars(select(Organisation).where(
        Organisation.kind.in_([OrgKind.TRAINING_BASE, OrgKind.ENTERPRISE])).order_by(Organisation.name)))


def recent_draws(session: Session, limit: int = 50) -> list[tuple[PanelDraw, str]]:
    """The latest draws with the subject's name."""
    return list(session.execute(select(PanelDraw, User.name).join(User, User.id == PanelDraw.subject_user_id)
                                .order_by(PanelDraw.id.desc()).limit(limit)).tuples())


def people(session: Session, user_ids: Iterable[int]) -> dict[int, User]:
    ids = {i for i in user_ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
