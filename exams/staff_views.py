"""Staff pages of the exam engine: attempt logs, item analysis and regrades, practical scoring.

Every route is under ``/orgs/<org_id>``: another organisation's org, session, attempt or assessment
answers 404; a member without the role answers 403.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.access import check_org_access
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound, ValidationFailed
from core.forms import ConfirmForm
from core.models import Role, User
from core.web import db
from exams import analysis, papers, practical, practical_text, queries
from exams.blueprint_text import parse_blueprint
from exams.forms import ExamForm
from exams.models import (
    Attempt,
    Exam,
    ExamSession,
    PracticalAssessment,
    PracticalTask,
    Registration,
    RegistrationStatus,
)
from exams.rules.tickets import display
from lms.queries import catalogue

bp = Blueprint("exam_staff", __name__, template_folder="templates")

SESSION_STAFF = (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER)
MARKERS = (Role.EXAMINER, Role.BASE_ADMIN)


def _session(org_id: int, session_id: int, *roles: Role) -> ExamSession:
    check_org_access(current_user, org_id)
    exam_session = db().get(ExamSession, session_id)
    if exam_session is None or exam_session.org_id != org_id:
        raise NotFound()
    check_org_access(current_user, org_id, *roles)
    return exam_session


@bp.get("/orgs/<int:org_id>/exam-sessions/<int:session_id>/attempts")
@login_required
def attempts(org_id: int, session_id: int):
    exam_session = _session(org_id, session_id, *SESSION_STAFF)
    return render_template("exams/staff/attempts.html", exam_session=exam_session,
                           rows=queries.session_attempts(db(), exam_session.id), now=utcnow())


@bp.get("/orgs/<int:org_id>/attempts/<int:attempt_id>/log")
@login_required
def attempt_log(org_id: int, attempt_id: int):
    """The append-only attempt log, as the invigilator reads it."""
    attempt = db().get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound()
    exam_session = _session(org_id, attempt.session_id, *SESSION_STAFF)
    return render_template("exams/staff/log.html", attempt=attempt, exam_session=exam_session,
                           events=queries.attempt_log(db(), attempt.id))


@bp.route("/orgs/<int:org_id>/exam-sessions/<int:session_id>/analysis", methods=["GET", "POST"])
@login_required
def item_analysis(org_id: int, session_id: int):
    """Item analysis, pending key corrections, and the regrade (dry run first, then apply)."""
    exam_session = _session(org_id, session_id, Role.BASE_ADMIN, Role.EXAMINER)
    corrections = analysis.pending_corrections(db(), exam_session)
    changes, applied = None, False
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit() and corrections:
        applied = request.form.get("apply") == "1"
        with transaction(db()):
            changes = analysis.regrade(db(), exam_session=exam_session, corrections=corrections,
                                       actor_id=current_user.id, now=utcnow(), dry_run=not applied)
        if applied:
            flash(_("已按更正后的答案重新评分：%(n)d 人成绩变化。", n=len(changes)), "success")
            corrections = analysis.pending_corrections(db(), exam_session)
    return render_template("exams/staff/analysis.html", exam_session=exam_session, form=form,
                           result=analysis.analyse_session(db(), exam_session), corrections=corrections,
                           changes=changes, applied=applied)


def _assessment(org_id: int, assessment_id: int, *roles: Role) -> tuple[PracticalAssessment, PracticalTask]:
    check_org_access(current_user, org_id)
    assessment = db().get(PracticalAssessment, assessment_id)
    task = db().get(PracticalTask, assessment.task_id) if assessment else None
    if task is None or task.org_id != org_id:
        raise NotFound()
    check_org_access(current_user, org_id, *roles)
    return assessment, task


def _marks_from_form(checklist) -> dict:
    marks = {}
    for item in checklist.items:
        raw = request.form.get(f"m_{item.code}", "")
        if item.kind == "redline":
            marks[item.code] = raw == "1"
            continue
        try:
            marks[item.code] = Decimal(raw.strip().replace("，", "."))
        except InvalidOperation:
            marks[item.code] = raw  # the pure rule names the item and refuses it
    return marks


@bp.get("/orgs/<int:org_id>/exam-sessions/<int:session_id>/practical")
@login_required
def practical_board(org_id: int, session_id: int):
    """The examiners' list: every registered candidate on each practical task, and how far the scoring is."""
    exam_session = _session(org_id, session_id, *MARKERS)
    return render_template("exams/staff/practical_board.html", exam_session=exam_session, form=ConfirmForm(),
                           lines=queries.practical_board(db(), exam_session, current_user.id), display=display)


@bp.post("/orgs/<int:org_id>/exam-sessions/<int:session_id>/registrations/<int:registration_id>/practical")
@login_required
def open_practical(org_id: int, session_id: int, registration_id: int):
    """Open a candidate's scoring sheet for the posted task (the assessment is created on first use).

    404 for a registration of another session or a task of another exam."""
    exam_session = _session(org_id, session_id, *MARKERS)
    registration = db().get(Registration, registration_id)
    task = db().get(PracticalTask, request.form.get("task_id", type=int) or 0)
    if (registration is None or registration.session_id != exam_session.id
            or registration.status != RegistrationStatus.REGISTERED or task is None
            or task.exam_id != exam_session.exam_id):
        raise NotFound()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("exam_staff.practical_board", org_id=org_id, session_id=session_id))
    with transaction(db()):
        assessment = practical.assessment_for(db(), registration=registration, task=task)
    return redirect(url_for("exam_staff.practical_sheet", org_id=org_id, assessment_id=assessment.id))


@bp.route("/orgs/<int:org_id>/practical/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def practical_sheet(org_id: int, assessment_id: int):
    """An examiner's own scoring sheet on a tablet; the others' sheets stay hidden until sign-off."""
    assessment, task = _assessment(org_id, assessment_id, *MARKERS)
    checklist = practical.checklist_from_json(task.checklist)
    form = ConfirmForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            with transaction(db()):
                practical.submit_sheet(db(), assessment=assessment, examiner_id=current_user.id,
                                       marks=_marks_from_form(checklist), now=utcnow())
            flash(_("评分已提交。"), "success")
            return redirect(url_for("exam_staff.practical_sheet", org_id=org_id, assessment_id=assessment.id))
        except DomainError as exc:
            error = exc
    mine = queries.own_sheet(db(), assessment.id, current_user.id)
    registration = db().get(Registration, assessment.registration_id)
    sheets = queries.sheets_of(db(), assessment.id)
    names = {u.id: u.name for u in db().scalars(select(User).where(
        User.id.in_([registration.user_id, *(s.examiner_id for s in sheets)])))}
    return render_template("exams/staff/practical.html", assessment=assessment, task=task, checklist=checklist,
                           form=form, error=error, mine=mine, registration=registration, names=names,
                           sheets=sheets if assessment.signed_off_at else [], sheet_count=len(sheets))


@bp.post("/orgs/<int:org_id>/practical/<int:assessment_id>/reconcile")
@login_required
def reconcile(org_id: int, assessment_id: int):
    assessment, _task = _assessment(org_id, assessment_id, Role.BASE_ADMIN, Role.EXAMINER)
    if ConfirmForm().validate_on_submit():
        try:
            percent = Decimal(request.form.get("percent", "").strip() or "-1")
            with transaction(db()):
                practical.reconcile(db(), assessment=assessment, actor_id=current_user.id, percent=percent,
                                    reason=request.form.get("reason", ""), now=utcnow())
            flash(_("复核结果已记录。"), "success")
        except (DomainError, InvalidOperation) as exc:
            flash(getattr(exc, "message", _("成绩应在0–100之间。")), "error")
    return redirect(url_for("exam_staff.practical_sheet", org_id=org_id, assessment_id=assessment.id))


@bp.post("/orgs/<int:org_id>/practical/<int:assessment_id>/sign-off")
@login_required
def sign_off(org_id: int, assessment_id: int):
    assessment, _task = _assessment(org_id, assessment_id, Role.BASE_ADMIN, Role.EXAMINER)
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                practical.sign_off(db(), assessment=assessment, actor_id=current_user.id, now=utcnow())
            flash(_("已签字确认，评分已锁定。"), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("exam_staff.practical_sheet", org_id=org_id, assessment_id=assessment.id))


@bp.route("/orgs/<int:org_id>/exams", methods=["GET", "POST"])
@login_required
def exams(org_id: int):
    """Exam definitions of a base; a blueprint the bank cannot fill is refused, naming the short topic."""
    check_org_access(current_user, org_id)
    check_org_access(current_user, org_id, Role.BASE_ADMIN)
    form = ExamForm()
    form.course_id.choices = [(c.id, c.title) for c in catalogue(db())]
    if form.validate_on_submit():
        try:
            with transaction(db()):
                papers.create_exam(db(), org_id=org_id, course_id=form.course_id.data, title=form.title.data,
                                   level=form.level.data, blueprint=parse_blueprint(form.blueprint.data),
                                   duration_s=form.minutes.data * 60, pass_mark=Decimal(form.pass_mark.data),
                                   review_policy=form.review_policy.data, now=utcnow())
            flash(_("考试已创建。"), "success")
            return redirect(url_for("exam_staff.exams", org_id=org_id))
        except DomainError as exc:
            form.blueprint.errors = [*form.blueprint.errors, exc.message]
    return render_template("exams/staff/exams.html", form=form, rows=queries.exams_of(db(), org_id),
                           topics=queries.topics_by_course(db()))


@bp.route("/orgs/<int:org_id>/exams/<int:exam_id>/practical-tasks", methods=["GET", "POST"])
@login_required
def practical_tasks(org_id: int, exam_id: int):
    """The exam's practical tasks (实操项目) and a form to add one: title, allowed examiner gap, checklist."""
    check_org_access(current_user, org_id)
    exam = db().get(Exam, exam_id)
    if exam is None or exam.org_id != org_id:
        raise NotFound()  # another base's exam is not found, whatever role the caller has here
    check_org_access(current_user, org_id, Role.BASE_ADMIN)
    form = ConfirmForm()
    values = {"title": "", "max_gap": "10", "checklist": practical_text.EXAMPLE}
    error = ""
    if request.method == "POST" and form.validate_on_submit():
        values = {name: request.form.get(name, "") for name in values}
        try:
            title = values["title"].strip()
            if not title or len(title) > 160:
                raise ValidationFailed("invalid_title", _("请填写项目名称（不超过 160 字）。"), "title")
            try:
                max_gap = Decimal(values["max_gap"].strip())
            except InvalidOperation:
                max_gap = Decimal(-1)
            if not max_gap.is_finite() or not 0 <= max_gap <= 100:
                raise ValidationFailed("invalid_max_gap", _("考评员允许分差应在 0–100 之间。"), "max_gap")
            checklist = practical_text.parse_checklist(values["checklist"])
            with transaction(db()):
                practical.create_task(db(), exam=exam, title=title, checklist=checklist, max_gap=max_gap,
                                      now=utcnow())
        except ValidationFailed as exc:
            error = exc.message
        else:
            flash(_("已添加实操项目。"), "success")
            return redirect(url_for("exam_staff.practical_tasks", org_id=org_id, exam_id=exam.id))
    tasks = db().scalars(select(PracticalTask).where(PracticalTask.exam_id == exam.id)
                         .order_by(PracticalTask.id)).all()
    return render_template("exams/staff/practical_tasks.html", exam=exam, tasks=tasks, form=form, values=values,
                           error=error, checklist_of=practical.checklist_from_json), 422 if error else 200
