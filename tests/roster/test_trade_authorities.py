"""Issuing authorities are data: the platform admin adds one or changes its rule, and cards follow it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.errors import ValidationFailed
from core.models import AuditEvent, OrgKind, Role
from roster import cards
from roster.models import TradeAuthority
from tests.conftest import csrf_token, login_as
from tests.factories import NOW, make_org, make_staff


def _form(**values):
    return {"name": "广东省住房和城乡建设厅", "region": "广东省", "validity_months": "36",
            "renewal_window_months": "2", **values}


def test_a_new_authority_sets_the_expiry_of_cards_entered_under_it(session):
    authority = cards.save_authority(session, _form(), actor_id=1, now=NOW)
    assert cards.expiry_for(authority, date(2024, 3, 15)) == date(2027, 3, 14)
    assert cards.card_status(authority, date(2027, 3, 14), date(2027, 1, 20)) == cards.CardStatus.RENEWAL_DUE
    assert cards.card_status(authority, date(2027, 3, 14), date(2027, 1, 10)) == cards.CardStatus.VALID


def test_changing_a_rule_by_name_updates_it_and_is_audited(session):
    first = cards.save_authority(session, _form(), actor_id=1, now=NOW)
    again = cards.save_authority(session, _form(validity_months="24", renewal_window_months="3"), actor_id=1,
                                 now=NOW + timedelta(days=1))
    assert again.id == first.id and (again.validity_months, again.renewal_window_months) == (24, 3)
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.authority_saved")).all()
    assert [r.details["before"] for r in rows] == [None, [36, 2]]


@pytest.mark.parametrize(("field", "value"), [("name", ""), ("validity_months", "0"), ("validity_months", "abc"),
                                              ("renewal_window_months", "36"), ("renewal_window_months", "-1")])
def test_a_bad_rule_names_the_field_and_writes_nothing(session, field, value):
    with pytest.raises(ValidationFailed) as caught:
        cards.save_authority(session, _form(**{field: value}), actor_id=1, now=NOW)
    assert caught.value.field == field
    assert session.scalar(select(TradeAuthority).where(TradeAuthority.name == "广东省住房和城乡建设厅")) is None


def test_only_the_platform_admin_edits_authorities_through_the_page(client, session, cipher):
    platform = make_org(session, kind=OrgKind.AUTHORITY)
    admin = make_staff(session, cipher, platform, Role.PLATFORM_ADMIN)
    base_admin = make_staff(session, cipher, make_org(session), Role.BASE_ADMIN)
    session.commit()
    login_as(client, cipher, base_admin)
    assert client.get("/trade-card-authorities").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").get_data(as_text=True))})
    login_as(client, cipher, admin)
    page = client.get("/trade-card-authorities")
    bad = client.post("/trade-card-authorities", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                         **_form(renewal_window_months="40")})
    assert bad.status_code == 422 and "复审期" in bad.get_data(as_text=True)
    ok = client.post("/trade-card-authorities", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                        **_form()}, follow_redirects=True)
    assert ok.status_code == 200 and "广东省住房和城乡建设厅" in ok.get_data(as_text=True)
