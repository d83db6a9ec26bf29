"""Who may do what to which object.

Roles are held per organisation. Tenant-owned rows carry ``org_id``. The rule for an object of another
organisation is *not found*, not *forbidden*, so ids of other tenants reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import Forbidden, NotFound
from core.models import OrgKind, Role, User

# Roles each kind of organisation may grant.
ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.TRAINING_BASE: (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER, Role.JUDGE, Role.CHIEF_JUDGE),
    OrgKind.ENTERPRISE: (Role.ENTERPRISE_HR, Role.WORKER),
    OrgKind.COMMITTEE: (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.JUDGE, Role.CHIEF_JUDGE),
    OrgKind.AUTHORITY: (Role.PLATFORM_ADMIN,),
}
# Roles that may manage their organisation's staff and keys.
ADMIN_ROLES: dict[OrgKind, Role] = {
    OrgKind.TRAINING_BASE: Role.BASE_ADMIN,
    OrgKind.ENTERPRISE: Role.ENTERPRISE_HR,
    OrgKind.COMMITTEE: Role.COMMITTEE_CHAIR,
    OrgKind.AUTHORITY: Role.PLATFORM_ADMIN,
}


def roles_in(user: User | None, org_id: int) -> set[Role]:
    if user is None:
        return set()
    return {Role(m.role) for m in user.memberships if m.org_id == org_id}


def is_platform_admin(user: User | None) -> bool:
    return user is not None and any(m.role == Role.PLATFORM_ADMIN for m in user.memberships)


def org_ids_with(user: User | None, roles: Iterable[Role]) -> set[int]:
    wanted = set(roles)
    return {m.org_id for m in user.memberships if m.role in wanted} if user else set()


def check_org_access(user: User | None, org_id: int, *roles: Role, platform_admin_ok: bool = True) -> None:
    """Raise ``NotFound`` for a non-member (no leak of existence), ``Forbidden`` for a member lacking roles."""
    if platform_admin_ok and is_platform_admin(user):
        return
    held = roles_in(user, org_id)
    if not held:
        raise NotFound()
    if roles and not held.intersection(roles):
        raise Forbidden()


def can_manage_org(user: User | None, org_id: int, kind: OrgKind) -> bool:
    return is_platform_admin(user) or ADMIN_ROLES[kind] in roles_in(user, org_id)
