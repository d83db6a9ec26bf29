"""Read side of the core: organisations, members and keys as the admin pages and API show them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import ADMIN_ROLES, is_platform_admin, org_ids_with
from core.models import ApiKey, Membership, Organisation, User


def organisations_managed_by(session: Session, user: User) -> list[Organisation]:
    """Every organisation for a platform admin; otherwise those the user administers."""
    query = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if not is_platform_admin(user):
        query = query.where(Organisation.id.in_(org_ids_with(user, ADMIN_ROLES.values())))
    return list(session.scalars(query))


def members_of(session: Session, org_id: int) -> list[tuple[Membership, User]]:
    return list(session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id).order_by(User.name, Membership.role)
    ).tuples())


def keys_of(session: Session, org_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id.desc())))


def profile(user: User) -> dict:
    """The ``GET /me`` shape: masked identifiers and roles per organisation."""
    return {
        "id": user.id,
        "name": user.name,
        "phone": user.phone_masked,
        "id_number": user.id_number_masked,
        "consent_at": user.consent_at.isoformat() if user.consent_at else None,
        "roles": [{"org_id": m.org_id, "org_name": m.org.name, "org_kind": str(m.org.kind), "role": str(m.role)}
                  for m in user.memberships],
    }
