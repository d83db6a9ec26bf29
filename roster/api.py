"""Talent roster JSON API (DESIGN.md §9): committee search with keyset pagination."""

from __future__ import annotations

from flask import Blueprint, request

from core.api import doc, ok, require_user
from core.clock import utcnow
from core.errors import Forbidden
from core.i18n import lazy
from core.web import replica_db
from roster import search
from roster.access import is_committee
from roster.models import RosterEntry

bp = Blueprint("roster_api", __name__, url_prefix="/api/v1")


def entry_json(entry: RosterEntry) -> dict:
    return {
        "user_id": entry.user_id, "name": entry.name, "id_number_masked": entry.id_number_masked,
        "birth_year": entry.birth_year, "region": entry.region,
        "enterprise": {"id": entry.enterprise_org_id, "name": entry.enterprise_name} if entry.enterprise_org_id
        else None,
        "top_level": entry.top_level,
        "skills": [{k: s[k] for k in ("code", "name", "level", "status", "issuer")} for s in entry.skills],
        "certificates": {"total": entry.certificate_count, "valid": entry.valid_count,
                         "expired": entry.expired_count, "revoked_or_suspended": entry.revoked_count},
        "awards": list(entry.award_codes),
        "training_bases": list(entry.base_org_ids),
        "training_minutes": entry.training_minutes, "training_hours": round(entry.training_minutes / 60, 1),
        "trade_cards": [dict(c) for c in entry.trade_cards],
        "flags": [{"code": f["code"], "reasons": list(f["reasons"])} for f in entry.flags],
        "updated_at": entry.updated_at.isoformat(),
    }


@bp.get("/roster")
@doc("Talent roster search (committee): skill, level (N or better), status, region (prefix), enterprise, award, "
     "age_min, age_max, base (training base id), flag (eligibility flag code); keyset pagination with "
     "after=<next>", tags=("roster",),
     responses={"200": "{items, next}", "403": "not a committee member", "422": "bad parameter"})
def search_roster():
    """Committee members and chairs only (403 for everyone else, enterprise HR included: they use the page)."""
    user = require_user()
    if not is_committee(user):
        raise Forbidden(str(lazy("仅专家委员会成员可查询人才库。")))
    filters, after = search.parse_filters(request.args)
    page = search.search_roster(replica_db(), filters, scope=None, now=utcnow(), after=after)
    return ok({"items": [entry_json(e) for e in page.entries], "next": page.next_after})
