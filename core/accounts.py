"""Account services: worker registration, login with back-off, password change, personal-data reads.

Services take the session, actor and time as arguments, flush and never commit (STYLE.md rules 1–2).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.crypto import PiiCipher
from core.errors import Conflict, Unauthorized, ValidationFailed
from core.i18n import lazy
from core.identity import (
    IdentifierInvalid,
    birth_date,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from core.models import User

CONSENT_VERSION = "2026-01"
MAX_FAILED_BEFORE_LOCK = 5
_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z·• .'-]{2,30}$")

# OWASP minimum for Argon2id (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


def check_password_strength(password: str, *, phone: str = "") -> None:
    """At least 8 characters with a letter and a digit, and not the phone number."""
    if not isinstance(password, str) or len(password) < 8 or len(password) > 128:
        raise ValidationFailed("weak_password", str(lazy("密码至少8位。")), "password")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValidationFailed("weak_password", str(lazy("密码须同时包含字母和数字。")), "password")
    if phone and phone in password:
        raise ValidationFailed("weak_password", str(lazy("密码不能包含手机号。")), "password")


def normalize_name(raw: str) -> str:
    name = (raw or "").strip()
    if not _NAME_RE.match(name):
        raise ValidationFailed("invalid_name", str(lazy("请填写2–30个字的真实姓名。")), "name")
    return name


def set_phone(user: User, phone: str, cipher: PiiCipher) -> None:
    user.phone_enc = cipher.encrypt(phone, purpose="phone")
    user.phone_hash = cipher.lookup_hash(phone, purpose="phone")
    user.phone_masked = mask_phone(phone)


def set_id_number(user: User, id_number: str, cipher: PiiCipher) -> None:
    user.id_number_enc = cipher.encrypt(id_number, purpose="id_number")
    user.id_number_hash = cipher.lookup_hash(id_number, purpose="id_number")
    user.id_number_masked = mask_id_number(id_number)
    user.birth_year = birth_date(id_number).year


def _identifier(fn, *args, **kwargs) -> str:
    try:
        return fn(*args, **kwargs)
    except IdentifierInvalid as exc:
        raise ValidationFailed("invalid_" + exc.field, exc.message, exc.field) from None


def register_worker(session: Session, *, cipher: PiiCipher, phone: str, password: str, name: str,
                    id_number: str, consent: bool, now: datetime, ip: str = "") -> User:
    """Create a worker account. 422 with the field for bad input; 409 when phone or ID number is taken."""
    phone = _identifier(normalize_phone, phone)
    id_number = _identifier(normalize_id_number, id_number, today=now.date())
    name = normalize_name(name)
    check_password_strength(password, phone=phone)
    if consent is not True:
        raise ValidationFailed("consent_required", str(lazy("请阅读并同意个人信息处理规则。")), "consent")
    if session.scalar(select(User.id).where(User.phone_hash == cipher.lookup_hash(phone, purpose="phone"))):
        raise Conflict("phone_taken", str(lazy("该手机号已注册。")), "phone")
    id_hash = cipher.lookup_hash(id_number, purpose="id_number")
    if session.scalar(select(User.id).where(User.id_number_hash == id_hash)):
        raise Conflict("id_number_taken", str(lazy("该身份证号已注册。")), "id_number")
    user = User(name=name, password_hash=_hasher.hash(password), consent_at=now,
                consent_version=CONSENT_VERSION, created_at=now)
    set_phone(user, phone, cipher)
    set_id_number(user, id_number, cipher)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # A concurrent registration won the race between our check and insert.
        raise Conflict("phone_taken", str(lazy("该手机号或身份证号已注册。")), "phone") from None
    audit.record(session, action="account.registered", now=now, actor_id=user.id, target=f"user:{user.id}",
                 details={"consent_version": CONSENT_VERSION}, ip=ip)
    return user


def find_by_phone(session: Session, cipher: PiiCipher, phone: str) -> User | None:
    try:
        phone = normalize_phone(phone)
    except IdentifierInvalid:
        return None
    return session.scalar(select(User).where(User.phone_hash == cipher.lookup_hash(phone, purpose="phone")))


def lock_duration(failures: int) -> timedelta:
    """Back-off after the 5th failure: 1, 2, 4 … minutes, capped at one hour."""
    if failures < MAX_FAILED_BEFORE_LOCK:
        return timedelta(0)
    return timedelta(minutes=min(60, 2 ** (failures - MAX_FAILED_BEFORE_LOCK)))


@dataclass(frozen=True)
class LoginOutcome:
    """A login either yields the user or an error; failures are recorded, so the caller commits both."""

    user: User | None
    error: Unauthorized | None = None


def authenticate(session: Session, *, cipher: PiiCipher, phone: str, password: str, now: datetime,
                 ip: str = "") -> LoginOutcome:
    """Check credentials, counting failures towards the back-off (same message for unknown phones)."""
    try:
        return LoginOutcome(_authenticate(session, cipher=cipher, phone=phone, password=password, now=now, ip=ip))
    except Unauthorized as exc:
        return LoginOutcome(None, exc)


def _authenticate(session: Session, *, cipher: PiiCipher, phone: str, password: str, now: datetime,
                  ip: str) -> User:
    bad = Unauthorized("invalid_credentials", str(lazy("手机号或密码不正确。")))
    user = find_by_phone(session, cipher, phone)
    if user is None or not user.is_active:
        _verify(_DUMMY_HASH, password or "")  # same cost whether or not the phone exists
        audit.record(session, action="auth.login_failed", now=now, target="user:unknown", ip=ip)
        raise bad
    if user.locked_until and user.locked_until > now:
        audit.record(session, action="auth.login_locked", now=now, actor_id=user.id, target=f"user:{user.id}",
                     ip=ip)
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise Unauthorized("account_locked", str(lazy("登录失败次数过多，请%(m)d分钟后再试。", m=minutes)))
    if not _verify(user.password_hash, password or ""):
        user.failed_logins += 1
        wait = lock_duration(user.failed_logins)
        user.locked_until = now + wait if wait else None
        audit.record(session, action="auth.login_failed", now=now, actor_id=user.id, target=f"user:{user.id}",
                     details={"failures": user.failed_logins}, ip=ip)
        raise bad
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(session, action="auth.login", now=now, actor_id=user.id, target=f"user:{user.id}", ip=ip)
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(session: Session, *, user: User, old_password: str, new_password: str, now: datetime,
                    cipher: PiiCipher, ip: str = "") -> None:
    if not _verify(user.password_hash, old_password or ""):
        raise ValidationFailed("wrong_password", str(lazy("原密码不正确。")), "old_password")
    check_password_strength(new_password, phone=cipher.decrypt(user.phone_enc, purpose="phone"))
    user.password_hash = _hasher.hash(new_password)
    user.auth_version += 1
    audit.record(session, action="auth.password_changed", now=now, actor_id=user.id, target=f"user:{user.id}",
                 ip=ip)
    session.flush()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def temporary_password() -> str:
    return "Ps" + secrets.token_urlsafe(9) + "7"


def reveal_personal_data(session: Session, *, actor_id: int, user: User, cipher: PiiCipher, now: datetime,
                         reason: str, ip: str = "") -> dict[str, str]:
    """Full ID number and phone for an authorised reader; every call writes an audit row."""
    audit.record(session, action="pii.read", now=now, actor_id=actor_id, target=f"user:{user.id}",
                 details={"reason": reason[:200]}, ip=ip)
    return {
        "phone": cipher.decrypt(user.phone_enc, purpose="phone"),
        "id_number": cipher.decrypt(user.id_number_enc, purpose="id_number") if user.id_number_enc else "",
    }
