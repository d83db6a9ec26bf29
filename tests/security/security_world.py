"""Two tenants (A and B), each a training base, an enterprise and a committee, with one user per role.

The users all belong to tenant A (the platform admin to an authority); tenant B exists to be attacked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import orgs
from core.models import Organisation, OrgKind, Role, User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_org, make_staff, make_worker

ROLES = ("anonymous", "worker", "base_admin", "invigilator", "examiner", "enterprise_hr", "committee_member",
         "platform_admin")

# role -> (kind of organisation it is held in, Role); the worker is a plain registered worker of an enterprise
ROLE_HOME = {
    "worker": (OrgKind.ENTERPRISE, Role.WORKER),
    "base_admin": (OrgKind.TRAINING_BASE, Role.BASE_ADMIN),
    "invigilator": (OrgKind.TRAINING_BASE, Role.INVIGILATOR),
    "examiner": (OrgKind.TRAINING_BASE, Role.EXAMINER),
    "enterprise_hr": (OrgKind.ENTERPRISE, Role.ENTERPRISE_HR),
    "committee_member": (OrgKind.COMMITTEE, Role.COMMITTEE_MEMBER),
    "platform_admin": (OrgKind.AUTHORITY, Role.PLATFORM_ADMIN),
}


@dataclass
class Tenant:
    orgs: dict[OrgKind, Organisation]


@dataclass
class World:
    own: Tenant
    other: Tenant
    users: dict[str, User] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)


def _tenant(session, label: str) -> Tenant:
    return Tenant({kind: make_org(session, kind=kind, name=f"{kind.value}-{label}")
                   for kind in (OrgKind.TRAINING_BASE, OrgKind.ENTERPRISE, OrgKind.COMMITTEE)})


def build_security_world(session, cipher) -> World:
    world = World(own=_tenant(session, "A"), other=_tenant(session, "B"))
    authority = make_org(session, kind=OrgKind.AUTHORITY, name="主管部门")
    for n, role in enumerate(ROLES[1:], start=1):
        kind, granted = ROLE_HOME[role]
        phone = f"1390000{n:04d}"
        org = authority if kind == OrgKind.AUTHORITY else world.own.orgs[kind]
        if role == "worker":
            user = make_worker(session, cipher, phone_number=phone)
            orgs.grant_role(session, actor_id=None, org=org, user=user, role=granted, now=user.created_at)
        else:
            user = make_staff(session, cipher, org, granted, phone_number=phone)
        world.users[role] = user
        world.phones[role] = phone
    session.commit()
    return world


def login_phone(client, phone: str, password: str = PASSWORD) -> str:
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": phone,
                                "password": password})
    return csrf_token(client.get("/login").get_data(as_text=True))
