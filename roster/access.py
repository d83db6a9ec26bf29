"""Who sees which roster entries: committee members and chairs see all, enterprise HR only the workers who
hold a worker membership in their enterprise, everyone else nothing (403)."""

from __future__ import annotations

from core.access import org_ids_with
from core.errors import Forbidden
from core.i18n import lazy
from core.models import Role, User

COMMITTEE_ROLES = (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR)


def is_committee(user: User | None) -> bool:
    return bool(org_ids_with(user, COMMITTEE_ROLES))


def may_use_roster(user: User | None) -> bool:
    return is_committee(user) or bool(org_ids_with(user, (Role.ENTERPRISE_HR,)))


def roster_scope(user: User | None) -> set[int] | None:
    """``None`` for the whole roster, else the enterprise ids whose workers the user may see; 403 otherwise."""
    if is_committee(user):
        return None
    enterprises = org_ids_with(user, (Role.ENTERPRISE_HR,))
    if not enterprises:
        raise Forbidden(str(lazy("您没有权限查看人才库。")))
    return enterprises
