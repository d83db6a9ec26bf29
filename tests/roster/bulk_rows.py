"""Many roster entries quickly: plain bulk inserts of users and entries (no factories, no roster refresh)."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from core.models import User
from roster.models import RosterEntry
from tests.factories import NOW

SKILLS = [{"code": "HOIST", "name": "建筑起重信号司索工", "level": 4, "level_name": "四级/中级工", "status": "valid",
           "issuer": "昆明装配式建筑培训基地"},
          {"code": "GROUT", "name": "灌浆工", "level": 5, "level_name": "五级/初级工", "status": "expiring",
           "issuer": "昆明装配式建筑培训基地"}]


def add_entries(session, count: int, *, start: int = 0, region: str = "云南省昆明市", enterprise_name: str = "滇建集团",
                enterprise_org_id: int | None = None) -> None:
    """``count`` workers with one roster entry each (numbered from ``start``), flushed."""
    tag = session.scalar(select(func.count()).select_from(User)) or 0
    users = [{"name": f"工人{start + n:06d}", "phone_enc": "x", "phone_hash": f"bulk-{tag}-{n}", "phone_masked": "x",
              "id_number_masked": f"530102********{(start + n) % 10000:04d}", "birth_year": 1980 + n % 30,
              "password_hash": "x", "created_at": NOW, "is_active": True, "failed_logins": 0, "auth_version": 1}
             for n in range(count)]
    session.execute(insert(User), users)
    ids = session.scalars(select(User.id).where(User.phone_hash.like(f"bulk-{tag}-%")).order_by(User.id)).all()
    entries = [{"user_id": user_id, "name": f"工人{start + n:06d}", "id_number_masked": users[n]["id_number_masked"],
                "birth_year": users[n]["birth_year"], "region": region, "enterprise_org_id": enterprise_org_id,
                "enterprise_name": enterprise_name, "base_org_ids": [], "skills": SKILLS, "top_level": 4,
                "certificate_count": 2, "valid_count": 2, "expired_count": 0, "revoked_count": 0,
                "award_codes": ["silver"] if n % 50 == 0 else [], "placings": [], "fingerprint": "0" * 64,
                "updated_at": NOW}
               for n, user_id in enumerate(ids)]
    session.execute(insert(RosterEntry), entries)
    session.flush()
