"""Competition pages: the hub, competitions of an organisation, the public leaderboard and results, appeals.

Event setup, module control and results control are in ``event_views``; the judges' tablet pages in
``judge_views``. All register on the one ``competitions`` blueprint (``blueprint.bp``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.access import check_org_access, org_ids_with
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.forms import ConfirmForm
from core.views import ACCOUNT_LINKS
from core.web import attach_error, db
from exams.competitions import appeals, queries, results, setup
from exams.competitions import event_views as _event_pages  # noqa: F401  (its routes register on bp)
from exams.competitions import judge_views as _judge_pages  # noqa: F401  (its routes register on bp)
from exams.competitions.access import ORGANISER_ROLES, STAFF_ROLES, is_organiser
from exams.competitions.blueprint import bp, staff_competition
from exams.competitions.forms import AppealForm, ChiefForm, CompetitionForm, EventForm, EvidenceForm, choices
from exams.competitions.models import Appeal, Competition

ACCOUNT_LINKS.append((_l("技能竞赛"), "competitions.hub"))


@bp.get("/competitions/mine")
@login_required
def hub():
    """Everything competition-related for the signed-in person: organising, chief-judging, judging, competing."""
    org_ids = org_ids_with(current_user, STAFF_ROLES)
    return render_template("competitions/hub.html", orgs=queries.organisations(db(), org_ids),
                           organised={o: queries.competitions_of_org(db(), o) for o in org_ids},
                           chief=queries.chief_competitions(db(), current_user),
                           judging=queries.judge_modules(db(), current_user),
                           entries=queries.competitor_competitions(db(), current_user))


@bp.route("/orgs/<int:org_id>/competitions", methods=["GET", "POST"])
@login_required
def org_competitions(org_id: int):
    """An organisation's competitions; organisers create one. 404 for non-members, 403 for non-staff."""
    check_org_access(current_user, org_id)
    check_org_access(current_user, org_id, *STAFF_ROLES)
    form = CompetitionForm()
    if request.method == "POST":
        check_org_access(current_user, org_id, *ORGANISER_ROLES)
        if form.validate_on_submit():
            try:
                with transaction(db()):
                    competition = setup.create_competition(
                        db(), actor=current_user, org_id=org_id, title=form.title.data, venue=form.venue.data,
                        starts_on=form.starts_on.data, now=utcnow())
            except DomainError as exc:
                attach_error(form, exc)
            else:
                return redirect(url_for("competitions.overview", org_id=org_id, competition_id=competition.id))
    return render_template("competitions/list.html", org=queries.organisations(db(), [org_id])[0], form=form,
                           rows=queries.competitions_of_org(db(), org_id),
                           can_create=bool(org_ids_with(current_user, ORGANISER_ROLES) & {org_id}))


def _chiefs(competition: Competition) -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in setup.judge_pool(db(), competition, setup.CHIEF_ROLES)]


def _overview(competition: Competition, chief_form: ChiefForm | None = None, event_form: EventForm | None = None,
              status: int = 200):
    chief_form = chief_form or ChiefForm(prefix="chief", chief_judge_id=competition.chief_judge_id or 0)
    chief_form.chief_judge_id.choices = choices([(0, "—")] + _chiefs(competition))
    chief = queries.users_by_id(db(), [competition.chief_judge_id or 0]).get(competition.chief_judge_id)
    return render_template("competitions/competition.html", competition=competition, chief_form=chief_form,
                           event_form=event_form or EventForm(prefix="event"), chief=chief, confirm=ConfirmForm(),
                           events=queries.events_of(db(), competition.id),
                           is_organiser=is_organiser(current_user, competition)), status


@bp.get("/orgs/<int:org_id>/competitions/<int:competition_id>")
@login_required
def overview(org_id: int, competition_id: int):
    """The competition: chief judge, events, leaderboard. Organisers change it; the chief judge reads it."""
    return _overview(staff_competition(org_id, competition_id))


@bp.post("/orgs/<int:org_id>/competitions/<int:competition_id>/chief")
@login_required
def set_chief(org_id: int, competition_id: int):
    competition = staff_competition(org_id, competition_id, organiser=True)
    form = ChiefForm(prefix="chief")
    form.chief_judge_id.choices = choices(_chiefs(competition))
    if form.validate_on_submit():
        try:
            with transaction(db()):
                setup.set_chief_judge(db(), actor=current_user, competition=competition,
                                      user_id=form.chief_judge_id.data, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("裁判长已指定。"), "success")
            return redirect(url_for("competitions.overview", org_id=org_id, competition_id=competition.id))
    return _overview(competition, chief_form=form, status=422)


@bp.post("/orgs/<int:org_id>/competitions/<int:competition_id>/events")
@login_required
def create_event(org_id: int, competition_id: int):
    competition = staff_competition(org_id, competition_id, organiser=True)
    form = EventForm(prefix="event")
    if form.validate_on_submit():
        try:
            with transaction(db()):
                event = setup.create_event(db(), actor=current_user, competition=competition, code=form.code.data,
                                           title=form.title.data, kind=form.kind.data,
                                           occupation=form.occupation.data, occupation_code=form.occupation_code.data,
                                           level=form.level.data, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return redirect(url_for("competitions.event_setup", org_id=org_id, competition_id=competition.id,
                                    event_id=event.id))
    return _overview(competition, event_form=form, status=422)


@bp.post("/orgs/<int:org_id>/competitions/<int:competition_id>/leaderboard")
@login_required
def freeze(org_id: int, competition_id: int):
    """Freeze (or unfreeze) the public leaderboard; organisers and the chief judge."""
    competition = staff_competition(org_id, competition_id)
    if ConfirmForm().validate_on_submit():
        action = results.unfreeze_leaderboard if request.form.get("unfreeze") else results.freeze_leaderboard
        with transaction(db()):
            action(db(), competition=competition, actor=current_user, now=utcnow())
        flash(_("排行榜已冻结。") if competition.leaderboard_frozen_at else _("排行榜已恢复实时更新。"), "success")
    return redirect(url_for("competitions.overview", org_id=org_id, competition_id=competition.id))


# -- public ----------------------------------------------------------------------------------------------------

def _public(competition_id: int) -> Competition:
    competition = db().get(Competition, competition_id)
    if competition is None:
        raise NotFound()
    return competition


@bp.get("/competitions/<int:competition_id>/leaderboard")
def leaderboard(competition_id: int):
    """The venue's big-screen leaderboard (public): locked modules only, codes until decoded, frozen on request."""
    competition = _public(competition_id)
    board = competition.leaderboard_frozen or results.leaderboard_payload(db(), competition, now=utcnow())
    return render_template("competitions/leaderboard.html", competition=competition, board=board,
                           frozen=competition.leaderboard_frozen_at is not None)


@bp.get("/competitions/<int:competition_id>/results")
def public_results(competition_id: int):
    """Final results (public) with each snapshot's SHA-256; 404 until an event is final."""
    competition = _public(competition_id)
    doc = queries.results_json(db(), competition, now=utcnow(), staff=False)
    if not doc["events"]:
        abort(404)
    return render_template("competitions/public_results.html", competition=competition, doc=doc)


# -- appeals (competitors) --------------------------------------------------------------------------------------

def _evidence(appeal: Appeal, files) -> None:
    for upload in files or []:
        if upload and upload.filename:
            appeals.add_evidence(db(), appeal=appeal, filer=current_user, filename=upload.filename,
                                 data=upload.read(appeals.MAX_EVIDENCE_BYTES + 1), now=utcnow())


def _entries(competition_id: int):
    """The competition and the caller's (event, competitor) entries; 404 for anyone not competing."""
    competition = _public(competition_id)
    entries = queries.competitor_entries(db(), competition, current_user)
    if not entries:
        raise NotFound()
    return competition, entries


@bp.route("/competitions/<int:competition_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(competition_id: int):
    """A competitor's written appeal with evidence while the window is open, and rulings. 404 for non-competitors."""
    competition, entries = _entries(competition_id)
    form = AppealForm(prefix="appeal")
    form.event_id.choices = choices([(e.id, e.title) for e, _c in entries])
    now = utcnow()
    if form.validate_on_submit():
        event, competitor = next((e, c) for e, c in entries if e.id == form.event_id.data)
        try:
            with transaction(db()):
                filed = appeals.file_appeal(db(), event=event, competitor=competitor, filer=current_user,
                                            text=form.text.data, now=now)
                _evidence(filed, form.files.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("申诉已提交，裁决结果将在本页显示。"), "success")
            return redirect(url_for("competitions.appeal", competition_id=competition.id))
    mine = [a for e, c in entries for a in queries.appeals_of(db(), e.id) if a.competitor_id == c.id]
    return render_template("competitions/appeal.html", competition=competition, entries=entries, form=form,
                           more=EvidenceForm(prefix="more"), mine=mine,
                           evidence=queries.evidence_of(db(), [a.id for a in mine]),
                           open_events={e.id for e, _c in entries if appeals.is_window_open(e, now)}), \
        422 if form.errors else 200


@bp.post("/competitions/<int:competition_id>/appeal/evidence")
@login_required
def appeal_evidence(competition_id: int):
    """More evidence for one's own open appeal (the appeal id is in the form; another's answers 404)."""
    competition, _entries_ = _entries(competition_id)
    form = EvidenceForm(prefix="more")
    if form.validate_on_submit():
        own = db().get(Appeal, int(form.appeal_id.data or 0)) if (form.appeal_id.data or "").isdigit() else None
        if own is None or own.filed_by_id != current_user.id:
            raise NotFound()
        try:
            with transaction(db()):
                _evidence(own, form.files.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("证据已上传。"), "success")
    return redirect(url_for("competitions.appeal", competition_id=competition.id))
