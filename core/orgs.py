"""Organisation services: create organisations, add staff, grant and revoke roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.access import ROLES_BY_KIND
from core.accounts import find_by_phone, hash_password, normalize_name, set_phone, temporary_password
from core.crypto import PiiCipher
from core.errors import Conflict, ValidationFailed
from core.i18n import lazy
from core.identity import IdentifierInvalid, normalize_phone
from core.models import Membership, Organisation, OrgKind, Role, User


def create_organisation(session: Session, *, actor_id: int | None, kind: OrgKind | str, name: str,
                        region: str, now: datetime) -> Organisation:
    name = (name or "").strip()
    if not 2 <= len(name) <= 120:
        raise ValidationFailed("invalid_name", str(lazy("机构名称应为2–120个字。")), "name")
    try:
        kind = OrgKind(kind)
    except ValueError:
        raise ValidationFailed("invalid_kind", str(lazy("机构类型无效。")), "kind") from None
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict("name_taken", str(lazy("已有同名机构。")), "name")
    org = Organisation(kind=kind, name=name, region=(region or "").strip()[:60], created_at=now)
    session.add(org)
    session.flush()
    audit.record(session, action="org.created", now=now, actor_id=actor_id, org_id=org.id,
                 target=f"org:{org.id}", details={"kind": str(kind)})
    return org


def grant_role(session: Session, *, actor_id: int | None, org: Organisation, user: User, role: Role | str,
               now: datetime) -> Membership:
    """Idempotent: granting a held role returns the existing membership."""
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed("invalid_role", str(lazy("角色无效。")), "role") from None
    if role not in ROLES_BY_KIND[OrgKind(org.kind)]:
        raise ValidationFailed("role_not_allowed", str(lazy("该类机构不能授予此角色。")), "role")
    existing = session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.org_id == org.id, Membership.role == role))
    if existing:
        return existing
    membership = Membership(user_id=user.id, org_id=org.id, role=role, created_at=now)
    session.add(membership)
    session.flush()
    session.refresh(user, ["memberships"])
    audit.record(session, action="role.granted", now=now, actor_id=actor_id, org_id=org.id,
                 target=f"user:{user.id}", details={"role": str(role)})
    return membership


def revoke_role(session: Session, *, actor_id: int | None, membership: Membership, now: datetime) -> None:
    audit.record(session, action="role.revoked", now=now, actor_id=actor_id, org_id=membership.org_id,
                 target=f"user:{membership.user_id}", details={"role": str(membership.role)})
    session.delete(membership)
    session.flush()


def add_staff(session: Session, *, actor_id: int | None, org: Organisation, cipher: PiiCipher, name: str,
              phone: str, role: Role | str, now: datetime) -> tuple[User, str | None]:
    """Invite a staff member by phone. A new account gets a one-time password, shown once to the inviter."""
    try:
        phone = normalize_phone(phone)
    except IdentifierInvalid as exc:
        raise ValidationFailed("invalid_phone", exc.message, "phone") from None
    user = find_by_phone(session, cipher, phone)
    password = None
    if user is None:
        password = temporary_password()
        user = User(name=normalize_name(name), password_hash=hash_password(password), created_at=now)
        set_phone(user, phone, cipher)
        session.add(user)
        session.flush()
    grant_role(session, actor_id=actor_id, org=org, user=user, role=role, now=now)
    return user, password
