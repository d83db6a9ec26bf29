"""A generated access matrix: every HTML GET route × every role × own/other tenant.

Routes are taken from the URL map: those without URL variables, and those whose only variable is
``org_id`` (filled with tenant A's or tenant B's organisation of the kind the route belongs to). Each
cell must answer one of ALLOWED or DENIED, never a 5xx; anonymous visitors never get a 200 under the
private prefixes; nobody but the platform admin reaches into another tenant's organisation; and the own
tenant cells are pinned in EXPECTED_200 so a loosened check shows up as a diff.
"""

from __future__ import annotations

import pytest
from flask import url_for

from core.models import OrgKind
from tests.security.security_world import ROLES, build_security_world, login_phone

ALLOWED = {200, 302, 303}
DENIED = {401, 403, 404}
PRIVATE_PREFIXES = ("/orgs/", "/admin/", "/roster", "/banks", "/me/")

# Which kind of organisation an org_id route belongs to (the default is a training base).
ROUTE_KIND = {"competitions.": OrgKind.COMMITTEE}

# Routes without variables that every visitor may see (a 200 for anonymous is fine).
PUBLIC_PAGES = {"/", "/.well-known/jwks.json", "/courses", "/exams", "/healthz", "/issuer", "/login", "/offline",
                "/register", "/sw.js", "/verify"}

# endpoint -> the roles (of tenant A) that get a 200 on their own organisation's page (for org_id routes) or
# on the page itself. Anyone else gets a redirect (to the login page) or a refusal.
_ADMIN = {"platform_admin"}
EXPECTED_200: dict[str, set[str]] = {
    "core.admin_orgs": {"base_admin", "enterprise_hr"} | _ADMIN,
    "core.admin_org": {"base_admin"} | _ADMIN,
    "banks.bank_list": {"base_admin", "examiner"} | _ADMIN,
    "bases.calendar_page": {"base_admin", "invigilator", "examiner"} | _ADMIN,
    "bases.calendar_feed": set(),  # the feed needs its private token in the query string
    "bases.sessions": {"base_admin", "invigilator", "examiner"} | _ADMIN,
    "bases.venue_list": {"base_admin"} | _ADMIN,
    "bases.report_list": {"base_admin"} | _ADMIN,
    "exam_staff.exams": {"base_admin"} | _ADMIN,
    "certificates.manage_list": {"base_admin"} | _ADMIN,
    "competitions.org_competitions": {"committee_member"} | _ADMIN,
    "certificates.bulk": {"enterprise_hr"},
    "roster.trade_cards": {"base_admin"} | _ADMIN,
    "roster_reviews.index": {"committee_member"},  # and experts of the pool (none in this world)
    "roster_pool.experts": {"committee_member"},
    "roster_pool.draws": {"committee_member"},
    "roster_pool.nominate": {"base_admin", "enterprise_hr"},
    "roster_pool.apply": {"worker", "base_admin", "invigilator", "examiner", "enterprise_hr", "committee_member"}
    | _ADMIN,  # any logged-in person may apply
    "roster_reports.stats_page": {"committee_member"},
    "roster_reports.notice_preview": {"committee_member"},
    "roster_reports.roster_preview": {"committee_member", "enterprise_hr"},
    "roster_reports.export_csv": set(),  # without a purpose: back to the search page (302)
    "roster_reports.export_xlsx": set(),
    "roster_reports.roster_pdf": set(),
}


def _kind(endpoint: str) -> OrgKind:
    return next((kind for prefix, kind in ROUTE_KIND.items() if endpoint.startswith(prefix)), OrgKind.TRAINING_BASE)


def _routes(app):
    """(endpoint, needs_org) for every HTML GET route we can fill."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule.startswith("/api/"):
            continue
        args = set(rule.arguments)
        if args and args != {"org_id"}:
            continue
        yield rule.endpoint, bool(args)


@pytest.fixture
def world(session, cipher):
    return build_security_world(session, cipher)


def _matrix(app, world):
    """{(role, tenant): {url: status}} for every role and tenant."""
    cells: dict[tuple[str, str], dict[str, int]] = {}
    routes = list(_routes(app))
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login_phone(client, world.phones[role])
        for tenant_name in ("own", "other"):
            tenant = getattr(world, tenant_name)
            row = cells.setdefault((role, tenant_name), {})
            for endpoint, needs_org in routes:
                if not needs_org and tenant_name == "other":
                    continue
                with app.test_request_context():
                    values = {"org_id": tenant.orgs[_kind(endpoint)].id} if needs_org else {}
                    url = url_for(endpoint, **values)
                row[(endpoint, url)] = client.get(url).status_code
    return cells


def _table(cells) -> str:
    urls = sorted({key for row in cells.values() for key in row}, key=lambda k: k[1])
    cols = [f"{role[:6]}/{tenant[:3]}" for role, tenant in cells]
    lines = [f"{'route':<58}" + " ".join(f"{c:>10}" for c in cols)]
    for key in urls:
        lines.append(f"{key[1][:58]:<58}" + " ".join(f"{cells[c].get(key, ''):>10}" for c in cells))
    return "\n".join(lines)


def test_every_get_route_answers_every_role_sensibly(app, world):
    cells = _matrix(app, world)
    problems = []
    for (role, tenant), row in cells.items():
        for (endpoint, url), status in row.items():
            where = f"{role}/{tenant} GET {url} -> {status}"
            if status >= 500 or status not in ALLOWED | DENIED:
                problems.append(f"{where}: not in {sorted(ALLOWED | DENIED)}")
            if role == "anonymous" and status == 200 and url.startswith(PRIVATE_PREFIXES):
                problems.append(f"{where}: a private page served to an anonymous visitor")
            if role == "anonymous" and status == 200 and url not in PUBLIC_PAGES:
                problems.append(f"{where}: not declared in PUBLIC_PAGES")
            if tenant == "other" and role not in ("anonymous", "platform_admin") and status != 404:
                problems.append(f"{where}: another tenant's organisation must answer 404")
            if tenant == "own" and endpoint in EXPECTED_200:
                expected = role in EXPECTED_200[endpoint]
                if (status == 200) != expected:
                    problems.append(f"{where}: expected {'200' if expected else 'no 200'}")
    assert not problems, "\n".join(problems) + "\n\n" + _table(cells)
    assert len({k for row in cells.values() for k in row}) >= 20
