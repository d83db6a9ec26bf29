"""Talent roster pages: search (committee: all workers; enterprise HR: its own workers), ID-number lookup,
one worker's record; and the special-trade cards a training base enters (base admin of that base; 404 for
anyone outside it). Only masked ID numbers are shown; a full ID number only travels in a POST body (never
in a URL or a log), and lookups and card entries are audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from certificates.queries import certificates_of
from certificates.status import public_status, status_label
from certificates.webutil import cert_config
from core.access import check_org_access, is_platform_admin, org_ids_with
from core.clock import utcnow
from core.db import transaction
from core.errors import NotFound, ValidationFailed
from core.models import Organisation, OrgKind, Role
from core.views import ACCOUNT_LINKS
from core.web import cipher, client_ip, db, replica_db, roles_required_page
from roster import card_file, cards, eligibility, search
from roster.access import may_use_roster, roster_scope

bp = Blueprint("roster", __name__, template_folder="templates")

ACCOUNT_LINKS.append((_l("特种作业操作证登记"), "roster.trade_card_bases"))
CARD_FIELDS = ("name", "id_number", "trade_name", "card_number", "authority", "issued_on", "expires_on")


def _page(filters, page, *, error: str = "", lookup: bool = False):
    rules = eligibility.current_rules()
    return render_template("roster/search.html", filters=filters, page=page, error=error, lookup=lookup,
                           statuses=search.STATUSES, args=request.args, bases=cards.training_bases(db()),
                           flags=[(code, eligibility.flag_label(code)) for code in rules.flag_codes],
                           flag_label=eligibility.flag_label)


@bp.get("/roster")
@roles_required_page(may_use_roster)
def index():
    """Search form and one page of results; a bad filter value shows a message (no 500)."""
    scope = roster_scope(current_user)
    try:
        filters, after = search.parse_filters(request.args)
    except ValidationFailed as exc:
        return _page(search.RosterFilters(), search.RosterPage([], None), error=exc.message), 422
    # The search reads the replica when there is one: the roster is refreshed by a job, so a moment's lag
    # changes nothing the committee could notice.
    return _page(filters, search.search_roster(replica_db(), filters, scope=scope, now=utcnow(), after=after))


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
    """One worker's record: certificates and special-trade cards (current status), training hours, eligibility
    flags with their reasons, placings and titles, employer; 404 outside the caller's scope."""
    entry = search.visible_entry(db(), user_id, scope=roster_scope(current_user))
    if entry is None:
        abort(404)
    now, config = utcnow(), cert_config()
    certs = [(c, status_label(public_status(c.state, config.policy(c.kind), c.expires_at, now)))
             for c in certificates_of(db(), user_id)]
    trade_cards = cards.card_lines(db(), today=cards.local_today(now), user_id=user_id)
    return render_template("roster/record.html", entry=entry, certs=certs, trade_cards=trade_cards,
                           flags=[eligibility.describe(f) for f in entry.flags], award_label=eligibility.award_label)


# -- special-trade cards entered by a training base ---------------------------------------------------------------

def _base_scope(org_id: int) -> Organisation:
    """The training base, for its base admins (and platform admins); 404 for anyone outside it."""
    org = db().get(Organisation, org_id)
    if org is None or org.kind != OrgKind.TRAINING_BASE:
        raise NotFound()
    check_org_access(current_user, org.id, Role.BASE_ADMIN)
    return org


def _cards_page(org: Organisation, *, values: dict | None = None, error: str = "", errors: list[str] | None = None,
                status: int = 200):
    now = utcnow()
    html = render_template("roster/cards/list.html", org=org, values=values or {}, error=error, errors=errors or [],
                           lines=cards.card_lines(db(), today=cards.local_today(now), base_org_id=org.id),
                           total=cards.card_count(db(), org.id), authorities=cards.authorities(db()),
                           labels=card_file.LABELS, max_rows=card_file.MAX_ROWS)
    return html, status


@bp.get("/trade-cards")
@roles_required_page(lambda user: bool(org_ids_with(user, (Role.BASE_ADMIN,))))
def trade_card_bases():
    """The bases the user administers; straight to the cards page when there is only one."""
    bases = cards.training_bases(db(), org_ids_with(current_user, (Role.BASE_ADMIN,)))
    if len(bases) == 1:
        return redirect(url_for("roster.trade_cards", org_id=bases[0].id))
    return render_template("roster/cards/bases.html", bases=bases)


@bp.route("/orgs/<int:org_id>/trade-cards", methods=["GET", "POST"])
@login_required
def trade_cards(org_id: int):
    """The cards the base entered and a form to enter one for a registered worker (ID number and name must
    match); a bad value re-renders the form with the message (422). Base admin; 404 outside the base."""
    org = _base_scope(org_id)
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in CARD_FIELDS}
        try:
            with transaction(db()):
                card = cards.add_card(db(), cipher(), values, base_org_id=org.id, actor_id=current_user.id,
                                      now=utcnow(), ip=client_ip())
        except ValidationFailed as exc:
            values["id_number"] = ""  # never echo a full ID number back into the page
            field = card_file.LABELS.get(exc.field or "", "")
            return _cards_page(org, values=values, error=f"{field}：{exc.message}" if field else exc.message,
                               status=422)
        flash(_("已登记特种作业操作证 %(n)s，有效期至 %(d)s。", n=card.card_number, d=card.expires_on), "success")
        return redirect(url_for("roster.trade_cards", org_id=org.id))
    return _cards_page(org)


@bp.post("/orgs/<int:org_id>/trade-cards/import")
@login_required
def trade_card_import(org_id: int):
    """Import a CSV or XLSX card list: all rows or none; a refused file lists the bad rows (422)."""
    org = _base_scope(org_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _cards_page(org, error=_("请选择要上传的文件。"), status=422)
    try:
        rows = card_file.read_card_file(upload.filename, upload.read(card_file.MAX_BYTES + 1))
        with transaction(db()):
            imported = cards.import_cards(db(), cipher(), rows, base_org_id=org.id, actor_id=current_user.id,
                                          now=utcnow(), ip=client_ip())
    except cards.CardImportFailed as exc:
        return _cards_page(org, error=_("文件未导入，请改正以下各行后重新上传："), errors=exc.errors, status=422)
    except ValidationFailed as exc:
        return _cards_page(org, error=exc.message, status=422)
    flash(_("已导入 %(n)d 张特种作业操作证。", n=len(imported)), "success")
    return redirect(url_for("roster.trade_cards", org_id=org.id))


@bp.route("/trade-card-authorities", methods=["GET", "POST"])
@roles_required_page(is_platform_admin)
def trade_authorities():
    """Issuing authorities and their validity rules (platform admin): add one, or change a rule by name."""
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in cards.AUTHORITY_FIELDS}
        try:
            with transaction(db()):
                authority = cards.save_authority(db(), values, actor_id=current_user.id, now=utcnow())
        except ValidationFailed as exc:
            label = cards.AUTHORITY_FIELDS.get(exc.field or "")
            return render_template("roster/cards/authorities.html", authorities=cards.authorities(db()),
                                   values=values, labels=cards.AUTHORITY_FIELDS,
                                   error=f"{label}：{exc.message}" if label else exc.message), 422
        flash(_("已保存发证机关 %(n)s 的有效期规则。", n=authority.name), "success")
        return redirect(url_for("roster.trade_authorities"))
    return render_template("roster/cards/authorities.html", authorities=cards.authorities(db()), values=values,
                           labels=cards.AUTHORITY_FIELDS, error="")
