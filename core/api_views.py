"""Core JSON endpoints: register, token, me, and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint

from core import accounts, queries
from core.api import doc, issue_token, json_body, ok, openapi_json, require_user
from core.clock import utcnow
from core.db import transaction
from core.web import cipher, client_ip, db, limiter

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")

REGISTER_BODY = {"phone": (str, True), "password": (str, True), "name": (str, True), "id_number": (str, True),
                 "consent": (bool, True)}
TOKEN_BODY = {"phone": (str, True), "password": (str, True)}


@bp.post("/auth/register")
@limiter.limit("10 per hour; 3 per minute")
@doc("Create a worker account", auth="none", body=REGISTER_BODY,
     responses={201: "created", 409: "phone or ID number taken", 422: "invalid field"}, tags=("auth",))
def register():
    data = json_body(REGISTER_BODY)
    with transaction(db()):
        user = accounts.register_worker(db(), cipher=cipher(), now=utcnow(), ip=client_ip(), **data)
    return ok(queries.profile(user), 201)


@bp.post("/auth/token")
@limiter.limit("20 per minute")
@doc("Exchange phone and password for a bearer token", auth="none", body=TOKEN_BODY,
     responses={200: "token", 401: "bad credentials", 429: "rate limited"}, tags=("auth",))
def token():
    data = json_body(TOKEN_BODY)
    now = utcnow()
    with transaction(db()):
        outcome = accounts.authenticate(db(), cipher=cipher(), now=now, ip=client_ip(), **data)
    if outcome.error is not None:
        raise outcome.error
    value, expires_at = issue_token(outcome.user, now=now)
    return ok({"token": value, "expires_at": expires_at.isoformat()})


@bp.get("/me")
@doc("The caller's profile with masked identifiers and roles", tags=("auth",))
def me():
    return ok(queries.profile(require_user()))


bp.add_url_rule("/openapi.json", "openapi", openapi_json)
