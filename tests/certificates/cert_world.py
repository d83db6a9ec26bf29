"""Builders for certificate tests: a passed level assessment, and certificates made directly."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from certificates.config import CertConfig
from certificates.issuance import Draft, create_certificate
from certificates.models import Certificate, SourceType
from certificates.policy import CertificateKind
from core.models import Organisation, OrgKind, Role, User
from core.web import limiter
from exams.attempts import save_answer, start_attempt, submit_attempt
from exams.models import Paper, PracticalTask, Registration, SubmittedBy
from exams.practical import assessment_for, create_task, sign_off, submit_sheet
from lms.models import QuestionVersion
from tests.conftest import csrf_token
from tests.exams.world import World, build_world
from tests.factories import NOW, PASSWORD, make_org, make_staff, make_worker

_source_ids = itertools.count(10_000)

TASK = {"title": "墙板吊装", "items": [
    {"code": "angle", "title": "吊索夹角不小于60°", "kind": "points", "max_points": 50},
    {"code": "trial", "title": "试吊 200–300 mm 停稳检查", "kind": "points", "max_points": 50},
    {"code": "unhook", "title": "两道斜撑固定后方可摘钩", "kind": "redline"},
]}


def config_for(tmp_path: Path, **overrides) -> CertConfig:
    values = dict(base_url="https://certs.test", storage_dir=tmp_path / "storage", signing_dir=tmp_path / "signing")
    values.update(overrides)
    return CertConfig(**values)


def pass_theory(session, world: World, user: User, *, correct: bool = True) -> None:
    attempt = start_attempt(session, exam_session=world.exam_session, candidate=user, device_id="d",
                            now=NOW + timedelta(minutes=1)).attempt
    for seq, item in enumerate(session.get(Paper, attempt.paper_id).items, start=1):
        key = session.get(QuestionVersion, item["q"]).spec["answer"] if correct else None
        save_answer(session, attempt_id=attempt.id, candidate=user, question_version_id=item["q"], response=key,
                    seq=seq, device_id="d", now=NOW + timedelta(minutes=2), grace_s=60)
    submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE, now=NOW + timedelta(minutes=3))


@dataclass
class Practical:
    task: PracticalTask
    examiners: list[User]


def practical_setup(session, cipher, world: World) -> Practical:
    task = create_task(session, exam=world.exam, title="墙板安装实操", checklist=TASK, max_gap=Decimal(10), now=NOW)
    return Practical(task, [make_staff(session, cipher, world.base, Role.EXAMINER) for _ in range(2)])


def score_practical(session, practical: Practical, user: User, *, points: int = 45, violated: bool = False) -> None:
    """Two examiners mark ``points`` of 50 on each item (45 → 90 %) and the first signs off."""
    registration = session.query(Registration).filter_by(user_id=user.id).one()
    assessment = assessment_for(session, registration=registration, task=practical.task)
    marks = {"angle": Decimal(points), "trial": Decimal(points), "unhook": violated}
    for examiner in practical.examiners:
        submit_sheet(session, assessment=assessment, examiner_id=examiner.id, marks=marks, now=NOW)
    sign_off(session, assessment=assessment, actor_id=practical.examiners[0].id, now=NOW)


def passed_world(session, cipher, tmp_path: Path, *, candidates: int = 1, level: str = "五级") -> World:
    """An exam world whose candidates all passed theory and practical (signed off)."""
    world = build_world(session, cipher, tmp_path, candidates=candidates)
    world.exam.level = level
    practical = practical_setup(session, cipher, world)
    for user in world.candidates:
        pass_theory(session, world, user)
        score_practical(session, practical, user)
    session.commit()
    return world


def make_cert(session, *, holder: User, org: Organisation | None, config: CertConfig,
              kind: CertificateKind = CertificateKind.SKILL_LEVEL, now: datetime = NOW, level: str = "五级/初级工",
              skill: str = "HOIST", skill_name: str = "建筑起重信号司索工", pending: bool = False,
              expires_at: datetime | None = None) -> Certificate:
    draft = Draft(kind=kind, holder=holder, issuer_org=org, issuer_name=org.name if org else config.issuer_name,
                  skill_code=skill, skill_name=skill_name, level=level)
    return create_certificate(session, draft=draft, source_type=SourceType.REGISTRATION, source_id=next(_source_ids),
                              config=config, now=now, pending=pending, expires_at=expires_at)


def base_with_admin(session, cipher, name: str | None = None) -> tuple[Organisation, User]:
    org = make_org(session, kind=OrgKind.TRAINING_BASE, name=name)
    return org, make_staff(session, cipher, org, Role.BASE_ADMIN)


def worker(session, cipher, name: str = "张晓明") -> User:
    return make_worker(session, cipher, name=name)


def login(client, cipher, user: User, password: str = PASSWORD) -> str:
    """Log ``user`` in through the form; returns a CSRF token for later posts."""
    phone = cipher.decrypt(user.phone_enc, purpose="phone")
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": phone,
                                "password": password})
    return csrf_token(client.get("/login").get_data(as_text=True))


def enterprise_hr(session, cipher, name: str | None = None) -> tuple[Organisation, User]:
    org = make_org(session, kind=OrgKind.ENTERPRISE, name=name)
    return org, make_staff(session, cipher, org, Role.ENTERPRISE_HR)


@contextmanager
def limiter_enabled(enabled: bool) -> Iterator[None]:
    """Set the process-wide limiter's switch for a block, then restore it with empty counters.

    ``core.web.limiter`` is one object per process and ``init_app`` copies each new app's RATELIMIT_ENABLED
    into it, so an app built with rate limits on (tests/web/test_rate_limits.py) leaves them on for every
    app created earlier in that process. Tests that care state what they need.
    """
    saved = limiter.enabled
    limiter.enabled = enabled
    try:
        yield
    finally:
        if getattr(limiter, "_storage", None) is not None:
            limiter.reset()
        limiter.enabled = saved
