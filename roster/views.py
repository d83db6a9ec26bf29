"""Talent roster pages: search (committee: all workers; enterprise HR: its own workers), ID-number lookup,
one worker's record. Only masked ID numbers are shown; a lookup by full ID number is a POST (the number
never appears in a URL or a log) and is audited."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from certificates.queries import certificates_of
from certificates.status import public_status, status_label
from certificates.webutil import cert_config
from core.clock import utcnow
from core.db import transaction
from core.errors import ValidationFailed
from core.web import cipher, client_ip, db, roles_required_page
from roster import search
from roster.access import may_use_roster, roster_scope

bp = Blueprint("roster", __name__, template_folder="templates")


def _page(filters, page, *, error: str = "", lookup: bool = False):
    return render_template("roster/search.html", filters=filters, page=page, error=error, lookup=lookup,
                           statuses=search.STATUSES, args=request.args)


@bp.get("/roster")
@roles_required_page(may_use_roster)
def index():
    """Search form and one page of results; a bad filter value shows a message (no 500)."""
    scope = roster_scope(current_user)
    try:
        filters, after = search.parse_filters(request.args)
    except ValidationFailed as exc:
        return _page(search.RosterFilters(), search.RosterPage([], None), error=exc.message), 422
    return _page(filters, search.search_roster(db(), filters, scope=scope, now=utcnow(), after=after))


@bp.post("/roster/lookup")
@roles_required_page(may_use_roster)
def lookup():
    """Exact lookup by ID number (audited, found or not); shows at most the one entry in the caller's scope."""
    scope = roster_scope(current_user)
    try:
        with transaction(db()):
            entry = search.lookup_by_id_number(db(), cipher(), request.form.get("id_number", ""),
                                               actor=current_user, scope=scope, now=utcnow(), ip=client_ip())
    except ValidationFailed as exc:
        return _page(search.RosterFilters(), search.RosterPage([], None), error=exc.message, lookup=True), 422
    error = "" if entry else _("未找到该身份证号对应的人员。")
    return _page(search.RosterFilters(), search.RosterPage([entry] if entry else [], None), error=error, lookup=True)


@bp.get("/roster/<int:user_id>")
@roles_required_page(may_use_roster)
def record(user_id: int):
    """One worker's record: certificates (current status), placings, employer; 404 outside the caller's scope."""
    entry = search.visible_entry(db(), user_id, scope=roster_scope(current_user))
    if entry is None:
        abort(404)
    now, config = utcnow(), cert_config()
    certs = [(c, status_label(public_status(c.state, config.policy(c.kind), c.expires_at, now)))
             for c in certificates_of(db(), user_id)]
    return render_template("roster/record.html", entry=entry, certs=certs)
