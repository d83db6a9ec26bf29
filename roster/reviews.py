"""Committee review (综合评审) of 二级/一级 applications, from the pending certificate to the chair's decision.

The flow: a committee member opens an application for a certificate waiting in the approval queue; the chair
draws a panel from the expert pool (3 experts for 二级, 5 for 一级; specialty = the certificate's skill code);
each panel member scores the portfolio 0-100 with a written comment, once; the chair decides, which issues or
rejects the certificate (``certificates.issuance.decide_approval``) and rates each reviewer's job in the pool.

Quorum rule: the chair can decide only when every current panel member has scored. A member who cannot
serve is replaced (by the chair, with a reason) before scoring; a member who has scored cannot be replaced.
The panel's mean and median are shown with a recommendation (mean ≥ 60 → 通过); the chair may decide
otherwise, and the note says why.

Every mutation locks the application row (``FOR UPDATE`` on PostgreSQL; SQLite has one writer), so a score
cannot slip in after the decision and two decisions cannot both pass. Services flush and never commit.
The read side (work lists, panel summary, what a viewer sees) is ``roster.review_queries``; what the panel
reads is ``roster.review_portfolio``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificates.config import CertConfig
from certificates.issuance import decide_approval
from certificates.models import Certificate
from certificates.policy import level_number
from certificates.status import CertificateState
from core import audit
from core.access import org_ids_with
from core.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import Role, User
from roster.access import is_committee
from roster.draws import draw_panel, replace_member
from roster.pool import record_rating
from roster.pool_models import Expert, PanelDraw
from roster.review_models import ReviewApplication, ReviewDecision, ReviewScore, ReviewStatus

# Panel size per level number (二级 = 2, 一级 = 1).
PANEL_SIZES = {2: 3, 1: 5}
PASS_SCORE = 60
NOTE_MAX = 2000


def panel_size_for(level: str) -> int:
    """3 experts for 二级/技师, 5 for 一级/高级技师; any other level is not reviewed by the committee."""
    number = level_number(level)
    if number not in PANEL_SIZES:
        raise RuleViolated("not_reviewable", str(lazy("只有二级、一级证书需要专家委员会综合评审。")), None)
    return PANEL_SIZES[number]


# -- who may do what ------------------------------------------------------------------------------------------

def is_chair(user: User | None) -> bool:
    return bool(org_ids_with(user, (Role.COMMITTEE_CHAIR,)))


def _require_chair(user: User) -> None:
    if not is_chair(user):
        raise Forbidden(str(lazy("只有专家委员会主任可以执行此操作。")))


def _require_committee(user: User) -> None:
    if not is_committee(user):
        raise Forbidden(str(lazy("只有专家委员会成员可以执行此操作。")))


def panel_expert_ids(session: Session, application: ReviewApplication) -> list[int]:
    """The current panel (after replacements), in draw order; empty before the draw."""
    if application.panel_draw_id is None:
        return []
    return list(session.get(PanelDraw, application.panel_draw_id).member_expert_ids)


def seat_of(session: Session, application: ReviewApplication, user: User | None) -> int | None:
    """The expert id under which ``user`` sits on this application's current panel, or None."""
    if user is None:
        return None
    members = panel_expert_ids(session, application)
    if not members:
        return None
    return session.scalar(select(Expert.id).where(Expert.user_id == user.id, Expert.id.in_(members)))


def may_view(session: Session, application: ReviewApplication, user: User | None) -> bool:
    """Committee members see every application; a panel member from outside the committee only their own."""
    return is_committee(user) or seat_of(session, application, user) is not None


# -- services --------------------------------------------------------------------------------------------------

def _locked(session: Session, application: ReviewApplication) -> ReviewApplication:
    """Re-read the application under a row lock, so checks and writes see the latest state."""
    return session.scalars(select(ReviewApplication).where(ReviewApplication.id == application.id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def _audit(session: Session, action: str, application: ReviewApplication, actor_id: int, now: datetime,
           **details) -> None:
    audit.record(session, action=action, now=now, actor_id=actor_id, target=f"review:{application.id}",
                 details={"certificate_id": application.certificate_id, **details})


def application_for(session: Session, certificate_id: int) -> ReviewApplication | None:
    return session.scalar(select(ReviewApplication).where(ReviewApplication.certificate_id == certificate_id))


def open_application(session: Session, *, certificate: Certificate, actor: User, now: datetime) -> ReviewApplication:
    """Take a pending 二级/一级 certificate into review; idempotent (the existing application is returned).

    Refused (409) for a certificate that is not waiting for approval, (422) for a level without review.
    """
    _require_committee(actor)
    existing = application_for(session, certificate.id)
    if existing is not None:
        return existing
    if certificate.state != CertificateState.PENDING_APPROVAL:
        raise Conflict("not_pending", str(lazy("该证书不在待评审状态。")))
    application = ReviewApplication(
        certificate_id=certificate.id, subject_user_id=certificate.holder_id, level=certificate.level,
        skill_code=certificate.skill_code, status=ReviewStatus.OPENED, panel_size=panel_size_for(certificate.level),
        opened_by_id=actor.id, opened_at=now)
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        return application_for(session, certificate.id)  # a concurrent writer opened it first
    _audit(session, "review.opened", application, actor.id, now, level=application.level)
    return application


def draw_review_panel(session: Session, *, application: ReviewApplication, actor: User, region: str | None,
                      now: datetime, seed: str | None = None) -> ReviewApplication:
    """The chair draws the panel from the expert pool (specialty = skill code; ``region`` optional). Once."""
    _require_chair(actor)
    application = _locked(session, application)
    if application.status != ReviewStatus.OPENED:
        raise Conflict("panel_exists", str(lazy("该申请已抽取评审专家组。")))
    draw = draw_panel(session, purpose=f"review:{application.id}", subject_user_id=application.subject_user_id,
                      specialty=application.skill_code, region=(region or "").strip() or None,
                      size=application.panel_size, actor_id=actor.id, now=now, seed=seed)
    application.panel_draw_id, application.status = draw.id, ReviewStatus.PANEL_DRAWN
    _audit(session, "review.panel_drawn", application, actor.id, now, draw_id=draw.id,
           experts=list(draw.member_expert_ids))
    session.flush()
    return application


def replace_panel_member(session: Session, *, application: ReviewApplication, expert_id: int, reason: str,
                         actor: User, now: datetime) -> ReviewApplication:
    """The chair replaces a panel member who has not scored yet (the pool picks the successor); the reason is
    required (``roster.draws.replace_member`` refuses an empty one, naming ``reason``) and audited."""
    _require_chair(actor)
    application = _locked(session, application)
    if application.status not in (ReviewStatus.PANEL_DRAWN, ReviewStatus.SCORING):
        raise Conflict("not_replaceable", str(lazy("当前状态下不能更换评审专家。")))
    if expert_id not in panel_expert_ids(session, application):
        raise ValidationFailed("not_on_panel", str(lazy("评审专家：该专家不在本申请的评审组中。")), "expert_id")
    if _score_of(session, application.id, expert_id) is not None:
        raise Conflict("already_scored", str(lazy("该专家已提交评分，不能更换。")))
    draw = replace_member(session, draw=session.get(PanelDraw, application.panel_draw_id), expert_id=expert_id,
                          reason=reason, actor_id=actor.id, now=now)
    _audit(session, "review.member_replaced", application, actor.id, now, expert_id=expert_id,
           experts=list(draw.member_expert_ids))
    session.flush()
    return application


def parse_score(raw: object, field: str, label: str) -> int:
    """A whole number 0-100 (an int or its digits); ``ValidationFailed`` naming ``field`` and ``label`` otherwise."""
    text = "" if raw is None or isinstance(raw, bool) else str(raw).strip()
    if not text.isascii() or not text.isdigit() or int(text) > 100:
        raise ValidationFailed("invalid_score", str(lazy("%(label)s：请填写 0–100 的整数。", label=label)), field)
    return int(text)


def _score_of(session: Session, application_id: int, expert_id: int) -> ReviewScore | None:
    return session.scalar(select(ReviewScore).where(ReviewScore.application_id == application_id,
                                                    ReviewScore.expert_id == expert_id))


def submit_score(session: Session, *, application: ReviewApplication, reviewer: User, score: int | str,
                 comment: str, now: datetime) -> ReviewScore:
    """A panel member's score and comment, once, and only before the decision.

    403 for anyone not on the current panel; 409 when already scored or decided; 422 for a score outside
    0-100 or an empty comment.
    """
    application = _locked(session, application)
    if application.status == ReviewStatus.DECIDED:
        raise Conflict("decided", str(lazy("评审已结束，评分已锁定。")))
    expert_id = seat_of(session, application, reviewer)
    if expert_id is None:
        raise Forbidden(str(lazy("您不是本申请的评审专家，不能评分。")))
    score = parse_score(score, "score", str(lazy("评分")))
    comment = (comment or "").strip()
    if len(comment) < 2:
        raise ValidationFailed("comment_required", str(lazy("评审意见：请写明评审意见。")), "comment")
    row = ReviewScore(application_id=application.id, expert_id=expert_id, reviewer_id=reviewer.id, score=score,
                      comment=comment[:NOTE_MAX], submitted_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("already_scored", str(lazy("您已提交过评分，不能重复提交。"))) from None
    application.status = ReviewStatus.SCORING
    _audit(session, "review.scored", application, reviewer.id, now, expert_id=expert_id, score=score)
    session.flush()
    return row


def scores_of(session: Session, application_id: int) -> list[ReviewScore]:
    return list(session.scalars(select(ReviewScore).where(ReviewScore.application_id == application_id)
                                .order_by(ReviewScore.id)))


def expert_names(session: Session, expert_ids: Sequence[int]) -> dict[int, str]:
    """Expert id → the expert's name, in the order given."""
    rows = dict(session.execute(select(Expert.id, User.name).join(User, User.id == Expert.user_id)
                                .where(Expert.id.in_(list(expert_ids)))).all())
    return {e: rows.get(e, f"#{e}") for e in expert_ids}


def _check_decision(session: Session, application: ReviewApplication, approved: bool | None, note: str,
                    ratings: Mapping[int, int | str | None]) -> dict[int, tuple[ReviewScore, int]]:
    """Every current member scored, a choice, a note, a 0-100 rating per member; returns each member's score
    row and rating."""
    members = panel_expert_ids(session, application)
    if not members:
        raise RuleViolated("no_panel", str(lazy("尚未抽取评审专家组，不能作出决定。")), None)
    scored = {s.expert_id: s for s in scores_of(session, application.id)}
    missing = [e for e in members if e not in scored]
    if missing:
        names = "、".join(expert_names(session, missing).values())
        raise RuleViolated("scores_missing",
                           str(lazy("还有 %(n)d 位评审专家未提交评分：%(names)s。", n=len(missing), names=names)),
                           None)
    if approved is None:
        raise ValidationFailed("decision_required", str(lazy("评审决定：请选择通过或不通过。")), "decision")
    if not (note or "").strip():
        raise ValidationFailed("note_required", str(lazy("决定说明：请写明评审决定的理由。")), "note")
    names = expert_names(session, members)
    return {e: (scored[e], parse_score(ratings.get(e), f"rating_{e}",
                                       str(lazy("%(name)s 的履职评价", name=names[e])))) for e in members}


def decide(session: Session, *, application: ReviewApplication, approved: bool | None, note: str,
           ratings: Mapping[int, int | str | None], actor: User, config: CertConfig,
           now: datetime) -> ReviewApplication:
    """The chair's decision: issue (approved) or reject the certificate, and rate each reviewer's job (0-100,
    ``ratings`` by expert id, form strings accepted).

    403 for anyone but a committee chair (and for the subject of the review); 409 when already decided;
    422 while a panel member has not scored, without a choice (``approved`` None) or a note, or with a rating
    missing or out of range (the field ``rating_<expert id>`` is named).
    """
    _require_chair(actor)
    if actor.id == application.subject_user_id:
        raise Forbidden(str(lazy("不能评审本人的申请。")))
    application = _locked(session, application)
    if application.status == ReviewStatus.DECIDED:
        raise Conflict("decided", str(lazy("该申请已作出评审决定。")))
    members = _check_decision(session, application, approved, note, ratings)
    note = note.strip()[:NOTE_MAX]
    decide_approval(session, certificate=session.get(Certificate, application.certificate_id), approved=approved,
                    actor_id=actor.id, note=note, config=config, now=now)
    application.status = ReviewStatus.DECIDED
    application.decision = ReviewDecision.APPROVED if approved else ReviewDecision.REJECTED
    application.decision_note, application.decided_by_id, application.decided_at = note, actor.id, now
    for expert_id, (row, rating) in members.items():
        row.rating = rating
        record_rating(session, expert_id=expert_id, score=rating, job=f"review:{application.id}", actor_id=actor.id,
                      now=now)
    _audit(session, "review.decided", application, actor.id, now, decision=str(application.decision),
           ratings={str(e): rating for e, (_row, rating) in members.items()})
    session.flush()
    return application
