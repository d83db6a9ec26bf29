"""Flask glue: the per-app state, the request session, login, CSRF, rate limits, locale, headers, errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core import apikeys
from core.clock import utcnow
from core.crypto import PiiCipher
from core.db import make_engine, make_session_factory, transaction
from core.errors import DomainError
from core.i18n import DEFAULT_LOCALE, LOCALES
from core.models import User
from core.settings import Settings

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
babel = Babel()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; manifest-src 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cipher: PiiCipher
    # Reads that may lag the primary by a moment (roster search, statistics, exports): the read replica when
    # PREFABSKILLS_DATABASE_REPLICA_URL is set, else read-only sessions on the primary.
    replica_factory: sessionmaker[Session] | None = None
    # Point reads on the primary that must never lag (a verification, an API key): autocommit on PostgreSQL,
    # a deferred (non-locking) transaction on SQLite.
    lookup_factory: sessionmaker[Session] | None = None


def state() -> AppState:
    return current_app.extensions["prefabskills"]


def db() -> Session:
    """The request's session; ``core.db.transaction(db())`` commits it once."""
    if "db" not in g:
        g.db = state().session_factory()
    return g.db


def replica_db() -> Session:
    """A read-only session for reads that may lag the primary a little (never for a page that then writes)."""
    if "replica_db" not in g:
        g.replica_db = state().replica_factory()
    return g.replica_db


def lookup_db() -> Session:
    """The request's session for point reads on the primary (see ``AppState.lookup_factory``); never writes."""
    if "lookup_db" not in g:
        g.lookup_db = state().lookup_factory()
    return g.lookup_db


def cipher() -> PiiCipher:
    return state().cipher


def client_ip() -> str:
    return request.remote_addr or ""


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LOCALES:
        return lang
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.locale in LOCALES:
        return user.locale
    return DEFAULT_LOCALE


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` for database ids: 0 … 2³¹−1, so an absurd id is a 404, never an overflow in the database."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_web(app: Flask, settings: Settings) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    engine = make_engine(settings.database_url)
    replica = make_engine(settings.database_replica_url) if settings.database_replica_url else engine
    app.extensions["prefabskills"] = AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        cipher=PiiCipher(settings.pii_keys, settings.pii_active_key_id, settings.pii_hash_key),
        replica_factory=make_session_factory(replica, readonly=True),
        lookup_factory=make_session_factory(engine, point_reads=True),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a token must not expire mid-exam; it lives as long as the session
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(app.root_path) + "/core/translations",
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    login_manager.init_app(app)
    login_manager.login_view = "core.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_key: str) -> User | None:
        uid, _, version = user_key.partition(":")
        user = db().get(User, int(uid)) if uid.isdigit() else None
        if user is None or not user.is_active or str(user.auth_version) != version:
            return None
        return user

    @app.teardown_appcontext
    def _close_session(_exc) -> None:
        for name in ("db", "replica_db", "lookup_db"):
            session = g.pop(name, None)
            if session is not None:
                session.close()
        key_id = g.pop("api_key_used", None)
        if key_id is not None:  # after the request's own session is closed (SQLite: one writer per process)
            with state().session_factory() as session, transaction(session):
                apikeys.record_use(session, key_id, now=utcnow())

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if settings.session_cookie_secure:
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.args.get("lang") in LOCALES:
            resp.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
        return resp

    @app.context_processor
    def _template_globals():
        return {"current_locale": select_locale(), "LOCALES": LOCALES, "has_endpoint": _has_endpoint}

    _register_error_handlers(app)


def _has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, field: str | None = None):
    resp = jsonify({"error": code, "message": message, "field": field})
    resp.status_code = status
    return resp


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited"}


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.field)
        return render_template("core/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = _("页面已过期或来源无效，请刷新后重试。")
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return render_template("core/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        messages = {
            400: _("请求格式不正确。"), 401: _("请先登录。"), 403: _("您没有权限执行此操作。"),
            404: _("页面不存在，或您无权查看。"), 405: _("不支持此请求方法。"),
            413: _("上传的内容太大。"), 429: _("操作太频繁，请稍后再试。"),
        }
        message = messages.get(status, exc.description or "")
        if wants_json():
            return json_error(status, _HTTP_CODES.get(status, "http_error"), message)
        return render_template("core/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = _("服务器出错了，我们会尽快处理。请稍后再试。")
        if wants_json():
            return json_error(500, "server_error", message)
        return render_template("core/error.html", status=500, message=message), 500


def roles_required_page(check):
    """Decorator for HTML views: ``check(user)`` must hold, otherwise 403 (login first if anonymous)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("core.login", next=request.full_path))
            if not check(current_user):
                return render_template("core/error.html", status=403,
                                       message=_("您没有权限执行此操作。")), 403
            return view(*args, **kwargs)

        return wrapper

    return decorate


def attach_error(form, exc: DomainError) -> None:
    """Show a domain error on the form field it names, or as a page message when it names none."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def form_errors_to_flash(form) -> None:
    for field_name, errors in form.errors.items():
        label = getattr(form, field_name).label.text if hasattr(form, field_name) else field_name
        for err in errors:
            flash(f"{label}：{err}", "error")
