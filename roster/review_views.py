"""Committee review pages for 二级/一级 applications.

``/roster/reviews`` lists the committee's queue (pending certificates, open applications, recent decisions);
an expert of the pool outside the committee sees only the applications whose panel they sit on; anyone
else gets 403. An application page answers 404 to whoever may not see it (not committee, not on its
panel). Chair-only actions answer 403 to other viewers; a bad form value re-renders the page with a
message naming the field (422), a state conflict with 409.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates.models import Certificate
from certificates.webutil import cert_config
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound, ValidationFailed
from core.web import db, roles_required_page
from roster import review_queries, reviews
from roster.access import is_committee
from roster.review_models import ReviewApplication
from roster.review_portfolio import portfolio

bp = Blueprint("roster_reviews", __name__, template_folder="templates")


def _application(application_id: int) -> ReviewApplication:
    application = db().get(ReviewApplication, application_id)
    if application is None or not reviews.may_view(db(), application, current_user):
        raise NotFound()
    return application


def _index(error: str = "", status: int = 200):
    committee = is_committee(current_user)
    rows = review_queries.committee_queue(db()) if committee else review_queries.reviewer_queue(db(), current_user)
    return render_template("roster/reviews/index.html", rows=rows, committee=committee, error=error,
                           decided=review_queries.recently_decided(db()) if committee else []), status


@bp.get("/roster/reviews")
@login_required
def index():
    """The queue (committee) or the applications the expert sits on; 403 for everyone else."""
    if not review_queries.may_use_reviews(db(), current_user):
        abort(403)
    return _index()


@bp.post("/roster/reviews/open")
@roles_required_page(is_committee)
def open_application():
    """Open the review of a pending certificate (idempotent) and go to it; 404 for an unknown certificate."""
    raw = request.form.get("certificate_id", "").strip()
    certificate = db().get(Certificate, int(raw)) if raw.isdigit() and int(raw) < 2**31 else None
    if certificate is None:
        raise NotFound()
    try:
        with transaction(db()):
            application = reviews.open_application(db(), certificate=certificate, actor=current_user, now=utcnow())
    except DomainError as exc:
        return _index(exc.message, exc.status)
    return redirect(url_for("roster_reviews.detail", application_id=application.id))


def _detail(application: ReviewApplication, error: DomainError | None = None):
    page = review_queries.review_page(db(), application, current_user)
    return render_template("roster/reviews/detail.html", page=page, error=error, form=request.form,
                           portfolio=portfolio(db(), application, config=cert_config(), now=utcnow())), \
        error.status if error else 200


@bp.get("/roster/reviews/<int:application_id>")
@login_required
def detail(application_id: int):
    """Portfolio, panel and scores; the score form for a panel member, the decision form for the chair."""
    return _detail(_application(application_id))


def _act(application_id: int, action, done: str):
    """Run ``action(application, now)`` in one transaction; redirect on success, re-render with the message."""
    application = _application(application_id)
    try:
        with transaction(db()):
            action(application, utcnow())
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _detail(db().get(ReviewApplication, application_id), exc)
    flash(done, "success")
    return redirect(url_for("roster_reviews.detail", application_id=application_id))


@bp.post("/roster/reviews/<int:application_id>/panel")
@login_required
def draw(application_id: int):
    """The chair draws the panel (region optional)."""
    return _act(application_id, lambda app, now: reviews.draw_review_panel(
        db(), application=app, actor=current_user, region=request.form.get("region", ""), now=now),
        _("评审专家组已抽取。"))


def _expert_id() -> int:
    raw = request.form.get("expert_id", "").strip()
    if not raw.isdigit() or int(raw) >= 2**31:
        raise ValidationFailed("expert_required", _("评审专家：请选择要更换的专家。"), "expert_id")
    return int(raw)


@bp.post("/roster/reviews/<int:application_id>/replacement")
@login_required
def replace(application_id: int):
    """The chair replaces a panel member who has not scored, with a reason."""
    return _act(application_id, lambda app, now: reviews.replace_panel_member(
        db(), application=app, expert_id=_expert_id(), reason=request.form.get("reason", ""), actor=current_user,
        now=now), _("评审专家已更换。"))


@bp.post("/roster/reviews/<int:application_id>/score")
@login_required
def score(application_id: int):
    """A panel member's score (0-100) and comment, once."""
    return _act(application_id, lambda app, now: reviews.submit_score(
        db(), application=app, reviewer=current_user, score=request.form.get("score", ""),
        comment=request.form.get("comment", ""), now=now), _("评分已提交。"))


def _decision(application: ReviewApplication, now):
    choice = request.form.get("decision", "")
    ratings = {e: request.form.get(f"rating_{e}") for e in reviews.panel_expert_ids(db(), application)}
    return reviews.decide(db(), application=application, approved={"approve": True, "reject": False}.get(choice),
                          note=request.form.get("note", ""), ratings=ratings, actor=current_user,
                          config=cert_config(), now=now)


@bp.post("/roster/reviews/<int:application_id>/decision")
@login_required
def decision(application_id: int):
    """The chair decides (every panel member must have scored) and rates each reviewer's job."""
    return _act(application_id, _decision, _("评审决定已记录。"))
