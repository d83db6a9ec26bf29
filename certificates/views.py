"""Certificate pages: public verification, enterprise bulk checks, the worker's wallet, lifecycle, JWKS.

Public pages answer *not found* alike for an unknown serial and for a known one without its token, so
serials cannot be enumerated; every public endpoint is rate-limited per IP.
"""

from __future__ import annotations

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from certificates import access, bulkfile, credentials, keys, lifecycle, queries, serials, verification
from certificates.config import config_from
from certificates.forms import ACTIONS, BulkForm, IdCheckForm, LifecycleForm
from certificates.issuance import sweep_issuance
from certificates.pdf import qr_svg, verify_url
from certificates.serials import SerialInvalid
from certificates.status import PublicStatus
from certificates.storage import bulk_result_path, store_bulk_result
from certificates.webutil import cert_config, download_pdf, managed_org, user_or_none
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.identity import IdentifierInvalid
from core.memo import BoundedCache
from core.models import Organisation, User
from core.web import cipher, client_ip, db, limiter, lookup_db, roles_required_page, select_locale

bp = Blueprint("certificates", __name__, template_folder="templates", static_folder="static",
               static_url_path="/certificates/static")

VERIFY_LIMIT = "60 per minute; 1000 per day"
# Rendered verification pages, keyed by everything they show (see ``verify``); ~3 KB each, per process.
_pages: BoundedCache[str] = BoundedCache(4096)
CSRF_HOLE = "__csrf_token_of_this_visitor__"
ID_CHECK_LIMIT = "10 per minute; 100 per day"  # per IP; and 20 a day per certificate, whoever asks


@bp.record_once
def _configure(setup_state) -> None:
    app = setup_state.app
    app.extensions["certificates"] = config_from(app.extensions["prefabskills"].settings)


def _not_found(message: str | None = None):
    """The one answer for a typo, an unknown serial and a missing or wrong token (no enumeration oracle)."""
    show_login = not current_user.is_authenticated
    page = render_template("certificates/verify_missing.html", message=message, show_login=show_login)
    return make_response(page, 404)


# -- public verification -----------------------------------------------------------------------------------------

@bp.get("/verify")
def lookup():
    """Verify by typing a serial (enterprise accounts); everyone else is told to scan the QR code."""
    serial = (request.args.get("serial") or "").strip()
    if serial:
        return redirect(url_for("certificates.verify", serial=serial))
    return render_template("certificates/lookup.html", may_look_up=access.may_look_up_by_serial(user_or_none()))


def _verifiable(serial: str):
    """(certificate as a read-only row, token) the viewer may see, or raise the answer: a typo or not found (404).
    Read on the primary (never a lagging replica: a revocation shows on the next scan) in point reads, which
    neither queue for SQLite's write lock nor pay PostgreSQL's BEGIN and ROLLBACK."""
    token = request.values.get("t")
    try:
        cert = verification.find_public_row(lookup_db(), serial)
    except SerialInvalid as exc:
        abort(_not_found(exc.message))
    # The QR link's token decides alone: a scanning phone's request never loads an account (Flask-Login).
    if cert is None or not (access.token_matches(cert, token)
                            or access.may_view(cert, user=user_or_none(), key=None, token=None)):
        abort(_not_found())
    return cert, token


@bp.get("/verify/<serial>")
@limiter.limit(VERIFY_LIMIT)
def verify(serial: str):
    """The page a certificate's QR code opens. 404 for a typo, an unknown serial, or a missing token."""
    cert, token = _verifiable(serial)
    view = verification.public_view(lookup_db(), cert, config=cert_config(), now=utcnow())
    # The page is a function of the view (status and label included), the token and the language; only the
    # visitor's CSRF token differs, so it is rendered once per such key and the token is filled in per request.
    page = _pages.get((view, token, str(get_locale())), lambda: render_template(
        "certificates/verify.html", v=view, token=token, form=None, csrf=CSRF_HOLE, match=None))
    return _live(page.replace(CSRF_HOLE, generate_csrf(), 1))


def _per_certificate(scope: str) -> str:
    """Rate-limit bucket per certificate, whatever the IP: the serial as typed, normalised."""
    return f"{scope}:{serials.normalize((request.view_args or {}).get('serial', ''))}"


def _live(page: str):
    """Status is live and the link is a capability: no cache may keep the answer."""
    resp = make_response(page)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


@bp.post("/verify/<serial>/id-check")
@limiter.limit(ID_CHECK_LIMIT)
@limiter.limit("20 per day", key_func=lambda: _per_certificate("id-check"))
def id_check(serial: str):
    """Does a typed ID number match the holder's? Only yes or no; the number is neither shown nor logged."""
    cert, token = _verifiable(serial)
    form = IdCheckForm()
    match = None
    if form.validate_on_submit():
        try:
            match = verification.id_number_matches(cipher(), verification.holder_id_hash(lookup_db(), cert),
                                                   form.id_number.data, today=utcnow().date())
        except IdentifierInvalid as exc:
            form.id_number.errors = [exc.message]
    form.id_number.data = ""  # never echo the number back into the page
    view = verification.public_view(lookup_db(), cert, config=cert_config(), now=utcnow())
    return _live(render_template("certificates/verify.html", v=view, token=token, form=form, csrf=generate_csrf(),
                                 match=match))


# -- keys and status, public -------------------------------------------------------------------------------------

def _ensure_key() -> None:
    config = cert_config()
    keys.ensure_active(config.signing_dir, now=utcnow(), may_create=not config.is_production)


@bp.get("/.well-known/jwks.json")
@limiter.limit("600 per minute")
def jwks():
    """Every credential public key, with its kid (old keys stay so old credentials keep verifying)."""
    _ensure_key()
    resp = current_app.response_class(current_app.json.dumps(keys.jwks(cert_config().signing_dir)),
                                      mimetype="application/jwk-set+json")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/issuer")
@limiter.limit("600 per minute")
def issuer():
    """The issuer profile (Open Badges ``Profile``) with the keys as Multikey verification methods."""
    _ensure_key()
    return current_app.response_class(current_app.json.dumps(credentials.issuer_profile(cert_config())),
                                      mimetype="application/ld+json")


@bp.get("/credentials/status/<int:list_number>")
@limiter.limit("600 per minute")
def status_list(list_number: int):
    """The revocation Bitstring Status List, computed from the current states and signed on each request."""
    if not 1 <= list_number <= queries.last_list_number(db()):
        raise NotFound()
    now = utcnow()
    document = credentials.status_list_credential(
        cert_config(), list_number=list_number, revoked_ids=queries.revoked_ids(db(), list_number), now=now)
    resp = current_app.response_class(current_app.json.dumps(document), mimetype="application/vc+ld+json")
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


# -- enterprise bulk verification --------------------------------------------------------------------------------

@bp.route("/verify/bulk", methods=["GET", "POST"])
@roles_required_page(lambda u: bool(access.enterprise_org_ids(u)))
@limiter.limit("30 per hour", methods=["POST"])
def bulk():
    """Upload a crew list (CSV or XLSX): a result table and a result file; every run is audit-logged."""
    org_ids = sorted(access.enterprise_org_ids(current_user))
    form = BulkForm(org=org_ids[0])  # one enterprise (the usual case): no need to choose
    form.org.choices = [(i, db().get(Organisation, i).name) for i in org_ids]
    results = download = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            items = bulkfile.read_file(upload.filename or "", upload.read(bulkfile.MAX_BYTES + 1))
        except DomainError as exc:
            form.file.errors = [exc.message]
        else:
            with transaction(db()):
                results = verification.bulk_verify(db(), cipher=cipher(), items=items, config=cert_config(),
                                                   actor_id=current_user.id, org_id=form.org.data, channel="upload",
                                                   now=utcnow(), ip=client_ip())
            download = store_bulk_result(cert_config(), form.org.data, bulkfile.result_csv(results))
    return render_template("certificates/bulk.html", form=form, results=results, download=download,
                           shown=(results or [])[:1000], good={PublicStatus.VALID, PublicStatus.EXPIRING})


@bp.get("/verify/bulk/result")
@roles_required_page(lambda u: bool(access.enterprise_org_ids(u)))
def bulk_result():
    """The result file of a bulk check, for the enterprise that ran it (404 for anyone else)."""
    path = bulk_result_path(cert_config(), access.enterprise_org_ids(current_user), request.args.get("id", ""))
    if path is None:
        raise NotFound()
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"核验结果-{utcnow():%Y%m%d-%H%M}.csv")


# -- the worker's wallet -----------------------------------------------------------------------------------------

@bp.get("/me/certificates")
@login_required
def wallet():
    """My certificates: status, QR for the gate, PDF."""
    now, config = utcnow(), cert_config()
    certs = queries.certificates_of(db(), current_user.id)
    views = [(c, verification.public_view(db(), c, config=config, now=now)) for c in certs]
    return render_template("certificates/wallet.html", items=views)


def _own(serial: str):
    cert = queries.own_certificate(db(), current_user, serial)
    if cert is None:
        raise NotFound()
    return cert


@bp.get("/me/certificates/<serial>")
@login_required
def wallet_detail(serial: str):
    """One of my certificates with its QR code; another holder's serial answers 404."""
    cert = _own(serial)
    view = verification.public_view(db(), cert, config=cert_config(), now=utcnow())
    return render_template("certificates/wallet_detail.html", cert=cert, v=view,
                           qr=qr_svg(verify_url(cert_config(), cert), scale=5))


@bp.get("/me/certificates/<serial>/qr")
@login_required
def wallet_qr(serial: str):
    """The QR code full-screen, for the site gate."""
    cert = _own(serial)
    view = verification.public_view(db(), cert, config=cert_config(), now=utcnow())
    return render_template("certificates/wallet_qr.html", v=view,
                           qr=qr_svg(verify_url(cert_config(), cert), scale=8))


@bp.get("/me/certificates/<serial>/certificate.pdf")
@login_required
def wallet_pdf(serial: str):
    """The signed PDF (rendered on first download, then served from storage)."""
    return download_pdf(_own(serial), cert_config())


# -- lifecycle, for the issuing base -----------------------------------------------------------------------------

@bp.get("/orgs/<int:org_id>/certificates")
@login_required
def manage_list(org_id: int):
    """The base's certificates. 404 for another organisation, 403 for a member who is not base_admin."""
    org = managed_org(org_id)
    q, state = request.args.get("q", ""), request.args.get("state", "")
    certs = queries.certificates_of_org(db(), org, q=q, state=state, before_id=request.args.get("before", type=int))
    now, config = utcnow(), cert_config()
    return render_template("certificates/manage_list.html", org=org, q=q, state=state,
                           items=[(c, verification.public_view(db(), c, config=config, now=now)) for c in certs],
                           page=queries.PAGE)


def _managed_certificate(org_id: int, serial: str):
    org = managed_org(org_id)
    cert = queries.certificate_of_org(db(), org, serial)
    if cert is None or not access.may_manage(cert, current_user):
        raise NotFound()
    return org, cert


@bp.route("/orgs/<int:org_id>/certificates/<serial>", methods=["GET", "POST"])
@login_required
def manage_detail(org_id: int, serial: str):
    """Suspend, reinstate, revoke (with a reason), renew, re-issue after a name correction; all audit-logged."""
    org, cert = _managed_certificate(org_id, serial)
    form = LifecycleForm()
    if form.validate_on_submit() and form.action.data in ACTIONS:
        try:
            with transaction(db()):
                new = _apply(form.action.data, cert, form.reason.data or "")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("已完成：%(serial)s", serial=(new or cert).serial), "success")
            return redirect(url_for("certificates.manage_detail", org_id=org.id, serial=(new or cert).serial))
    view = verification.public_view(db(), cert, config=cert_config(), now=utcnow())
    return render_template("certificates/manage_detail.html", org=org, cert=cert, v=view, form=form,
                           account_name=db().get(User, cert.holder_id).name)


def _apply(action: str, cert, reason: str):
    now, actor, config = utcnow(), current_user.id, cert_config()
    if action == "suspend":
        return lifecycle.suspend_certificate(db(), certificate=cert, actor_id=actor, reason=reason, now=now)
    if action == "reinstate":
        return lifecycle.reinstate_certificate(db(), certificate=cert, actor_id=actor, reason=reason, now=now)
    if action == "revoke":
        return lifecycle.revoke_certificate(db(), certificate=cert, actor_id=actor, reason=reason, now=now)
    if action == "renew":
        return lifecycle.renew_certificate(db(), certificate=cert, actor_id=actor, config=config, now=now)
    return lifecycle.reissue_certificate(db(), certificate=cert, actor_id=actor, reason=reason, config=config, now=now)


@bp.get("/orgs/<int:org_id>/certificates/<serial>/certificate.pdf")
@login_required
def manage_pdf(org_id: int, serial: str):
    """The signed PDF for printing by the issuing base."""
    _org, cert = _managed_certificate(org_id, serial)
    return download_pdf(cert, cert_config())


# -- command line --------------------------------------------------------------------------------------------------

@bp.cli.command("rotate-key")
def rotate_key_command() -> None:
    """Create a new credential signing key and make it active (old keys keep verifying)."""
    kid = keys.rotate(cert_config().signing_dir, now=utcnow())
    click.echo(f"active credential key: {kid}")


@bp.cli.command("sweep")
def sweep_command() -> None:
    """Issue certificates for every passed assessment and completed course now (what the job does)."""
    with transaction(db()):
        report = sweep_issuance(db(), config=cert_config(), now=utcnow())
    click.echo(f"issued {len(report.issued)}, waiting for review {len(report.pending_review)}")


@bp.app_template_filter("cert_date")
def cert_date(day) -> str:
    """``2026年3月2日`` (Chinese UI) or ``2026-03-02``."""
    if not day:
        return ""
    return f"{day.year}年{day.month}月{day.day}日" if select_locale().startswith("zh") else day.isoformat()
