"""Cross-tenant isolation, generated over the URL map.

Every route with a URL variable is visited as an administrator of tenant A with the ids of tenant B's
objects; each must answer 404. A new route whose variable is neither a known tenant-owned object nor
declared public makes this test fail until someone says which it is.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core import apikeys
from core.models import Membership, OrgKind, Role
from exams.attempts import start_attempt
from exams.models import Registration
from exams.practical import assessment_for, create_task
from lms.models import QuestionBank
from tests.competitions.world import tenant_competition
from tests.conftest import csrf_token
from tests.exams.base_world import add_exam_day_objects
from tests.exams.test_practical import WALL_PANEL
from tests.exams.world import build_world
from tests.factories import NOW, PASSWORD, make_org, make_staff
from tests.roster.pool_world import tenant_pool_objects
from tests.roster.review_world import tenant_application

# URL variables that do not identify tenant-owned data, and why.
PUBLIC_VARIABLES = {
    "filename": "static assets",
    "code": "language code",
    "slug": "course slug: the catalogue is public platform content",
    "name": "course media file name (public platform content)",
    "lesson_slug": "lesson of a public course",
    "lesson_id": "lesson of a public course (API)",
    "question_id": "question version id inside the caller's own attempt (the attempt is checked)",
    "fmt": "export format (yaml or xlsx) of an event's marking scheme (the event is checked)",
    "action": "name of a POST action on a competition module or event (the object is checked)",
    "file_format": "export format of a session report (csv or xlsx)",
    "serial": "certificate serial: printed on the certificate; pages need its token, the holder, an enterprise "
              "account or the issuing base (under its org_id), and answer 404 alike otherwise",
    "list_number": "number of a public Bitstring Status List of certificate revocations",
}


class Tenant:
    def __init__(self, session, cipher, label: str):
        self.org = make_org(session, kind=OrgKind.ENTERPRISE, name=f"企业{label}")
        self.admin = make_staff(session, cipher, self.org, Role.ENTERPRISE_HR)
        self.membership = session.query(Membership).filter_by(user_id=self.admin.id).one()
        self.key, _ = apikeys.create_api_key(session, actor_id=self.admin.id, org=self.org, name="k",
                                             scopes=["verify"], now=NOW)
        self.bank = QuestionBank(org_id=self.org.id, name=f"题库{label}", created_at=NOW)
        session.add(self.bank)


# variable name -> the value that points at a tenant's object
TENANT_OBJECTS = {
    "org_id": lambda t: t.org.id,
    "membership_id": lambda t: t.membership.id,
    "key_id": lambda t: t.key.id,
    "bank_id": lambda t: t.bank.id,
    "session_id": lambda t: t.exam_session.id,
    "exam_id": lambda t: t.exam.id,
    "attempt_id": lambda t: t.attempt.id,
    "assessment_id": lambda t: t.assessment.id,
    "competition_id": lambda t: t.competition.id,
    "event_id": lambda t: t.event.id,
    "module_id": lambda t: t.module.id,
    "evidence_id": lambda t: t.evidence.id,
    "venue_id": lambda t: t.venue.id,
    "registration_id": lambda t: t.registration.id,
    "assignment_id": lambda t: t.assignment.id,
    "user_id": lambda t: t.admin.id,  # a person of tenant B: the roster record of another enterprise's people
    "application_id": lambda t: t.application.id,  # a committee review: only the committee and its panel see it
    "expert_id": lambda t: t.expert.id,  # the expert pool: only the committee and the expert see a record
    "draw_id": lambda t: t.draw.id,  # a panel draw: committee only
}

# Endpoints that are open to every worker across tenants, and why (they still refuse the ineligible).
PUBLIC_ENDPOINTS = {
    "exams_api.register": "any worker may register for any base's exam session (422 when not eligible)",
    "exams.register": "same, from the HTML page (redirects with a message)",
    "competitions.leaderboard": "the venue's public big-screen leaderboard (station codes until decoded)",
    "bases.join_waitlist": "same, for the waiting list of a full session (redirects with a message)",
}


def _tenant_rules(app):
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments)
        if not args or args <= set(PUBLIC_VARIABLES):
            continue
        unknown = args - set(PUBLIC_VARIABLES) - set(TENANT_OBJECTS)
        assert not unknown, f"{rule.rule}: declare {unknown} in TENANT_OBJECTS or PUBLIC_VARIABLES"
        yield rule


@pytest.fixture
def tenants(session, cipher, tmp_path):
    a, b = Tenant(session, cipher, "甲"), Tenant(session, cipher, "乙")
    world = build_world(session, cipher, tmp_path)  # an exam session of another base, with its candidate
    b.exam_session, b.exam = world.exam_session, world.exam
    b.attempt = start_attempt(session, exam_session=world.exam_session, candidate=world.candidates[0],
                              device_id="d", now=NOW + timedelta(minutes=1)).attempt
    task = create_task(session, exam=world.exam, title="实操", checklist=WALL_PANEL, max_gap=Decimal(10), now=NOW)
    b.assessment = assessment_for(session, registration=session.query(Registration).one(), task=task)
    b.competition, b.event, b.module, b.evidence = tenant_competition(session, cipher)
    add_exam_day_objects(session, cipher, b, world)
    b.application = tenant_application(session, cipher, tmp_path)
    b.expert, b.draw = tenant_pool_objects(session, cipher)
    session.commit()
    return a, b


def _login(client, user_phone_masked_user, cipher):
    phone = cipher.decrypt(user_phone_masked_user.phone_enc, purpose="phone")
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": phone,
                                "password": PASSWORD})
    return csrf_token(client.get("/login").get_data(as_text=True))


def _public_value(rule, arg):
    return 1 if "Integer" in rule._converters[arg].__class__.__name__ else "x"


def _variants(rule, a, b):
    """All of B's objects; and, where the route nests under an organisation, A's org with B's object."""
    base = {arg: _public_value(rule, arg) for arg in rule.arguments if arg not in TENANT_OBJECTS}
    yield {**base, **{arg: TENANT_OBJECTS[arg](b) for arg in rule.arguments if arg in TENANT_OBJECTS}}
    if "org_id" in rule.arguments and len(set(rule.arguments) & set(TENANT_OBJECTS)) > 1:
        mixed = {**base, **{arg: TENANT_OBJECTS[arg](b) for arg in rule.arguments if arg in TENANT_OBJECTS}}
        mixed["org_id"] = a.org.id
        yield mixed


def test_every_tenant_owned_route_answers_404_for_another_tenant(app, client, tenants, cipher):
    a, b = tenants
    token = _login(client, a.admin, cipher)
    checked = 0
    with app.test_request_context():
        for rule in _tenant_rules(app):
            if rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            for values in _variants(rule, a, b):
                from flask import url_for

                url = url_for(rule.endpoint, **values)
                method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
                resp = client.open(url, method=method, data={"csrf_token": token},
                                   headers={"X-CSRFToken": token})
                assert resp.status_code == 404, f"{method} {url} answered {resp.status_code}"
                checked += 1
    assert checked >= 5


def test_own_tenant_routes_are_reachable(client, tenants, cipher):
    a, _b = tenants
    _login(client, a.admin, cipher)
    assert client.get(f"/admin/orgs/{a.org.id}").status_code == 200
