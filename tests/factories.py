"""Plain factory functions for tests (no magic): each builds and flushes one thing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from core import accounts, orgs
from core.identity import id_check_char
from core.models import Organisation, OrgKind, Role, User

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
PASSWORD = "Passw0rd!"
_seq = itertools.count(1)


def valid_id_number(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    first17 = f"110105198{n % 10}0{(n % 9) + 1}1{(n % 9)}{n % 1000:03d}"[:17]
    return first17 + id_check_char(first17)


def phone(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"137{n:08d}"


def make_worker(session, cipher, *, name: str = "测试学员", phone_number: str | None = None,
                id_number: str | None = None, password: str = PASSWORD, now: datetime = NOW) -> User:
    return accounts.register_worker(session, cipher=cipher, phone=phone_number or phone(),
                                    password=password, name=name, id_number=id_number or valid_id_number(),
                                    consent=True, now=now)


def make_org(session, *, kind: OrgKind = OrgKind.TRAINING_BASE, name: str | None = None,
             now: datetime = NOW) -> Organisation:
    return orgs.create_organisation(session, actor_id=None, kind=kind, name=name or f"机构{next(_seq)}",
                                    region="云南省昆明市", now=now)


def make_staff(session, cipher, org: Organisation, role: Role, *, phone_number: str | None = None,
               password: str = PASSWORD, now: datetime = NOW) -> User:
    user = User(name="工作人员", password_hash=accounts.hash_password(password), created_at=now)
    accounts.set_phone(user, phone_number or phone(), cipher)
    session.add(user)
    session.flush()
    orgs.grant_role(session, actor_id=None, org=org, user=user, role=role, now=now)
    return user
