"""A demo expert pool for ``flask demo seed``: six of the demo staff (``core.demo``) admitted as experts by
the committee chair, with specialties and regions, so a panel draw can be tried at once. Idempotent: people
who already have an expert record are left alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.accounts import find_by_phone
from core.crypto import PiiCipher
from roster import pool
from roster.pool_queries import expert_of_user

CHAIR_PHONE = "13800000012"  # 卫主任
# (phone, specialties, region)
DEMO_EXPERTS = [
    ("13800000004", ("HOIST", "ASSY"), "云南省昆明市西山区"),  # 赵考评, examiner at the demo base
    ("13800000005", ("HOIST", "GROUT"), "云南省昆明市"),  # 钱考评
    ("13800000006", ("ASSY", "GROUT"), "云南省昆明市"),  # 孙考评
    ("13800000008", ("HOIST", "GROUT"), "云南省昆明市"),  # 郑裁判
    ("13800000009", ("HOIST", "ASSY"), "云南省曲靖市"),  # 冯裁判
    ("13800000011", ("HOIST", "ASSY", "GROUT"), "云南省昆明市"),  # 褚专家
]


def seed_demo(session: Session, *, cipher: PiiCipher, now: datetime) -> list[str]:
    chair = find_by_phone(session, cipher, CHAIR_PHONE)
    if chair is None:
        return ["demo expert pool: skipped (run the core demo first)"]
    added = 0
    for phone, codes, region in DEMO_EXPERTS:
        user = find_by_phone(session, cipher, phone)
        if user is None or expert_of_user(session, user.id) is not None:
            continue
        expert = pool.apply(session, user=user, region=region, specialties=codes, now=now,
                            statement="从事装配式建筑施工与职业技能评价工作十年以上。")
        pool.start_review(session, expert=expert, actor_id=chair.id, now=now)
        pool.admit(session, expert=expert, actor_id=chair.id, now=now, note="演示数据")
        added += 1
    return [f"demo expert pool: {added} experts admitted"]
