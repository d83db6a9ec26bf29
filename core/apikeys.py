"""Enterprise API keys: shown once, stored as a SHA-256 hash, scoped, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import ValidationFailed
from core.i18n import lazy
from core.models import ApiKey, Organisation

KEY_PREFIX = "psk_"
SCOPES = ("verify",)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, *, actor_id: int, org: Organisation, name: str, scopes: list[str],
                   now: datetime) -> tuple[ApiKey, str]:
    """Return the key row and the full key string, which is never stored or shown again."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise ValidationFailed("invalid_name", str(lazy("请填写密钥名称（最多80字）。")), "name")
    if not scopes or any(s not in SCOPES for s in scopes):
        raise ValidationFailed("invalid_scope", str(lazy("密钥权限范围无效。")), "scopes")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(org_id=org.id, name=name, prefix=prefix, secret_hash=_hash(secret), scopes=list(scopes),
                 created_by_id=actor_id, created_at=now)
    session.add(key)
    session.flush()
    audit.record(session, action="apikey.created", now=now, actor_id=actor_id, org_id=org.id,
                 target=f"apikey:{key.id}", details={"prefix": prefix, "scopes": list(scopes)})
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


# Runs on every enterprise verification: compiled once, read on the connection (a read-only row, no ORM object).
_KEY_BY_PREFIX = select(ApiKey.__table__).where(ApiKey.__table__.c.prefix == bindparam("prefix"))


def authenticate_api_key(session: Session, token: str, *, now: datetime) -> Row | None:
    """The key's row (``id``, ``org_id``, ``prefix``, ``scopes``, ``last_used_at`` …) when ``token`` is a live key."""
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = token[len(KEY_PREFIX):].partition("_")
    key = session.connection().execute(_KEY_BY_PREFIX, {"prefix": prefix}).first()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    return key


USE_RECORDED_EVERY = timedelta(hours=1)


def use_is_stale(key: ApiKey | Row, now: datetime) -> bool:
    """Whether the key's ``last_used_at`` should move: at most hourly, a write per verification would cost
    more than the verification."""
    return key.last_used_at is None or now - key.last_used_at > USE_RECORDED_EVERY


def record_use(session: Session, key_id: int, *, now: datetime) -> None:
    """Move ``last_used_at`` in the caller's own short transaction (the request that used the key may be a
    read that never commits); the condition makes two racing requests write once."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None),
                                                                   ApiKey.last_used_at < now - USE_RECORDED_EVERY))
                    .values(last_used_at=now))


def revoke_api_key(session: Session, *, actor_id: int, key: ApiKey, now: datetime) -> None:
    if key.revoked_at is None:
        key.revoked_at = now
        audit.record(session, action="apikey.revoked", now=now, actor_id=actor_id, org_id=key.org_id,
                     target=f"apikey:{key.id}")
        session.flush()
