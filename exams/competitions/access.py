"""Who may do what in a competition (no Flask; views turn a refusal into 404 or 403).

- Organiser: an administrator of the organising organisation (base admin, committee chair) or a
  platform admin. Sets the competition up, approves unlocks, rules appeals (when not involved).
- Chief judge (裁判长): the competition's ``chief_judge_id``; may belong to another organisation (an expert
  committee). Signs every module, overrides conflicts with a reason, decodes stations, approves unlocks.
- Judge: assigned to a module; sees only that module's coded stations on their panel.
- Staff: any non-worker role in the organising organisation; may record supervisor re-checks when not
  a judge of the event.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import is_platform_admin, roles_in
from core.models import Role, User
from exams.competitions.models import Competition, JudgeAssignment, Module

ORGANISER_ROLES = (Role.BASE_ADMIN, Role.COMMITTEE_CHAIR, Role.PLATFORM_ADMIN)
STAFF_ROLES = (Role.BASE_ADMIN, Role.INVIGILATOR, Role.EXAMINER, Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER,
               Role.PLATFORM_ADMIN)
JUDGE_POOL_ROLES = (Role.JUDGE, Role.CHIEF_JUDGE)


def is_organiser(user: User | None, competition: Competition) -> bool:
    return is_platform_admin(user) or bool(roles_in(user, competition.org_id) & set(ORGANISER_ROLES))


def is_org_staff(user: User | None, competition: Competition) -> bool:
    return is_platform_admin(user) or bool(roles_in(user, competition.org_id) & set(STAFF_ROLES))


def is_chief(user: User | None, competition: Competition) -> bool:
    return user is not None and competition.chief_judge_id == user.id


def org_ids_of(user: User) -> set[int]:
    """Every organisation the user holds any role in (the 回避 rule compares these)."""
    return {m.org_id for m in user.memberships}


def assigned_module_ids(session: Session, user: User, event_id: int | None = None) -> set[int]:
    query = select(JudgeAssignment.module_id).where(JudgeAssignment.judge_id == user.id)
    if event_id is not None:
        query = query.join(Module, Module.id == JudgeAssignment.module_id).where(Module.event_id == event_id)
    return set(session.scalars(query))


def is_judge_of(session: Session, user: User | None, module_id: int) -> bool:
    return user is not None and module_id in assigned_module_ids(session, user)

