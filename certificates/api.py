"""Certificate JSON API (DESIGN.md §9): mine, one, bulk verification, Open Badges 3.0 credential."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from certificates import access, credentials, queries, verification
from certificates.serials import SerialInvalid
from certificates.verification import BulkItem
from certificates.webutil import cert_config
from core.api import api_key, api_user, doc, json_body, ok, require_key_or_user, require_user
from core.clock import utcnow
from core.db import transaction
from core.errors import Forbidden, NotFound, ValidationFailed
from core.i18n import lazy
from core.web import cipher, client_ip, db, limiter, lookup_db

bp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")

VERIFY_BODY = {"items": (list, True)}
MAX_ITEMS = 10_000


def _caller_key() -> str:
    """Rate-limit bucket: the API key's prefix when one is sent, else the client IP."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return "key:" + token.split("_")[1] if token.startswith("psk_") and "_" in token[4:] else client_ip()


def _visible(serial: str, *, row: bool = False):
    """The certificate the caller may see (token, API key, or login), else 404; a typo is a 422 on ``serial``.
    ``row``: a read-only row from a point read on the primary, enough for the public view."""
    token = request.args.get("t")
    user, key = (api_user(), api_key()) if token else require_key_or_user("verify")
    try:
        cert = verification.find_public_row(lookup_db(), serial) if row else verification.find_public(db(), serial)
    except SerialInvalid as exc:
        raise ValidationFailed(exc.code, exc.message, "serial") from None
    if cert is None or not access.may_view(cert, user=user, key=key, token=token):
        raise NotFound(str(lazy("未找到该证书。")))
    return cert


@bp.get("/certificates/mine")
@doc("The caller's certificates with status, serial and verification link", tags=("certificates",))
def mine():
    user = require_user()
    now, config = utcnow(), cert_config()
    items = []
    for cert in queries.certificates_of(db(), user.id):
        view = verification.public_view(db(), cert, config=config, now=now).as_json()
        view["verify_url"] = f"{config.base_url}/verify/{cert.serial}?t={cert.token}"
        items.append(view)
    return ok({"items": items})


@bp.get("/certificates/<serial>")
@limiter.limit("600 per minute", key_func=_caller_key)
@doc("Status and public fields of one certificate (API key with scope verify, login, or ?t=token)",
     auth="key_or_user", responses={200: "certificate", 404: "unknown, or not visible to the caller",
                                    422: "serial malformed or check character wrong"}, tags=("certificates",))
def one(serial: str):
    cert = _visible(serial, row=True)
    return ok(verification.public_view(lookup_db(), cert, config=cert_config(), now=utcnow()).as_json())


@bp.get("/certificates/<serial>/credential")
@limiter.limit("120 per minute", key_func=_caller_key)
@doc("The Open Badges 3.0 AchievementCredential (JSON-LD, eddsa-rdfc-2022 Data Integrity proof)",
     auth="key_or_user", responses={200: "credential", 404: "unknown or not visible"}, tags=("certificates",))
def credential(serial: str):
    cert = _visible(serial)
    body = credentials.stored_credential(cert, cert_config(), now=utcnow())
    return current_app.response_class(body, mimetype="application/ld+json")


def _items(raw: list) -> list[BulkItem]:
    if not raw:
        raise ValidationFailed("empty_items", str(lazy("items 不能为空。")), "items")
    if len(raw) > MAX_ITEMS:
        raise ValidationFailed("too_many_items", str(lazy("每次最多核验 %(n)d 条。", n=MAX_ITEMS)), "items")
    items = []
    for number, entry in enumerate(raw, start=1):
        entry = entry if isinstance(entry, dict) else {}
        items.append(BulkItem(row=number, serial=_str(entry.get("serial")), name=_str(entry.get("name")) or None,
                              id_number=_str(entry.get("id_number")) or None))
    return items


def _str(value) -> str:
    return value.strip()[:64] if isinstance(value, str) else ""


@bp.post("/verifications")
@limiter.limit("60 per minute", key_func=_caller_key)
@doc("Bulk verification: per item status and name / ID-number match flags (audit-logged)", auth="key_or_user",
     body=VERIFY_BODY, responses={200: "{items: [...]}, in the order sent", 403: "key without scope verify",
                                  422: "body invalid"}, tags=("certificates",))
def verifications():
    user, key = require_key_or_user("verify")
    items = _items(json_body(VERIFY_BODY)["items"])  # an oversized body is a 413 whoever sends it
    if key is not None:
        org_id, actor_id, prefix = key.org_id, None, key.prefix
    else:
        orgs = sorted(access.enterprise_org_ids(user))
        if not orgs:
            raise Forbidden(str(lazy("只有企业账号可以批量核验。")))
        org_id, actor_id, prefix = orgs[0], user.id, None
    with transaction(db()):
        results = verification.bulk_verify(db(), cipher=cipher(), items=items, config=cert_config(),
                                           actor_id=actor_id, org_id=org_id, channel="api", now=utcnow(),
                                           ip=client_ip(), key_prefix=prefix)
    return ok({"items": [r.as_json() for r in results]})
