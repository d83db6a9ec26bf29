"""Demo organisations and logins for ``flask demo seed`` (idempotent; listed in the README)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import accounts, orgs
from core.clock import utcnow
from core.crypto import PiiCipher
from core.db import transaction
from core.identity import id_check_char
from core.models import Organisation, OrgKind, Role, User

DEMO_PASSWORD = "Demo1234"

ORGS = [
    (OrgKind.AUTHORITY, "昆明市西山区住房和城乡建设局", "云南省昆明市西山区"),
    (OrgKind.TRAINING_BASE, "西山装配式建筑产业工人实训基地", "云南省昆明市西山区"),
    (OrgKind.ENTERPRISE, "滇建装配式构件有限公司", "云南省昆明市"),
    (OrgKind.COMMITTEE, "装配式建筑专家委员会", "云南省昆明市"),
]

# (phone, name, org index, roles)
STAFF = [
    ("13800000001", "周管理", 0, [Role.PLATFORM_ADMIN]),
    ("13800000002", "李基地", 1, [Role.BASE_ADMIN]),
    ("13800000003", "王监考", 1, [Role.INVIGILATOR]),
    ("13800000004", "赵考评", 1, [Role.EXAMINER]),
    ("13800000005", "钱考评", 1, [Role.EXAMINER]),
    ("13800000006", "孙考评", 1, [Role.EXAMINER]),
    ("13800000007", "吴裁判长", 1, [Role.CHIEF_JUDGE, Role.JUDGE]),
    ("13800000008", "郑裁判", 3, [Role.JUDGE]),
    ("13800000009", "冯裁判", 3, [Role.JUDGE]),
    ("13800000010", "陈人事", 2, [Role.ENTERPRISE_HR]),
    ("13800000011", "褚专家", 3, [Role.COMMITTEE_MEMBER]),
    ("13800000012", "卫主任", 3, [Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER]),
]

# (phone, name, first 17 digits of the ID number) – workers of the demo enterprise.
WORKERS = [
    ("13900000001", "张建国", "53011219900307123"),
    ("13900000002", "刘春梅", "53011219920615224"),
    ("13900000003", "杨志强", "53011219881120335"),
]


def demo_id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


def seed(session: Session, *, cipher: PiiCipher) -> list[tuple[str, str, str]]:
    """Create what is missing; return ``(role, phone, name)`` for every demo login."""
    now = utcnow()
    logins: list[tuple[str, str, str]] = []
    with transaction(session):
        org_rows = []
        for kind, name, region in ORGS:
            org = session.scalar(select(Organisation).where(Organisation.name == name))
            org_rows.append(org or orgs.create_organisation(session, actor_id=None, kind=kind, name=name,
                                                            region=region, now=now))
        for phone, name, org_index, roles in STAFF:
            user = accounts.find_by_phone(session, cipher, phone)
            if user is None:
                user = User(name=name, password_hash=accounts.hash_password(DEMO_PASSWORD), created_at=now)
                accounts.set_phone(user, phone, cipher)
                session.add(user)
                session.flush()
            for role in roles:
                orgs.grant_role(session, actor_id=None, org=org_rows[org_index], user=user, role=role, now=now)
            logins.append((",".join(roles), phone, name))
        for phone, name, first17 in WORKERS:
            user = accounts.find_by_phone(session, cipher, phone)
            if user is None:
                user = accounts.register_worker(session, cipher=cipher, phone=phone, password=DEMO_PASSWORD,
                                                name=name, id_number=demo_id_number(first17), consent=True, now=now)
            orgs.grant_role(session, actor_id=None, org=org_rows[2], user=user, role=Role.WORKER, now=now)
            logins.append(("worker", phone, name))
    return logins
