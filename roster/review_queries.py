"""Read side of the committee review (no Flask): the work lists, the panel summary, and what one viewer sees
on an application page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.issuance import pending_approvals
from certificates.models import Certificate
from core.models import User
from roster.access import is_committee
from roster.pool_models import Expert, PanelDraw
from roster.review_models import ReviewApplication, ReviewDecision, ReviewScore, ReviewStatus
from roster.reviews import PASS_SCORE, expert_names, is_chair, panel_expert_ids, scores_of, seat_of


@dataclass(frozen=True)
class PanelSummary:
    """Mean and median of the submitted scores (two places, rounded down) and the recommended outcome."""

    count: int
    mean: Decimal | None
    median: Decimal | None
    recommended: ReviewDecision | None


def _two_places(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_DOWN)


def summarize(scores: Sequence[int]) -> PanelSummary:
    """Recommended: 通过 when the exact mean is at least 60 (a 59.99 mean is not rounded up into a pass)."""
    if not scores:
        return PanelSummary(0, None, None, None)
    ordered = sorted(scores)
    mean = Fraction(sum(ordered), len(ordered))
    middle = len(ordered) // 2
    median = Fraction(ordered[middle]) if len(ordered) % 2 else Fraction(ordered[middle - 1] + ordered[middle], 2)
    recommended = ReviewDecision.APPROVED if mean >= PASS_SCORE else ReviewDecision.REJECTED
    return PanelSummary(len(ordered), _two_places(mean), _two_places(median), recommended)


@dataclass(frozen=True)
class QueueRow:
    certificate: Certificate
    application: ReviewApplication | None


def committee_queue(session: Session, *, limit: int = 200) -> list[QueueRow]:
    """The committee's work list: certificates waiting for approval, oldest first, each with its application
    once opened (an application stays here until the decision takes its certificate out of the queue)."""
    pending = pending_approvals(session, limit=limit)
    opened = {a.certificate_id: a for a in session.scalars(select(ReviewApplication).where(
        ReviewApplication.certificate_id.in_([c.id for c in pending])))}
    return [QueueRow(c, opened.get(c.id)) for c in pending]


def recently_decided(session: Session, *, limit: int = 20) -> list[QueueRow]:
    rows = session.execute(select(ReviewApplication, Certificate)
                           .join(Certificate, Certificate.id == ReviewApplication.certificate_id)
                           .where(ReviewApplication.status == ReviewStatus.DECIDED)
                           .order_by(ReviewApplication.decided_at.desc(), ReviewApplication.id.desc()).limit(limit))
    return [QueueRow(c, a) for a, c in rows]


def reviewer_queue(session: Session, user: User) -> list[QueueRow]:
    """The undecided applications whose current panel includes ``user``. Undecided applications are few, so
    their panels are read in Python; a decided one stays reachable at its address for its panel."""
    expert_ids = set(session.scalars(select(Expert.id).where(Expert.user_id == user.id)))
    if not expert_ids:
        return []
    rows = session.execute(select(ReviewApplication, Certificate)
                           .join(Certificate, Certificate.id == ReviewApplication.certificate_id)
                           .where(ReviewApplication.panel_draw_id.is_not(None),
                                  ReviewApplication.status != ReviewStatus.DECIDED)
                           .order_by(ReviewApplication.id))
    return [QueueRow(c, a) for a, c in rows if expert_ids & set(panel_expert_ids(session, a))]


def may_use_reviews(session: Session, user: User | None) -> bool:
    """The review pages are for the committee and for experts of the pool (who see only their own panels)."""
    if is_committee(user):
        return True
    return user is not None and session.scalar(select(Expert.id).where(Expert.user_id == user.id)) is not None


@dataclass(frozen=True)
class Seat:
    """One current panel member as a viewer sees it: ``score`` is None while hidden or not yet submitted."""

    expert_id: int
    name: str
    has_scored: bool
    score: ReviewScore | None


@dataclass(frozen=True)
class ReviewPage:
    application: ReviewApplication
    certificate: Certificate
    draw: PanelDraw | None
    seats: tuple[Seat, ...]
    summary: PanelSummary | None  # None while the viewer may not see the scores
    replacements: tuple[tuple[str, str, str], ...]  # (replaced, successor, reason) by name, in order
    my_seat: int | None
    my_score: ReviewScore | None
    can_score: bool
    can_decide: bool  # the viewer chairs and the application is still open


def review_page(session: Session, application: ReviewApplication, viewer: User) -> ReviewPage:
    """What one viewer sees. Scoring is independent: before the decision a panel member sees only their own
    score and the committee only who has scored; the chair sees every score, and everyone does afterwards."""
    members = panel_expert_ids(session, application)
    scored = {s.expert_id: s for s in scores_of(session, application.id)}
    decided = application.status == ReviewStatus.DECIDED
    chair = is_chair(viewer) and viewer.id != application.subject_user_id
    shows = chair or decided
    my_seat = seat_of(session, application, viewer)
    draw = session.get(PanelDraw, application.panel_draw_id) if application.panel_draw_id else None
    swaps = draw.replacements if draw else []
    names = expert_names(session, [*members, *(r.replaced_expert_id for r in swaps)])
    seats = tuple(Seat(e, names[e], e in scored, scored.get(e) if shows or e == my_seat else None) for e in members)
    my_score = scored.get(my_seat) if my_seat is not None else None
    return ReviewPage(
        application=application, certificate=session.get(Certificate, application.certificate_id), draw=draw,
        seats=seats, summary=summarize([scored[e].score for e in members if e in scored]) if shows else None,
        replacements=tuple((names[r.replaced_expert_id], names[r.replacement_expert_id], r.reason) for r in swaps),
        my_seat=my_seat, my_score=my_score, can_score=my_seat is not None and my_score is None and not decided,
        can_decide=chair and not decided)
