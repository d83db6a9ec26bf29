"""Exam day at the base: check-in at the door and the invigilator console (admin and invigilators).

404 for anyone outside the base and for another base's sessions, registrations and attempts; 403 for a
member of the base who is neither base admin nor invigilator. Every action writes an audit row.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError
from core.forms import ConfirmForm
from core.web import db
from exams import base_queries, checkin, invigilation
from exams.base_blueprint import DOOR, attach, bp, flash_form_errors, found, session_scope
from exams.base_forms import ExtraTimeForm, NoteForm, ReasonForm, TicketForm
from exams.queries import attempt_log
from exams.rules.tickets import display

KIND_LABELS = {"paused": "暂停", "resumed": "恢复", "extra_time": "延时", "force_submitted": "强制收卷", "note": "记录"}


@bp.route("/orgs/<int:org_id>/sessions/<int:session_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin_page(org_id: int, session_id: int):
    """Scan the ticket's QR code with the camera (``checkin.js``) or type the number; marks the candidate present."""
    org, exam_session = session_scope(org_id, session_id, DOOR)
    form = TicketForm()
    done = None
    status = 200
    if form.validate_on_submit():
        try:
            with transaction(db()):
                done = checkin.check_in_by_ticket(db(), exam_session=exam_session, typed=form.ticket_number.data,
                                                  actor_id=current_user.id, now=utcnow())
        except DomainError as exc:
            attach(form, exc)
            status = 422
        else:
            form = TicketForm(formdata=None)
    return render_template("exams/base/checkin.html", org=org, s=exam_session, form=form, done=done,
                           display=display), status


def _console_data(exam_session) -> dict:
    now = utcnow()
    rows = invigilation.console_rows(db(), exam_session, now=now)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state.status] = counts.get(row.state.status, 0) + 1
    return {"now": now, "rows": rows, "counts": counts, "paused": exam_session.paused_at is not None}


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/console")
@login_required
def console(org_id: int, session_id: int):
    """Live list of candidates with status and remaining time, and the invigilator's actions."""
    org, exam_session = session_scope(org_id, session_id, DOOR)
    return render_template("exams/base/console.html", org=org, s=exam_session, data=_console_data(exam_session),
                           incidents=invigilation.incidents_of(db(), exam_session), kinds=KIND_LABELS,
                           confirm=ConfirmForm(),
                           reason_form=ReasonForm(prefix="pause"), note_form=NoteForm(prefix="note"),
                           extra_form=ExtraTimeForm(prefix="extra"), force_form=ReasonForm(prefix="force"))


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/console.json")
@login_required
def console_json(org_id: int, session_id: int):
    """What ``console.js`` polls every 5 s."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    data = _console_data(exam_session)
    return jsonify({
        "paused": data["paused"], "counts": data["counts"],
        "rows": [{"registration_id": r.registration.id, "status": r.state.status, "last_save_s": r.state.last_save_s,
                  "remaining_s": r.remaining_s, "extra_min": r.registration.extra_time_s // 60}
                 for r in data["rows"]]})


def _back(org_id: int, session_id: int):
    return redirect(url_for("bases.console", org_id=org_id, session_id=session_id))


def _act(form, action, success: str) -> None:
    if not form.validate_on_submit():
        flash_form_errors(form)
        return
    try:
        with transaction(db()):
            action(form)
        flash(success, "success")
    except DomainError as exc:
        flash(exc.message, "error")


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/console/pause")
@login_required
def pause(org_id: int, session_id: int):
    """Pause the session for everyone (the countdown stands still on every phone)."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    _act(ReasonForm(prefix="pause"), lambda f: invigilation.pause_session(
        db(), exam_session=exam_session, actor_id=current_user.id, reason=f.reason.data, now=utcnow()),
         _("考试已暂停。"))
    return _back(org_id, session_id)


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/console/resume")
@login_required
def resume(org_id: int, session_id: int):
    """Resume: every attempt in progress gets the pause length added to its deadline."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    _act(ConfirmForm(), lambda f: invigilation.resume_session(
        db(), exam_session=exam_session, actor_id=current_user.id, now=utcnow()), _("考试已恢复。"))
    return _back(org_id, session_id)


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/console/notes")
@login_required
def note(org_id: int, session_id: int):
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    _act(NoteForm(prefix="note"), lambda f: invigilation.record_note(
        db(), exam_session=exam_session, note=f.note.data, actor_id=current_user.id, now=utcnow()), _("已记录。"))
    return _back(org_id, session_id)


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/registrations/<int:registration_id>/extra-time")
@login_required
def extra_time(org_id: int, session_id: int, registration_id: int):
    """Extra time for one candidate (moves their attempt's deadline)."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    registration = found(base_queries.registration_in_session(db(), exam_session, registration_id))
    _act(ExtraTimeForm(prefix="extra"), lambda f: invigilation.grant_extra_time(
        db(), exam_session=exam_session, registration=registration, minutes=f.minutes.data, reason=f.reason.data,
        actor_id=current_user.id, now=utcnow()), _("已延长时间。"))
    return _back(org_id, session_id)


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/attempts/<int:attempt_id>/force-submit")
@login_required
def force_submit(org_id: int, session_id: int, attempt_id: int):
    """Collect one candidate's paper now (submitted by the invigilator)."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    attempt = found(base_queries.attempt_in_session(db(), exam_session, attempt_id))
    _act(ReasonForm(prefix="force"), lambda f: invigilation.force_submit(
        db(), exam_session=exam_session, attempt=attempt, reason=f.reason.data, actor_id=current_user.id,
        now=utcnow()), _("已收卷。"))
    return _back(org_id, session_id)


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/attempts/<int:attempt_id>/log")
@login_required
def attempt_log_page(org_id: int, session_id: int, attempt_id: int):
    """The attempt's log: start, saves (late ones included), device changes, focus loss, pauses, submission."""
    org, exam_session = session_scope(org_id, session_id, DOOR)
    attempt = found(base_queries.attempt_in_session(db(), exam_session, attempt_id))
    return render_template("exams/base/attempt_log.html", org=org, s=exam_session, attempt=attempt,
                           events=attempt_log(db(), attempt.id))
