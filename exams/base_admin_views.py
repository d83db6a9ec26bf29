"""Base administration: venues and rooms, sessions and staff on duty, the registration list, calendar,
reports and exports. Every page is for members of the base: 404 for anyone else (and for another base's
objects), 403 for a member without the role named in the docstring."""

from __future__ import annotations

from datetime import datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from core.access import is_platform_admin, roles_in
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.forms import ConfirmForm
from core.models import Organisation, OrgKind, Role
from core.views import ACCOUNT_LINKS
from core.web import client_ip, db, roles_required_page, state
from exams import base_queries, calendar, checkin, reports, venues, waitlist
from exams.base_blueprint import (
    DOOR,
    MANAGE,
    STAFF,
    attach,
    base_scope,
    bp,
    flash_form_errors,
    found,
    session_scope,
    ticket_pdf,
)
from exams.base_forms import RoomForm, SessionForm, StaffDutyForm, VenueForm, to_utc
from exams.models import StaffDuty
from exams.rules.calendar import shift_month
from exams.seating import rooms_of_venue

ACCOUNT_LINKS.append((_l("考务管理"), "bases.my_bases"))


@bp.get("/bases")
@roles_required_page(lambda user: bool(base_queries.bases_staffed_by(db(), user)))
def my_bases():
    """The bases where the user is on the staff; straight to the sessions when there is only one."""
    bases = base_queries.bases_staffed_by(db(), current_user)
    if len(bases) == 1:
        return redirect(url_for("bases.sessions", org_id=bases[0].id))
    return render_template("exams/base/bases.html", bases=bases)


@bp.route("/orgs/<int:org_id>/venues", methods=["GET", "POST"])
@login_required
def venue_list(org_id: int):
    """Venues of the base and a form for a new one (base admin)."""
    org = base_scope(org_id, MANAGE)
    form = VenueForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                venue = venues.create_venue(db(), org_id=org.id, actor_id=current_user.id, name=form.name.data,
                                            address=form.address.data, now=utcnow())
        except DomainError as exc:
            attach(form, exc)
        else:
            return redirect(url_for("bases.venue_page", org_id=org.id, venue_id=venue.id))
    return render_template("exams/base/venues.html", org=org, form=form, venues=base_queries.venues_of(db(), org.id))


@bp.route("/orgs/<int:org_id>/venues/<int:venue_id>", methods=["GET", "POST"])
@login_required
def venue_page(org_id: int, venue_id: int):
    """A venue's rooms and seats, with a form to add a room (base admin)."""
    org = base_scope(org_id, MANAGE)
    venue = found(base_queries.venue_in_org(db(), org.id, venue_id))
    form = RoomForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                venues.add_room(db(), venue=venue, actor_id=current_user.id, name=form.name.data,
                                seats=form.seats.data, now=utcnow())
        except DomainError as exc:
            attach(form, exc)
        else:
            flash(_("已添加考场。"), "success")
            return redirect(url_for("bases.venue_page", org_id=org.id, venue_id=venue.id))
    return render_template("exams/base/venue.html", org=org, venue=venue, form=form,
                           rooms=rooms_of_venue(db(), venue.id))


@bp.route("/orgs/<int:org_id>/sessions", methods=["GET", "POST"])
@login_required
def sessions(org_id: int):
    """The base's exam sessions; base admins also get the form to schedule one (staff may look)."""
    org = base_scope(org_id, STAFF)
    form = SessionForm()
    form.exam_id.choices = [SelectChoice(e.id, e.title) for e in base_queries.exams_of(db(), org.id)]
    form.venue_id.choices = [SelectChoice(v.id, f"{v.name}（{seats}座）")
                             for v, _rooms, seats in base_queries.venues_of(db(), org.id)]
    can_manage = _can_manage(org.id)
    if request.method == "POST":
        base_scope(org_id, MANAGE)
        if form.validate_on_submit():
            try:
                with transaction(db()):
                    exam_session = _schedule(org.id, form)
            except DomainError as exc:
                attach(form, exc)
            else:
                flash(_("已安排考试场次。"), "success")
                return redirect(url_for("bases.session_page", org_id=org.id, session_id=exam_session.id))
    roles = roles_in(current_user, org.id)
    return render_template("exams/base/sessions.html", org=org, form=form, can_manage=can_manage,
                           at_door=bool(roles & set(DOOR)) or is_platform_admin(current_user),
                           marks=bool(roles & {Role.EXAMINER, Role.BASE_ADMIN}) or is_platform_admin(current_user),
                           rows=base_queries.sessions_of(db(), org.id)), 422 if form.errors else 200


def _schedule(org_id: int, form: SessionForm):
    exam = next(e for e in base_queries.exams_of(db(), org_id) if e.id == form.exam_id.data)
    venue = found(base_queries.venue_in_org(db(), org_id, form.venue_id.data))
    return venues.schedule_session(
        db(), exam=exam, venue=venue, actor_id=current_user.id, title=form.title.data or "",
        starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data), capacity=form.capacity.data,
        registration_opens_at=to_utc(form.registration_opens_at.data),
        registration_closes_at=to_utc(form.registration_closes_at.data),
        cancel_closes_at=to_utc(form.cancel_closes_at.data), now=utcnow())


def _can_manage(org_id: int) -> bool:
    try:
        base_scope(org_id, MANAGE)
    except DomainError:
        return False
    return True


def _staff_form(org_id: int, exam_session) -> StaffDutyForm:
    form = StaffDutyForm(prefix="staff")
    people = {u.id: u for duty in StaffDuty for u in venues.staff_choices(db(), org_id, duty)}
    form.user_id.choices = [SelectChoice(u.id, f"{u.name} {u.phone_masked}") for u in people.values()]
    form.room_id.choices = [SelectChoice(0, "—"), *(SelectChoice(r.id, r.name)
                                                   for r in rooms_of_venue(db(), exam_session.venue_id))]
    return form


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>")
@login_required
def session_page(org_id: int, session_id: int):
    """Session details, staffing with its warnings, and the registration list (admin and invigilators)."""
    org, exam_session = session_scope(org_id, session_id, DOOR)
    return render_template(
        "exams/base/session.html", org=org, s=exam_session, staffing=venues.staffing_of(db(), exam_session),
        staff_form=_staff_form(org.id, exam_session), lines=base_queries.registrations_of(db(), exam_session),
        confirm=ConfirmForm(), can_manage=_can_manage(org.id), now=utcnow(),
        venue=base_queries.venue_in_org(db(), org.id, exam_session.venue_id or 0))


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/staff")
@login_required
def assign_staff(org_id: int, session_id: int):
    """Put a member of the base on duty (base admin)."""
    org, exam_session = session_scope(org_id, session_id, MANAGE)
    form = _staff_form(org.id, exam_session)
    if form.validate_on_submit():
        try:
            with transaction(db()):
                venues.assign_staff(db(), exam_session=exam_session, actor_id=current_user.id,
                                    user_id=form.user_id.data, duty=form.duty.data,
                                    room_id=form.room_id.data or None, now=utcnow())
            flash(_("已安排。"), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    else:
        flash_form_errors(form)
    return redirect(url_for("bases.session_page", org_id=org.id, session_id=exam_session.id) + "#staff")


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/staff/<int:assignment_id>/remove")
@login_required
def remove_staff(org_id: int, session_id: int, assignment_id: int):
    org, exam_session = session_scope(org_id, session_id, MANAGE)
    assignment = found(base_queries.assignment_in_session(db(), exam_session, assignment_id))
    if ConfirmForm().validate_on_submit():
        with transaction(db()):
            venues.remove_staff(db(), assignment=assignment, exam_session=exam_session, actor_id=current_user.id,
                                now=utcnow())
    return redirect(url_for("bases.session_page", org_id=org.id, session_id=exam_session.id) + "#staff")


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/registrations/<int:registration_id>/checkin")
@login_required
def check_in_from_list(org_id: int, session_id: int, registration_id: int):
    """Mark a candidate present from the registration list (admin and invigilators)."""
    org, exam_session = session_scope(org_id, session_id, DOOR)
    registration = found(base_queries.registration_in_session(db(), exam_session, registration_id))
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                done = checkin.check_in(db(), exam_session=exam_session, registration=registration,
                                        actor_id=current_user.id, now=utcnow())
            flash(_("已签到：%(n)s", n=done.name), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("bases.session_page", org_id=org.id, session_id=exam_session.id) + "#registrations")


@bp.post("/orgs/<int:org_id>/sessions/<int:session_id>/registrations/<int:registration_id>/cancel")
@login_required
def cancel_registration(org_id: int, session_id: int, registration_id: int):
    """Cancel a candidate's registration until the start; the waiting list moves up (base admin)."""
    org, exam_session = session_scope(org_id, session_id, MANAGE)
    registration = found(base_queries.registration_in_session(db(), exam_session, registration_id))
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                waitlist.cancel_registration(db(), registration_id=registration.id, actor_id=current_user.id,
                                             now=utcnow(), by_staff=True)
            flash(_("已取消该报名。"), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("bases.session_page", org_id=org.id, session_id=exam_session.id) + "#registrations")


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/registrations/<int:registration_id>/ticket.pdf")
@login_required
def staff_ticket(org_id: int, session_id: int, registration_id: int):
    """A candidate's admission ticket, to print for them (admin and invigilators)."""
    _org, exam_session = session_scope(org_id, session_id, DOOR)
    return ticket_pdf(found(base_queries.registration_in_session(db(), exam_session, registration_id)))


# -- calendar ------------------------------------------------------------------------------------------------

@bp.get("/orgs/<int:org_id>/calendar")
@login_required
def calendar_page(org_id: int):
    """The base's sessions month by month (``?month=2026-03``), with the private feed link (all staff)."""
    org = base_scope(org_id, STAFF)
    today = utcnow().astimezone(calendar.LOCAL).date()
    try:
        picked = datetime.strptime(request.args.get("month", ""), "%Y-%m")
        year, month = picked.year, picked.month
    except ValueError:
        year, month = today.year, today.month
    token = calendar.feed_token(state().settings.secret_key, org.id, current_user)
    return render_template("exams/base/calendar.html", org=org, year=year, month=month, today=today,
                           weeks=calendar.month_of(db(), org.id, year, month),
                           prev=shift_month(year, month, -1), next=shift_month(year, month, 1),
                           feed_url=url_for("bases.calendar_feed", org_id=org.id, u=current_user.id, t=token,
                                            _external=True))


@bp.get("/orgs/<int:org_id>/calendar.ics")
def calendar_feed(org_id: int):
    """iCalendar feed; the token in the URL is the only credential (404 when it is wrong or revoked)."""
    if calendar.feed_user(db(), state().settings.secret_key, org_id, request.args.get("u", ""),
                          request.args.get("t", "")) is None:
        raise NotFound()
    org = db().get(Organisation, org_id)
    if org.kind != OrgKind.TRAINING_BASE:
        raise NotFound()
    text = calendar.feed(db(), org_id=org.id, calendar_name=org.name, base_url=state().settings.base_url,
                         now=utcnow())
    return Response(text, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


# -- reports -------------------------------------------------------------------------------------------------

@bp.get("/orgs/<int:org_id>/reports")
@login_required
def report_list(org_id: int):
    """Attendance, pass rate and average per session (base admin)."""
    org = base_scope(org_id, MANAGE)
    return render_template("exams/base/reports.html", org=org, rows=reports.summaries(db(), org.id))


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/report")
@login_required
def session_report(org_id: int, session_id: int):
    """One session: candidates, results and item flags (base admin)."""
    org, exam_session = session_scope(org_id, session_id, MANAGE)
    return render_template("exams/base/report.html", org=org, s=exam_session,
                           report=reports.session_report(db(), exam_session))


EXPORT_LABELS = {"ticket": _l("准考证号"), "name": _l("姓名"), "checked_in": _l("已签到"), "status": _l("状态"),
                 "score": _l("成绩"), "passed": _l("合格"), "submitted_by": _l("交卷方式"), "question": _l("题目版本"),
                 "stem": _l("题干"), "seen_by": _l("作答人数"), "facility": _l("难度（得分率）"),
                 "discrimination": _l("区分度"), "flags": _l("标记")}
SHEET_TITLES = {"candidates": _l("考生"), "items": _l("题目分析")}


@bp.get("/orgs/<int:org_id>/sessions/<int:session_id>/report.<file_format>")
@login_required
def export_report(org_id: int, session_id: int, file_format: str):
    """The session report as CSV (``?sheet=candidates|items``) or XLSX (both sheets); audit-logged (base admin)."""
    _org, exam_session = session_scope(org_id, session_id, MANAGE)
    if file_format not in ("csv", "xlsx"):
        raise NotFound()
    report = reports.session_report(db(), exam_session)
    tables = reports.report_tables(report, {k: str(v) for k, v in EXPORT_LABELS.items()})
    if file_format == "csv":
        sheet = request.args.get("sheet", "candidates")
        rows = tables.get(sheet) or found(None)
        body, mime = reports.to_csv(rows), "text/csv; charset=utf-8"
    else:
        rows = [r for t in tables.values() for r in t]
        body = reports.to_xlsx(tables, {k: str(v) for k, v in SHEET_TITLES.items()})
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with transaction(db()):
        reports.record_export(db(), exam_session=exam_session, actor_id=current_user.id, file_format=file_format,
                              rows=len(rows) - 1, now=utcnow(), ip=client_ip())
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="session-{exam_session.id}.{file_format}"',
        "Cache-Control": "private, no-store"})
