"""The worker's side of exam days: my registrations with tickets, the waiting list, cancellation.

A registration of someone else is 404. Joining a waiting list is open to every worker, like registering.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError
from core.forms import ConfirmForm
from core.views import ACCOUNT_LINKS
from core.web import db
from exams import base_queries, waitlist
from exams.base_blueprint import bp, found, ticket_pdf
from exams.models import RegistrationStatus
from exams.rules.tickets import display

ACCOUNT_LINKS.append((_l("报名与准考证"), "bases.my_registrations"))


@bp.get("/exams/registrations")
@login_required
def my_registrations():
    """Seats with their ticket, waiting-list places with their position, and full sessions to queue for."""
    now = utcnow()
    return render_template("exams/base/my_registrations.html", now=now, display=display, confirm=ConfirmForm(),
                           rows=base_queries.my_registrations(db(), current_user.id, now=now),
                           full=base_queries.full_open_sessions(db(), now=now, user_id=current_user.id))


@bp.post("/exams/sessions/<int:session_id>/waitlist")
@login_required
def join_waitlist(session_id: int):
    """Join the waiting list of a full session (registers at once when a seat is free)."""
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                registration = waitlist.join_waitlist(db(), exam_session_id=session_id, candidate=current_user,
                                                      now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("报名成功。") if registration.status == RegistrationStatus.REGISTERED
                  else _("已加入候补名单。有人取消时将按顺序自动递补，并通知您。"), "success")
    return redirect(url_for("bases.my_registrations"))


@bp.post("/exams/registrations/<int:registration_id>/cancel")
@login_required
def cancel(registration_id: int):
    """Cancel one's own registration or waiting-list place until the cut-off."""
    registration = found(base_queries.own_registration(db(), current_user.id, registration_id))
    if ConfirmForm().validate_on_submit():
        try:
            with transaction(db()):
                waitlist.cancel_registration(db(), registration_id=registration.id, actor_id=current_user.id,
                                             now=utcnow())
            flash(_("已取消报名。"), "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("bases.my_registrations"))


@bp.get("/exams/registrations/<int:registration_id>/ticket.pdf")
@login_required
def my_ticket(registration_id: int):
    """My admission ticket (PDF); 404 for someone else's, a waiting-list place or a cancelled one."""
    return ticket_pdf(found(base_queries.own_registration(db(), current_user.id, registration_id)))
