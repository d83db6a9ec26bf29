"""Staff pages of one event: setup (rules, scheme, competitors, judges), module control, results, analytics.

Every route is under ``/orgs/<org_id>/competitions/<competition_id>``; an event, module or evidence file of
another competition answers 404 (``blueprint.staff_*``). Setup needs an organiser; the chief judge may
read everything and act where the services allow (overrides, sign-off, decoding, unlock approval).
"""

from __future__ import annotations

import secrets
import unicodedata
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.accounts import find_by_phone
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.forms import ConfirmForm
from core.models import Organisation, OrgKind
from core.web import attach_error, cipher, db
from exams.competitions import appeals, locks, queries, recheck, results, scheme_files, setup
from exams.competitions.access import is_chief, is_organiser
from exams.competitions.blueprint import bp, staff_event, staff_module
from exams.competitions.forms import (
    CompetitorForm,
    DrawForm,
    JudgeForm,
    OverrideForm,
    ReasonForm,
    RecheckForm,
    RulesForm,
    RulingForm,
    SchemeForm,
    choices,
)
from exams.competitions.marking import module_sheet
from exams.competitions.models import Appeal, AppealEvidence, Competitor, UnlockRequest
from exams.competitions.schemes import import_scheme, modules_of, scheme_of
from exams.competitions.standings import event_standings
from exams.models import Exam

PREFIX = "/orgs/<int:org_id>/competitions/<int:competition_id>"


def _back(org_id: int, competition_id: int, event_id: int, endpoint: str = "competitions.event_setup", **kw):
    return redirect(url_for(endpoint, org_id=org_id, competition_id=competition_id, event_id=event_id, **kw))


def _run(action, success: str) -> bool:
    """One service call in one transaction; a refusal becomes a flash message."""
    try:
        with transaction(db()):
            action()
    except DomainError as exc:
        flash(exc.message, "error")
        return False
    flash(success, "success")
    return True


# -- setup -------------------------------------------------------------------------------------------------------

def _setup_forms(competition, event, rules_form=None):
    rules_form = rules_form or RulesForm(prefix="rules")
    if not rules_form.is_submitted():
        rules_form.load(event)
    exams = db().scalars(select(Exam).where(Exam.org_id == competition.org_id).order_by(Exam.title)).all()
    rules_form.theory_exam_id.choices = choices([(0, _("不关联（录入纸笔成绩）")), *((e.id, e.title) for e in exams)])
    competitor_form = CompetitorForm(prefix="competitor")
    orgs = db().scalars(select(Organisation).where(Organisation.kind.in_([OrgKind.ENTERPRISE, OrgKind.TRAINING_BASE]))
                        .order_by(Organisation.name)).all()
    for select_field, kind in ((competitor_form.enterprise_org_id, OrgKind.ENTERPRISE),
                               (competitor_form.base_org_id, OrgKind.TRAINING_BASE)):
        select_field.choices = choices([(0, "—")] + [(o.id, o.name) for o in orgs if o.kind == kind])
    judge_form = JudgeForm(prefix="judge")
    judge_form.judge_id.choices = choices([(u.id, u.name) for u in setup.judge_pool(db(), competition)])
    return rules_form, competitor_form, judge_form


def _render_setup(competition, event, rules_form=None, status=200):
    rules_form, competitor_form, judge_form = _setup_forms(competition, event, rules_form)
    modules = modules_of(db(), event.id)
    judges = {m.id: queries.judges_of(db(), m.id) for m in modules}
    return render_template(
        "competitions/event.html", competition=competition, event=event, rules_form=rules_form,
        competitor_form=competitor_form, judge_form=judge_form, scheme_form=SchemeForm(prefix="scheme"),
        draw_form=DrawForm(prefix="draw"), confirm=ConfirmForm(), scheme=scheme_of(db(), event), modules=modules,
        judges=judges, users=queries.users_by_id(db(), {j for js in judges.values() for j in js}),
        competitors=queries.competitors_of(db(), event.id),
        orgs={o.id: o.name for o in db().scalars(select(Organisation))},
        is_organiser=is_organiser(current_user, competition)), status


@bp.get(PREFIX + "/events/<int:event_id>")
@login_required
def event_setup(org_id: int, competition_id: int, event_id: int):
    """The event's rules, marking scheme, competitors and stations, and judges per module."""
    return _render_setup(*staff_event(org_id, competition_id, event_id))


@bp.post(PREFIX + "/events/<int:event_id>/rules")
@login_required
def event_rules(org_id: int, competition_id: int, event_id: int):
    competition, event = staff_event(org_id, competition_id, event_id, organiser=True)
    form = RulesForm(prefix="rules")
    _setup_forms(competition, event, form)
    if form.validate_on_submit():
        try:
            with transaction(db()):
                setup.configure_event(db(), actor=current_user, event=event, rules=form.rules(), now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("竞赛规则已保存。"), "success")
            return _back(org_id, competition_id, event_id)
    return _render_setup(competition, event, form, 422)


@bp.post(PREFIX + "/events/<int:event_id>/scheme")
@login_required
def scheme_import(org_id: int, competition_id: int, event_id: int):
    """Import a marking scheme (YAML or XLSX), all or nothing; every problem is listed with its line or row."""
    competition, event = staff_event(org_id, competition_id, event_id, organiser=True)
    form = SchemeForm(prefix="scheme")
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(scheme_files.MAX_FILE_BYTES + 1)
        try:
            with transaction(db()):
                scheme = scheme_files.read_scheme(upload.filename or "", data)
                import_scheme(db(), actor=current_user, event=event, scheme=scheme, now=utcnow())
        except scheme_files.SchemeFileInvalid as exc:
            for line in exc.errors:
                flash(line, "error")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("评分标准已导入：%(n)d 个模块，满分 %(max)s 分。", n=len(scheme.modules), max=scheme.max_marks),
                  "success")
    return _back(org_id, competition_id, event_id)


@bp.get(PREFIX + "/events/<int:event_id>/scheme.<fmt>")
@login_required
def scheme_export(org_id: int, competition_id: int, event_id: int, fmt: str):
    _competition, event = staff_event(org_id, competition_id, event_id)
    scheme = scheme_of(db(), event)
    if scheme is None or fmt not in ("yaml", "xlsx"):
        raise NotFound()
    data = scheme_files.write_yaml(scheme) if fmt == "yaml" else scheme_files.write_xlsx(scheme)
    kind = "application/x-yaml" if fmt == "yaml" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=kind, headers={"Content-Disposition": _attachment(f"{event.title}-评分标准.{fmt}"),
                                                  "Cache-Control": "no-store"})


def _attachment(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().strip("-. ") or "scheme"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.post(PREFIX + "/events/<int:event_id>/competitors")
@login_required
def add_competitor(org_id: int, competition_id: int, event_id: int):
    competition, event = staff_event(org_id, competition_id, event_id, organiser=True)
    _rules, form, _judge = _setup_forms(competition, event)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return _back(org_id, competition_id, event_id)
    members = []
    for phone in filter(None, (p.strip() for p in (form.phones.data or "").replace("，", ",").split(","))):
        user = find_by_phone(db(), cipher(), phone)
        if user is None:
            flash(_("没有找到手机号为 %(phone)s 的平台账号。", phone=phone[:3] + "****" + phone[-4:]), "error")
            return _back(org_id, competition_id, event_id)
        members.append(user.id)
    _run(lambda: setup.add_competitor(db(), actor=current_user, event=event, name=form.name.data, member_ids=members,
                                      enterprise_org_id=form.enterprise_org_id.data or None,
                                      base_org_id=form.base_org_id.data or None,
                                      theory_percent=form.theory_percent.data, now=utcnow()),
         _("选手已添加。"))
    return _back(org_id, competition_id, event_id)


@bp.post(PREFIX + "/events/<int:event_id>/stations")
@login_required
def draw_stations(org_id: int, competition_id: int, event_id: int):
    """Draw station codes with a fresh recorded seed."""
    _competition, event = staff_event(org_id, competition_id, event_id, organiser=True)
    form = DrawForm(prefix="draw")
    if form.validate_on_submit():
        _run(lambda: setup.draw_stations(db(), actor=current_user, event=event, seed=secrets.randbits(48),
                                         prefix=form.prefix.data, now=utcnow()), _("工位号已抽签。"))
    return _back(org_id, competition_id, event_id)


@bp.post(PREFIX + "/modules/<int:module_id>/judges")
@login_required
def assign_judge(org_id: int, competition_id: int, module_id: int):
    competition, event, module = staff_module(org_id, competition_id, module_id)
    staff_event(org_id, competition_id, event.id, organiser=True)
    _rules, _comp, form = _setup_forms(competition, event)
    if form.validate_on_submit():
        _run(lambda: setup.assign_judge(db(), actor=current_user, module=module, judge_id=form.judge_id.data,
                                        now=utcnow()), _("裁判已分配。"))
    return _back(org_id, competition_id, event.id)


# -- module control ----------------------------------------------------------------------------------------------

@bp.get(PREFIX + "/modules/<int:module_id>")
@login_required
def module_control(org_id: int, competition_id: int, module_id: int):
    """Scoring progress by station (names once decoded), sign-offs, unlock requests, decoding, 回避 overrides."""
    competition, event, module = staff_module(org_id, competition_id, module_id)
    sheet = module_sheet(db(), module)
    override = OverrideForm(prefix="override")
    users = queries.users_by_id(db(), sheet.context.judges + [competition.chief_judge_id or 0])
    override.judge_id.choices = choices([(j, users[j].name) for j in sheet.context.judges])
    override.competitor_id.choices = choices((c.id, c.station_code or "—") for c in sheet.context.competitors)
    pending = db().scalar(select(UnlockRequest).where(UnlockRequest.module_id == module.id,
                                                      UnlockRequest.lock_epoch == module.lock_epoch,
                                                      UnlockRequest.approved_at.is_(None)))
    return render_template("competitions/module.html", competition=competition, event=event, module=module,
                           sheet=sheet, users=users, signoffs=locks.signoff_state(db(), module), pending=pending,
                           override_form=override, reason_form=ReasonForm(prefix="unlock"), confirm=ConfirmForm(),
                           is_chief=is_chief(current_user, competition),
                           is_organiser=is_organiser(current_user, competition),
                           stations={c.id: c.station_code for c in sheet.context.competitors})


@bp.post(PREFIX + "/modules/<int:module_id>/<action>")
@login_required
def module_action(org_id: int, competition_id: int, module_id: int, action: str):
    """sign | decode | unlock (request) | approve (the pending unlock) | override (a 回避 exception)."""
    _competition, event, module = staff_module(org_id, competition_id, module_id)
    now, me = utcnow(), current_user
    if action == "override":
        form = OverrideForm(prefix="override")
        form.judge_id.choices = choices([(j, "") for j in queries.judges_of(db(), module.id)])
        form.competitor_id.choices = choices([(c.id, "") for c in queries.competitors_of(db(), event.id)])
        if form.validate_on_submit():
            judge = queries.users_by_id(db(), [form.judge_id.data])[form.judge_id.data]
            competitor = db().get(Competitor, form.competitor_id.data)
            _run(lambda: setup.override_conflict(db(), actor=me, module=module, judge=judge, competitor=competitor,
                                                 reason=form.reason.data, now=now), _("已记录回避例外。"))
    elif action == "unlock":
        form = ReasonForm(prefix="unlock")
        if form.validate_on_submit():
            _run(lambda: locks.request_unlock(db(), module_id=module.id, actor=me, reason=form.reason.data, now=now),
                 _("解锁申请已提交，须由第二人批准。"))
    elif ConfirmForm().validate_on_submit():
        actions = {
            "sign": (lambda: locks.sign_module(db(), module_id=module.id, actor=me, now=now), _("已签字。")),
            "decode": (lambda: locks.decode_module(db(), module_id=module.id, actor=me, now=now), _("已解码。")),
            "approve": (lambda: locks.approve_unlock(db(), request_id=int(request.form.get("request_id", 0)),
                                                     actor=me, now=now), _("已批准解锁，本模块须重新签字锁定。")),
        }
        if action not in actions:
            raise NotFound()
        _run(*actions[action])
    return redirect(url_for("competitions.module_control", org_id=org_id, competition_id=competition_id,
                            module_id=module.id))


# -- results -----------------------------------------------------------------------------------------------------

@bp.get(PREFIX + "/events/<int:event_id>/results")
@login_required
def results_control(org_id: int, competition_id: int, event_id: int):
    """Standings, supervisor re-check, provisional results, appeals and final results of one event."""
    competition, event = staff_event(org_id, competition_id, event_id)
    status = recheck.recheck_status(db(), event)
    appeal_rows = queries.appeals_of(db(), event.id)
    return render_template(
        "competitions/results.html", competition=competition, event=event, confirm=ConfirmForm(),
        doc=queries.event_results(db(), competition, event, now=utcnow(), staff=True),
        standings=event_standings(db(), event), recheck=status,
        recheck_form=RecheckForm(prefix="recheck"), ruling_form=RulingForm(prefix="ruling"), appeals=appeal_rows,
        evidence=queries.evidence_of(db(), [a.id for a in appeal_rows]),
        competitors={c.id: c for c in queries.competitors_of(db(), event.id)},
        involvement={a.id: appeals.involvement(db(), current_user, a) for a in appeal_rows},
        is_organiser=is_organiser(current_user, competition), now=utcnow())


@bp.post(PREFIX + "/events/<int:event_id>/results/<action>")
@login_required
def results_action(org_id: int, competition_id: int, event_id: int, action: str):
    """recheck-draw | recheck | provisional | final | ruling."""
    _competition, event = staff_event(org_id, competition_id, event_id)
    now, me = utcnow(), current_user
    if action == "recheck":
        form = RecheckForm(prefix="recheck")
        if form.validate_on_submit():
            _run(lambda: recheck.record_recheck(db(), item_id=int(form.item_id.data or 0), event=event, actor=me,
                                                items_checked=form.items_checked.data,
                                                errors_found=form.errors_found.data, note=form.note.data, now=now),
                 _("复核结果已记录。"))
    elif action == "ruling":
        form = RulingForm(prefix="ruling")
        appeal = db().get(Appeal, int(form.appeal_id.data or 0)) if form.validate_on_submit() else None
        if appeal is not None and appeal.event_id == event.id:
            _run(lambda: appeals.rule_appeal(db(), appeal=appeal, actor=me, upheld=form.outcome.data == "upheld",
                                             ruling=form.ruling.data, now=now), _("裁决已记录。"))
    elif ConfirmForm().validate_on_submit():
        actions = {
            "recheck-draw": (lambda: recheck.draw_recheck(db(), event=event, actor=me, seed=secrets.randbits(48),
                                                          now=now), _("复核样本已抽取。")),
            "provisional": (lambda: results.publish_provisional(db(), event=event, actor=me, now=now),
                            _("预公布成绩已发布，申诉期开始。")),
            "final": (lambda: results.finalise_event(db(), event=event, actor=me, now=now), _("最终成绩已发布。")),
        }
        if action not in actions:
            raise NotFound()
        _run(*actions[action])
    return _back(org_id, competition_id, event.id, "competitions.results_control")


@bp.get(PREFIX + "/evidence/<int:evidence_id>")
@login_required
def evidence(org_id: int, competition_id: int, evidence_id: int):
    """Download one appeal evidence file (staff of the competition only)."""
    row = db().get(AppealEvidence, evidence_id)
    appeal = db().get(Appeal, row.appeal_id) if row else None
    if appeal is None:
        raise NotFound()
    staff_event(org_id, competition_id, appeal.event_id)
    return Response(row.data, mimetype=row.content_type, headers={
        "Content-Disposition": _attachment(row.filename), "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@bp.get(PREFIX + "/events/<int:event_id>/analytics")
@login_required
def analytics(org_id: int, competition_id: int, event_id: int):
    """Per-judge leniency against the leave-one-out panel mean, and the re-vote rate."""
    competition, event = staff_event(org_id, competition_id, event_id)
    return render_template("competitions/analytics.html", competition=competition, event=event,
                           rows=queries.judge_analytics(db(), event))
