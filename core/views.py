"""Core HTML pages: home, register, login, logout, password, language, health, admin of organisations."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import text

from core import accounts, apikeys, orgs, queries
from core.access import ROLES_BY_KIND, can_manage_org, check_org_access, is_platform_admin
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, Forbidden, NotFound
from core.forms import (
    ORG_KIND_LABELS,
    ROLE_LABELS,
    ApiKeyForm,
    ConfirmForm,
    LoginForm,
    OrgForm,
    PasswordForm,
    RegisterForm,
    StaffForm,
)
from core.jobs import scheduler_health
from core.models import ApiKey, Membership, Organisation, OrgKind
from core.web import attach_error, cipher, client_ip, db, limiter, roles_required_page

bp = Blueprint("core", __name__)


def _safe_next(default: str) -> str:
    target = request.args.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.get("/")
def home():
    return render_template("core/home.html")


# (label, endpoint) shown on the account page when the endpoint exists; packages append to it.
ACCOUNT_LINKS: list[tuple[object, str]] = [
    (_l("我的课程"), "lms.my_courses"),
    (_l("我的考试"), "exams.my_exams"),
    (_l("我的证书"), "certificates.wallet"),
    (_l("机构管理"), "core.admin_orgs"),
]


@bp.get("/account")
@login_required
def account():
    return render_template("core/account.html", roles=ROLE_LABELS, confirm=ConfirmForm(),
                           account_links=ACCOUNT_LINKS)


@bp.get("/healthz")
def healthz():
    """Database reachability; 503 when the database does not answer."""
    try:
        db().execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour; 3 per minute", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                user = accounts.register_worker(
                    db(), cipher=cipher(), phone=form.phone.data, password=form.password.data,
                    name=form.name.data, id_number=form.id_number.data, consent=bool(form.consent.data),
                    now=utcnow(), ip=client_ip())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            session.clear()
            login_user(user)
            flash(_("注册成功，欢迎加入！"), "success")
            return redirect(url_for("core.home"))
    return render_template("core/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with transaction(db()):  # commits failures too: they count towards the back-off
            outcome = accounts.authenticate(db(), cipher=cipher(), phone=form.phone.data,
                                            password=form.password.data, now=utcnow(), ip=client_ip())
        if outcome.user is not None:
            session.clear()  # no session fixation: a fresh session after login
            login_user(outcome.user)
            return redirect(_safe_next(url_for("core.home")))
        flash(outcome.error.message, "error")
    return render_template("core/login.html", form=form), 401 if request.method == "POST" else 200


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("core.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            with transaction(db()):
                accounts.change_password(db(), user=current_user, old_password=form.old_password.data,
                                         new_password=form.new_password.data, now=utcnow(), cipher=cipher(),
                                         ip=client_ip())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            login_user(current_user)  # re-issue the session with the new auth version
            flash(_("密码已修改。"), "success")
            return redirect(url_for("core.home"))
    return render_template("core/password.html", form=form)


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so its scope covers the whole app."""
    resp = current_app.send_static_file("sw.js")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/offline")
def offline():
    return render_template("core/offline.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    resp = redirect(_safe_next(url_for("core.home")))
    if code in ("zh_Hans_CN", "en"):
        resp.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax")
    return resp


# -- administration -------------------------------------------------------------------------------------------

def _manageable(org_id: int) -> Organisation:
    """The organisation if the current user administers it; 404 for other tenants, 403 for plain members."""
    org = db().get(Organisation, org_id)
    if org is None:
        raise NotFound()
    check_org_access(current_user, org.id)
    if not can_manage_org(current_user, org.id, OrgKind(org.kind)):
        raise Forbidden()
    return org


@bp.route("/admin/orgs", methods=["GET", "POST"])
@roles_required_page(lambda u: bool(queries.organisations_managed_by(db(), u)))
def admin_orgs():
    form = OrgForm()
    if request.method == "POST":
        if not is_platform_admin(current_user):
            return render_template("core/error.html", status=403, message=_("您没有权限执行此操作。")), 403
        if form.validate_on_submit():
            try:
                with transaction(db()):
                    org = orgs.create_organisation(db(), actor_id=current_user.id, kind=form.kind.data,
                                                   name=form.name.data, region=form.region.data, now=utcnow())
            except DomainError as exc:
                attach_error(form, exc)
            else:
                flash(_("已创建机构：%(name)s", name=org.name), "success")
                return redirect(url_for("core.admin_org", org_id=org.id))
    health = scheduler_health(db(), now=utcnow())
    return render_template("core/admin_orgs.html", form=form, orgs=queries.organisations_managed_by(db(), current_user),
                           kinds=ORG_KIND_LABELS, health=health, can_create=is_platform_admin(current_user))


@bp.route("/admin/orgs/<int:org_id>", methods=["GET", "POST"])
@login_required
def admin_org(org_id: int):
    """Staff and keys of one organisation. 404 for another tenant's organisation, 403 for non-admins."""
    org = _manageable(org_id)
    form = StaffForm()
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in ROLES_BY_KIND[OrgKind(org.kind)]]
    new_password = None
    if form.validate_on_submit():
        try:
            with transaction(db()):
                user, new_password = orgs.add_staff(db(), actor_id=current_user.id, org=org, cipher=cipher(),
                                                    name=form.name.data, phone=form.phone.data,
                                                    role=form.role.data, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("已为 %(name)s 授予角色。", name=user.name), "success")
            if not new_password:
                return redirect(url_for("core.admin_org", org_id=org.id))
    return render_template("core/admin_org.html", org=org, form=form, members=queries.members_of(db(), org.id),
                           keys=queries.keys_of(db(), org.id), key_form=ApiKeyForm(prefix="key"),
                           confirm=ConfirmForm(), roles=ROLE_LABELS, kinds=ORG_KIND_LABELS,
                           new_password=new_password)


@bp.post("/admin/orgs/<int:org_id>/memberships/<int:membership_id>/revoke")
@login_required
def revoke_membership(org_id: int, membership_id: int):
    org = _manageable(org_id)
    membership = db().get(Membership, membership_id)
    if membership is None or membership.org_id != org.id:
        raise NotFound()
    if ConfirmForm().validate_on_submit():
        with transaction(db()):
            orgs.revoke_role(db(), actor_id=current_user.id, membership=membership, now=utcnow())
        flash(_("已撤销角色。"), "success")
    return redirect(url_for("core.admin_org", org_id=org.id))


@bp.post("/admin/orgs/<int:org_id>/keys")
@login_required
def create_key(org_id: int):
    """Create an enterprise API key; the key is shown once on the page that answers."""
    org = _manageable(org_id)
    form = ApiKeyForm(prefix="key")
    secret = None
    if form.validate_on_submit():
        try:
            with transaction(db()):
                _key, secret = apikeys.create_api_key(db(), actor_id=current_user.id, org=org,
                                                      name=form.name.data, scopes=["verify"], now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
    staff_form = StaffForm()
    staff_form.role.choices = [(r.value, ROLE_LABELS[r]) for r in ROLES_BY_KIND[OrgKind(org.kind)]]
    return render_template("core/admin_org.html", org=org, form=staff_form, members=queries.members_of(db(), org.id),
                           keys=queries.keys_of(db(), org.id), key_form=ApiKeyForm(prefix="key"),
                           confirm=ConfirmForm(), roles=ROLE_LABELS, kinds=ORG_KIND_LABELS,
                           new_key=secret, new_password=None)


@bp.post("/admin/orgs/<int:org_id>/keys/<int:key_id>/revoke")
@login_required
def revoke_key(org_id: int, key_id: int):
    org = _manageable(org_id)
    key = db().get(ApiKey, key_id)
    if key is None or key.org_id != org.id:
        raise NotFound()
    if ConfirmForm().validate_on_submit():
        with transaction(db()):
            apikeys.revoke_api_key(db(), actor_id=current_user.id, key=key, now=utcnow())
        flash(_("密钥已撤销。"), "success")
    return redirect(url_for("core.admin_org", org_id=org.id))
