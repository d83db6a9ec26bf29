"""Who may see or manage a certificate.

- Anyone with the QR link (serial + the certificate's random token) sees the public fields.
- By serial alone: the holder, a logged-in enterprise account (企业人事), the issuing base's staff, a platform
  admin, or an API key with the ``verify`` scope. Everyone else gets *not found*, whether or not the serial
  exists, so serials cannot be enumerated.
- Lifecycle (suspend, revoke, renew, re-issue): the issuing base's base_admin, or a platform admin;
  certificates issued by the platform itself only by a platform admin.
- Bulk verification: 企业人事 of an enterprise (or an API key of it).
"""

from __future__ import annotations

import hmac

from certificates.models import Certificate
from core.access import is_platform_admin, org_ids_with, roles_in
from core.models import ApiKey, OrgKind, Role, User

STAFF_OF_ISSUER = (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER, Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER)


def token_matches(certificate: Certificate, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(certificate.token.encode(), token.encode())


def enterprise_org_ids(user: User | None) -> set[int]:
    """Enterprises in which the user may verify (企业人事)."""
    if user is None:
        return set()
    return {m.org_id for m in user.memberships if m.role == Role.ENTERPRISE_HR and m.org.kind == OrgKind.ENTERPRISE}


def may_look_up_by_serial(user: User | None) -> bool:
    """May this account verify by serial alone (no token)? Enterprise HR and platform admins."""
    return bool(enterprise_org_ids(user)) or is_platform_admin(user)


def may_view(certificate: Certificate, *, user: User | None, key: ApiKey | None, token: str | None) -> bool:
    if token_matches(certificate, token):
        return True
    if key is not None:
        return "verify" in key.scopes
    if user is None:
        return False
    if user.id == certificate.holder_id or may_look_up_by_serial(user):
        return True
    return certificate.issuer_org_id is not None and bool(
        roles_in(user, certificate.issuer_org_id).intersection(STAFF_OF_ISSUER))


def may_manage(certificate: Certificate, user: User | None) -> bool:
    if is_platform_admin(user):
        return True
    return certificate.issuer_org_id is not None and Role.BASE_ADMIN in roles_in(user, certificate.issuer_org_id)


def managed_org_ids(user: User | None) -> set[int]:
    return org_ids_with(user, [Role.BASE_ADMIN])
