"""Expert pool and panel draw pages.

Who sees what: the committee (members and chairs) sees the pool and the draws; only a chair admits,
rejects, suspends, reinstates, removes, edits specialties and rates. Any logged-in person may apply; a base
admin or enterprise HR may nominate their own people. An expert sees their own record and may declare
relationships on it. The list pages answer 403 to anyone outside the committee; an expert's record or a
draw that the visitor may not see answers 404, so ids reveal nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from core.access import org_ids_with
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError
from core.models import Role, User
from core.web import attach_error, cipher, db, roles_required_page
from roster import draws as panel_draws
from roster import pool, pool_queries
from roster.access import is_committee
from roster.pool_forms import (
    ApplyForm,
    DrawForm,
    NominateForm,
    RatingForm,
    RelationshipForm,
    ReplaceForm,
    SpecialtiesForm,
    StatusForm,
)
from roster.pool_models import Expert, ExpertStatus, PanelDraw

bp = Blueprint("roster_pool", __name__, template_folder="templates")

NOMINATOR_ROLES = (Role.BASE_ADMIN, Role.ENTERPRISE_HR)


def is_chair(user: User | None) -> bool:
    return bool(org_ids_with(user, (Role.COMMITTEE_CHAIR,)))


def may_nominate(user: User | None) -> bool:
    return bool(org_ids_with(user, NOMINATOR_ROLES))


def _failed_status() -> int:
    """Every successful POST redirects: a page rendered for a POST shows what was wrong."""
    return 422 if request.method == "POST" else 200


def _number(raw: str | None) -> int:
    """A form's whole number, or -1 (out of every range) for anything else, so the service names the field."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else -1


def _reason_text(reason: dict) -> str:
    code, org = reason.get("code"), reason.get("org_name", "")
    if code == "same_enterprise":
        return _("与受评人同属企业：%(org)s", org=org)
    if code == "same_base":
        return _("与受评人同属培训基地：%(org)s", org=org)
    if code == "declared_relationship":
        kind = pool.kind_label(reason.get("kind", "other"))
        if org:
            return _("申报了与%(org)s的利害关系（%(kind)s）", org=org, kind=kind)
        return _("申报了与受评人的利害关系（%(kind)s）", kind=kind)
    if code == "not_admitted":
        return _("已不在库（暂停或移出）")
    return str(code)


@bp.app_context_processor
def _pool_link():
    def expert_pool_url() -> str | None:
        """Where a "专家库" link should lead the current visitor, if anywhere."""
        if not current_user.is_authenticated:
            return None
        if is_committee(current_user):
            return url_for("roster_pool.experts")
        return url_for("roster_pool.nominate") if may_nominate(current_user) else None

    return {"expert_pool_url": expert_pool_url}


@bp.context_processor
def _labels():
    return {"status_label": pool.status_label, "kind_label": pool.kind_label, "reason_text": _reason_text,
            "STATUSES": list(ExpertStatus)}


# -- the pool --------------------------------------------------------------------------------------------------------

@bp.get("/roster/experts")
@roles_required_page(is_committee)
def experts():
    """The committee's list, filtered by status, specialty and region prefix, with each expert's rating."""
    filters = pool_queries.parse_filters(request.args)
    rows, next_after = pool_queries.list_experts(db(), filters, after=max(_number(request.args.get("after")), 0))
    return render_template("roster/pool/experts.html", rows=rows, filters=filters, next_after=next_after)


@bp.route("/roster/experts/apply", methods=["GET", "POST"])
@login_required
def apply():
    """Self-application by any logged-in person; shows the current application instead when there is one."""
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                expert = pool.apply(db(), user=current_user._get_current_object(), region=form.region.data,
                                    specialties=form.specialties.data, statement=form.statement.data, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("申请已提交，请等待专家委员会审核。"), "success")
            return redirect(url_for("roster_pool.expert", expert_id=expert.id))
    mine = pool_queries.expert_of_user(db(), current_user.id)
    return render_template("roster/pool/apply.html", form=form, mine=mine), _failed_status()


@bp.route("/roster/experts/nominate", methods=["GET", "POST"])
@roles_required_page(may_nominate)
def nominate():
    """Nomination of one of the organisation's own people by its base admin or HR; lists earlier nominations."""
    orgs = pool_queries.nominating_orgs(db(), org_ids_with(current_user, NOMINATOR_ROLES))
    form = NominateForm()
    form.org.choices = [SelectChoice(o.id, o.name) for o in orgs]
    if form.validate_on_submit():
        org = next(o for o in orgs if o.id == form.org.data)
        try:
            with transaction(db()):
                person = pool.find_person(db(), cipher(), form.person.data, field="person", today=utcnow().date())
                pool.nominate(db(), org=org, user=person, actor_id=current_user.id, region=form.region.data,
                              specialties=form.specialties.data, statement=form.statement.data, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("已推荐%(name)s，请等待专家委员会审核。", name=person.name), "success")
            return redirect(url_for("roster_pool.nominate"))
    nominated = pool_queries.nominated_by(db(), {o.id for o in orgs})
    return render_template("roster/pool/nominate.html", form=form, nominated=nominated), _failed_status()


def _visible_expert(expert_id: int) -> Expert:
    """The committee sees every expert, a person their own record; everyone else gets 404."""
    expert = db().get(Expert, expert_id)
    if expert is None or not (is_committee(current_user) or expert.user_id == current_user.id):
        abort(404)
    return expert


def _expert_page(expert: Expert, *, status: int = 200, **forms):
    record = pool_queries.expert_record(db(), expert)
    relationship_form = forms.get("relationship_form") or RelationshipForm()
    orgs = pool_queries.relationship_orgs(db())
    relationship_form.org.choices = [SelectChoice(0, _("（不选）")), *(SelectChoice(o.id, o.name) for o in orgs)]
    specialties_form = forms.get("specialties_form") or SpecialtiesForm(specialties=", ".join(expert.skill_codes))
    return render_template(
        "roster/pool/expert.html", record=record, expert=expert, status_form=StatusForm(),
        specialties_form=specialties_form, relationship_form=relationship_form,
        rating_form=forms.get("rating_form") or RatingForm(), is_chair=is_chair(current_user),
        is_committee=is_committee(current_user),
        actions=[a for a, (_to, allowed, _r) in pool.TRANSITIONS.items() if expert.status in allowed]), status


def _chair_only() -> None:
    if not is_chair(current_user):
        abort(403)


@bp.get("/roster/experts/<int:expert_id>")
@login_required
def expert(expert_id: int):
    """One expert's record: status, specialties, ratings, integrity log (verified), relationships; 404 for
    anyone but the committee and the expert."""
    return _expert_page(_visible_expert(expert_id))


@bp.post("/roster/experts/<int:expert_id>/status")
@login_required
def change_status(expert_id: int):
    """Chair: review, admit, reject, suspend, reinstate or remove (reasons where required); 403 for others."""
    expert = _visible_expert(expert_id)
    _chair_only()
    form = StatusForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                pool.change_status(db(), expert=expert, action=form.action.data or "", reason=form.reason.data,
                                   actor_id=current_user.id, now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
            return _expert_page(expert, status=exc.status)
        flash(_("已更新：%(s)s", s=pool.status_label(expert.status)), "success")
        return redirect(url_for("roster_pool.expert", expert_id=expert.id))
    return _expert_page(expert, status=422)


@bp.post("/roster/experts/<int:expert_id>/specialties")
@login_required
def specialties(expert_id: int):
    """Chair: replace the expert's specialties."""
    expert = _visible_expert(expert_id)
    _chair_only()
    form = SpecialtiesForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                pool.set_specialties(db(), expert=expert, specialties=form.specialties.data,
                                     actor_id=current_user.id, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
            return _expert_page(expert, status=exc.status, specialties_form=form)
        flash(_("专业已更新。"), "success")
        return redirect(url_for("roster_pool.expert", expert_id=expert.id))
    return _expert_page(expert, status=422, specialties_form=form)


@bp.post("/roster/experts/<int:expert_id>/relationships")
@login_required
def relationships(expert_id: int):
    """The expert or the committee declares a relationship with a person or an organisation (回避 in draws)."""
    expert = _visible_expert(expert_id)
    form = RelationshipForm()
    orgs = {o.id: o for o in pool_queries.relationship_orgs(db())}
    form.org.choices = [SelectChoice(0, ""), *(SelectChoice(i, o.name) for i, o in orgs.items())]
    if form.validate_on_submit():
        try:
            with transaction(db()):
                person = (pool.find_person(db(), cipher(), form.person.data, field="person", today=utcnow().date())
                          if (form.person.data or "").strip() else None)
                pool.declare_relationship(db(), expert=expert, kind=form.kind.data, note=form.note.data,
                                          actor_id=current_user.id, now=utcnow(), related_user=person,
                                          related_org=orgs.get(form.org.data))
        except DomainError as exc:
            attach_error(form, exc)
            return _expert_page(expert, status=exc.status, relationship_form=form)
        flash(_("已登记利害关系，抽取专家时将自动回避。"), "success")
        return redirect(url_for("roster_pool.expert", expert_id=expert.id))
    return _expert_page(expert, status=422, relationship_form=form)


@bp.post("/roster/experts/<int:expert_id>/ratings")
@login_required
def rate(expert_id: int):
    """Chair: rate the expert 0–100 after a job done outside the platform's own review workflow."""
    expert = _visible_expert(expert_id)
    _chair_only()
    form = RatingForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                pool.record_rating(db(), expert_id=expert.id, score=_number(form.score.data), job=form.job.data,
                                   actor_id=current_user.id, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
            return _expert_page(expert, status=exc.status, rating_form=form)
        flash(_("评分已记录。"), "success")
        return redirect(url_for("roster_pool.expert", expert_id=expert.id))
    return _expert_page(expert, status=422, rating_form=form)


# -- draws -----------------------------------------------------------------------------------------------------------

@bp.route("/roster/draws", methods=["GET", "POST"])
@roles_required_page(is_committee)
def draws():
    """Committee: draw a panel for a person (by ID number, mobile or user number) and list recent draws."""
    form, status = DrawForm(), 200
    if form.validate_on_submit():
        try:
            with transaction(db()):
                subject = pool.find_subject(db(), cipher(), form.subject.data, today=utcnow().date())
                draw = panel_draws.draw_panel(
                    db(), purpose=form.purpose.data, subject_user_id=subject.id, specialty=form.specialty.data,
                    region=form.region.data or None, size=_number(form.size.data), actor_id=current_user.id,
                    now=utcnow(), seed=(form.seed.data or "").strip() or None)
        except DomainError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            return redirect(url_for("roster_pool.draw", draw_id=draw.id))
    elif request.method == "POST":
        status = 422
    return render_template("roster/pool/draws.html", form=form, draws=pool_queries.recent_draws(db())), status


def _visible_draw(draw_id: int) -> PanelDraw:
    draw = db().get(PanelDraw, draw_id) if is_committee(current_user) else None
    if draw is None:
        abort(404)
    return draw


def _draw_page(draw: PanelDraw, *, form: ReplaceForm | None = None, status: int = 200):
    shown = [*draw.candidate_ids, *(r.replacement_expert_id for r in draw.replacements)]
    rows = pool_queries.rows_by_id(db(), shown)
    form = form or ReplaceForm()
    form.expert_id.choices = [SelectChoice(i, rows[i].name) for i in draw.member_expert_ids]
    people = pool_queries.people(db(), [draw.subject_user_id, draw.actor_id, *(r.actor_id for r in draw.replacements)])
    replayed = panel_draws.replay(draw)
    return render_template(
        "roster/pool/draw.html", draw=draw, rows=rows, form=form, people=people, replayed=replayed,
        replay_ok=replayed == draw.member_expert_ids, ranking=panel_draws.ranked(draw.eligible_ids, draw.seed),
        excluded={row["expert_id"]: row["reasons"] for row in draw.excluded}), status


@bp.get("/roster/draws/<int:draw_id>")
@login_required
def draw(draw_id: int):
    """One draw: seed, candidates in draw order, exclusions with reasons, the panel, replacements, and the
    replay check (recomputed from the record: 一致/不一致); 404 outside the committee."""
    return _draw_page(_visible_draw(draw_id))


@bp.post("/roster/draws/<int:draw_id>/replacements")
@login_required
def replace(draw_id: int):
    """Committee: replace one member, with a reason; the successor comes from the recorded candidates."""
    draw = _visible_draw(draw_id)
    form = ReplaceForm()
    form.expert_id.choices = [SelectChoice(i, str(i)) for i in draw.member_expert_ids]
    if form.validate_on_submit():
        try:
            with transaction(db()):
                panel_draws.replace_member(db(), draw=draw, expert_id=form.expert_id.data, reason=form.reason.data,
                                           actor_id=current_user.id, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
            return _draw_page(draw, form=form, status=exc.status)
        flash(_("已更换专家。"), "success")
        return redirect(url_for("roster_pool.draw", draw_id=draw.id))
    return _draw_page(draw, form=form, status=422)

