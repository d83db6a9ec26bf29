"""The ``bases`` blueprint and its scoping helpers: 404 for another tenant's objects, 403 for a member
of the base who lacks the role (DESIGN.md §7)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, render_template
from flask_login import current_user

from core.access import check_org_access
from core.errors import DomainError, NotFound
from core.models import Organisation, OrgKind, Role
from core.web import db
from exams import base_queries, tickets
from exams.models import ExamSession

bp = Blueprint("bases", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/bases")

MANAGE = (Role.BASE_ADMIN,)
DOOR = (Role.BASE_ADMIN, Role.INVIGILATOR)
STAFF = (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER)


def base_scope(org_id: int, roles: tuple[Role, ...]) -> Organisation:
    org = db().get(Organisation, org_id)
    if org is None or org.kind != OrgKind.TRAINING_BASE:
        raise NotFound()
    check_org_access(current_user, org.id)
    check_org_access(current_user, org.id, *roles)
    return org


def session_scope(org_id: int, session_id: int, roles: tuple[Role, ...]) -> tuple[Organisation, ExamSession]:
    """The base and its session; a session of another base is 404 even to a member of this one."""
    org = db().get(Organisation, org_id)
    if org is None or org.kind != OrgKind.TRAINING_BASE:
        raise NotFound()
    check_org_access(current_user, org.id)
    exam_session = base_queries.session_in_org(db(), org.id, session_id)
    if exam_session is None:
        raise NotFound()
    check_org_access(current_user, org.id, *roles)
    return org, exam_session


def found(obj):
    if obj is None:
        raise NotFound()
    return obj


def attach(form, exc: DomainError) -> None:
    """Show a domain error on the field it names, or as a page message."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def flash_form_errors(form) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for err in errors:
            flash(f"{label}：{err}", "error")


def ticket_pdf(registration) -> Response:
    """The admission ticket as a PDF download; 404 while waitlisted or after cancellation."""
    exam_session = db().get(ExamSession, registration.session_id)
    org = db().get(Organisation, exam_session.org_id)
    ticket = tickets.ticket_of(db(), registration, org.name)
    if ticket is None:
        raise NotFound()
    pdf = tickets.render_pdf(render_template("exams/base/ticket_pdf.html", t=ticket))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="ticket-{ticket.number}.pdf"', "Cache-Control": "private, no-store"})
