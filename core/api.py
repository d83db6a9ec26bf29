"""JSON API v1 glue: bearer/session/API-key auth, body parsing with field errors, OpenAPI generation.

Every package adds its own blueprint under ``/api/v1`` and documents each view with ``@doc``; the
OpenAPI document is generated from the app's URL map, so a route cannot be missing from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, jsonify, request
from flask import session as cookie_session
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Row

from core.apikeys import authenticate_api_key, use_is_stale
from core.clock import utcnow
from core.errors import Forbidden, Unauthorized, ValidationFailed
from core.i18n import lazy
from core.models import User
from core.web import csrf, db, lookup_db, state

API_PREFIX = "/api/v1"
_TOKEN_SALT = "api-token"


# -- bearer tokens -----------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state().settings.secret_key, salt=_TOKEN_SALT)


def issue_token(user: User, *, now: datetime) -> tuple[str, datetime]:
    ttl = state().settings.token_ttl_s
    return _serializer().dumps({"u": user.id, "v": user.auth_version}), now + timedelta(seconds=ttl)


def _user_from_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=state().settings.token_ttl_s)
    except (BadSignature, SignatureExpired):
        return None
    user = db().get(User, data.get("u"))
    if user is None or not user.is_active or user.auth_version != data.get("v"):
        return None
    return user


@dataclass(frozen=True)
class Claim:
    """Who a request says it is, read without a database query: the user id and auth version carried by the
    bearer token or the browser session. A view that takes a ``Claim`` instead of ``require_user()`` must check
    both against the user row in its own query (active, same auth version); the exam answer save does."""

    user_id: int
    auth_version: int


def claimed_caller() -> Claim:
    """The request's claim (bearer token, or the session with its CSRF header); 401 when there is none."""
    token = _bearer()
    data: dict | None = None
    if token and not token.startswith("psk_"):
        try:
            data = _serializer().loads(token, max_age=state().settings.token_ttl_s)
        except (BadSignature, SignatureExpired):
            data = None
    elif token is None:
        uid, _, version = str(cookie_session.get("_user_id", "")).partition(":")
        if uid.isdigit() and version.isdigit():
            if request.method not in {"GET", "HEAD", "OPTIONS"}:
                csrf.protect()
            data = {"u": int(uid), "v": int(version)}
    if not data or not isinstance(data.get("u"), int) or not isinstance(data.get("v"), int):
        raise Unauthorized("unauthorized", str(lazy("请先登录或提供有效的访问令牌。")))
    return Claim(data["u"], data["v"])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def api_user() -> User | None:
    """The caller as a user: bearer token, or the browser session (which then needs the CSRF header)."""
    if "api_user" in g:
        return g.api_user
    user = None
    token = _bearer()
    if token and not token.startswith("psk_"):
        user = _user_from_token(token)
    elif token is None and current_user.is_authenticated:
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            csrf.protect()
        user = current_user._get_current_object()
    g.api_user = user
    return user


def api_key() -> Row | None:
    """The API key's row (see ``core.apikeys.authenticate_api_key``) when the bearer is a live key."""
    token = _bearer()
    if not token or not token.startswith("psk_"):
        return None
    now = utcnow()
    key = authenticate_api_key(lookup_db(), token, now=now)  # a point read: a revoked key fails at once
    if key is not None and use_is_stale(key, now):
        g.api_key_used = key.id  # recorded after the request, in its own transaction (core.web teardown)
    return key


def require_user() -> User:
    user = api_user()
    if user is None:
        raise Unauthorized("unauthorized", str(lazy("请先登录或提供有效的访问令牌。")))
    return user


def require_key_or_user(scope: str) -> tuple[User | None, Row | None]:
    key = api_key()
    if key is not None:
        if scope not in key.scopes:
            raise Forbidden(str(lazy("该密钥无此权限。")))
        return None, key
    if _bearer() and _bearer().startswith("psk_"):
        raise Unauthorized("invalid_key", str(lazy("API 密钥无效或已撤销。")))
    return require_user(), None


# -- request bodies ----------------------------------------------------------------------------------------

_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", float: "number"}


def json_body(fields: dict[str, tuple[type | tuple[type, ...], bool]]) -> dict[str, Any]:
    """Parse the JSON object body against ``{name: (type, required)}``; errors name the field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("invalid_body", str(lazy("请求体必须是 JSON 对象。")), None)
    out: dict[str, Any] = {}
    for name, (kind, required) in fields.items():
        if name not in data or data[name] is None:
            if required:
                raise ValidationFailed("missing_field", str(lazy("缺少字段：%(f)s", f=name)), name)
            continue
        value = data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; JSON true must not pass for an integer field
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = "/".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise ValidationFailed("invalid_type", str(lazy("字段 %(f)s 应为 %(t)s。", f=name, t=expected)), name)
        if isinstance(value, str) and len(value) > 10_000:
            raise ValidationFailed("too_long", str(lazy("字段 %(f)s 太长。", f=name)), name)
        out[name] = value
    return out


# -- OpenAPI -----------------------------------------------------------------------------------------------

def doc(summary: str, *, auth: str = "user", body: dict | None = None, responses: dict | None = None,
        tags: tuple[str, ...] = ()) -> Callable:
    """Attach OpenAPI facts to a view. ``auth``: none | user | key_or_user."""

    def decorate(view):
        view._openapi = {"summary": summary, "auth": auth, "body": body, "responses": responses or {},
                         "tags": tags}
        return view

    return decorate


def _schema_for(fields: dict) -> dict:
    props = {}
    required = []
    for name, spec in fields.items():
        kind, is_required = spec
        kinds = kind if isinstance(kind, tuple) else (kind,)
        types = [_TYPE_NAMES.get(k, "string") for k in kinds]
        props[name] = {"type": types[0] if len(types) == 1 else types}
        if is_required:
            required.append(name)
    return {"type": "object", "properties": props, "required": required}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "field"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "field": {"type": ["string", "null"]}},
}


_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def openapi_document(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint == "core_api.openapi":
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "_openapi", None)
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": meta["summary"] if meta else "",
                "tags": list(meta["tags"]) if meta else [],
                "parameters": [{"name": a, "in": "path", "required": True,
                                "schema": {"type": "integer" if "int:" in rule.rule.split(a)[0][-5:] else "string"}}
                               for a in sorted(rule.arguments)],
                "responses": {"default": {"description": "error", "content": _ERROR_CONTENT}},
            }
            if meta:
                for status, description in (meta["responses"] or {"200": "OK"}).items():
                    op["responses"][str(status)] = {"description": description}
                if meta["body"] and method in {"POST", "PUT", "PATCH"}:
                    op["requestBody"] = {"required": True,
                                         "content": {"application/json": {"schema": _schema_for(meta["body"])}}}
                op["security"] = {"none": [], "user": [{"bearer": []}, {"session": []}],
                                  "key_or_user": [{"bearer": []}, {"apiKey": []}]}[meta["auth"]]
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "PrefabSkills API", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "token from POST /api/v1/auth/token"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "enterprise API key (psk_...)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def ok(payload: Any, status: int = 200):
    resp = jsonify(payload)
    resp.status_code = status
    return resp


def openapi_json():
    return jsonify(openapi_document(current_app))
