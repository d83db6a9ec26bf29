"""Candidate exam pages: open sessions, registration, start, the exam page and the result."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound, RuleViolated
from core.forms import ConfirmForm
from core.web import db, state
from exams import attempts, queries, sessions
from exams.models import AttemptStatus, Exam, ExamSession

bp = Blueprint("exams", __name__, template_folder="templates")


@bp.get("/exams")
def open_sessions():
    return render_template("exams/sessions.html", rows=sessions.open_sessions(db(), now=utcnow()),
                           confirm=ConfirmForm())


@bp.post("/exams/sessions/<int:session_id>/register")
@login_required
def register(session_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                sessions.register(db(), exam_session_id=session_id, candidate=current_user, now=utcnow())
            flash(_("报名成功。"), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("exams.my_exams"))


@bp.get("/exams/mine")
@login_required
def my_exams():
    return render_template("exams/mine.html", rows=queries.my_registrations(db(), current_user.id),
                           confirm=ConfirmForm(), now=utcnow())


@bp.post("/exams/sessions/<int:session_id>/start")
@login_required
def start(session_id: int):
    """Start or resume; 404 when the candidate is not registered for this session."""
    exam_session = db().get(ExamSession, session_id)
    if exam_session is None or not ConfirmForm().validate_on_submit():
        raise NotFound()
    try:
        with transaction(db()):
            started = attempts.start_attempt(db(), exam_session=exam_session, candidate=current_user,
                                             device_id="", now=utcnow())
    except RuleViolated as exc:  # not open yet, paused, closed: say so; not registered stays a 404
        flash(exc.message, "error")
        return redirect(url_for("exams.my_exams"))
    return redirect(url_for("exams.take", attempt_id=started.attempt.id))


@bp.get("/exams/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    """The exam page. Works from the page's own data when reloaded offline (the service worker keeps it)."""
    attempt = queries.own_attempt(db(), attempt_id, current_user)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    data = queries.attempt_json(db(), attempt, now=utcnow())
    exam_session = db().get(ExamSession, attempt.session_id)
    return render_template("exams/take.html", attempt=attempt, data=data, exam=db().get(Exam, exam_session.exam_id),
                           grace_s=state().settings.exam_grace_s)


@bp.get("/exams/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = queries.own_attempt(db(), attempt_id, current_user)
    exam_session = db().get(ExamSession, attempt.session_id)
    exam = db().get(Exam, exam_session.exam_id)
    show_score, show_answers = queries.review_allows(exam, exam_session, utcnow())
    items = queries.review_items(db(), attempt) if show_answers else []
    return render_template("exams/result.html", attempt=attempt, exam=exam, show_score=show_score, items=items)
