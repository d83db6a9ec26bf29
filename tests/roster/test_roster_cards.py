"""Special-trade cards entered by training bases: the authority's validity rule, a card's own expiry, the
renewal window, entry by ID number and name, all-or-nothing imports, and the base-admin pages."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.clock import utcnow
from core.demo import seed as seed_demo_logins
from core.errors import ValidationFailed
from core.models import AuditEvent, OrgKind
from roster import cards
from roster.card_file import CardFileError, read_card_file
from roster.models import TradeAuthority, TradeCard
from tests.certificates.cert_world import base_with_admin, login
from tests.factories import NOW, make_org, make_worker, valid_id_number

PROVINCE = "云南省住房和城乡建设厅"
HEADER = "姓名,身份证号,工种,证书编号,发证机关,发证日期,有效期至"


def _authority(session, name: str = PROVINCE, months: int = 24, window: int = 3) -> TradeAuthority:
    if name == PROVINCE:
        return next(a for a in cards.ensure_default_authorities(session, now=NOW) if a.name == PROVINCE)
    authority = TradeAuthority(name=name, region="", validity_months=months, renewal_window_months=window,
                               created_at=NOW)
    session.add(authority)
    session.flush()
    return authority


def _id(cipher, user) -> str:
    return cipher.decrypt(user.id_number_enc, purpose="id_number")


def _raw(cipher, user, **overrides) -> dict:
    values = {"name": user.name, "id_number": _id(cipher, user), "trade_name": "建筑起重信号司索工",
              "card_number": "云A04202400001", "authority": PROVINCE, "issued_on": "2024-03-15"}
    return values | overrides


def _cards(session) -> int:
    return session.scalar(select(func.count(TradeCard.id)))


def _audits(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- the validity rule -------------------------------------------------------------------------------------------

def test_provincial_rule_gives_two_years_to_the_day_before_the_anniversary(session):
    authority = _authority(session)
    assert (authority.validity_months, authority.renewal_window_months) == (24, 3)
    assert cards.expiry_for(authority, date(2024, 3, 15)) == date(2026, 3, 14)
    assert cards.expiry_for(authority, date(2024, 2, 29)) == date(2026, 2, 27)  # clamped to 28 Feb, less a day


def test_status_is_valid_then_renewal_due_in_the_last_three_months_then_expired(session):
    authority, expires_on = _authority(session), date(2026, 3, 14)
    assert cards.card_status(authority, expires_on, date(2025, 12, 14)) == cards.CardStatus.VALID
    assert cards.card_status(authority, expires_on, date(2025, 12, 15)) == cards.CardStatus.RENEWAL_DUE
    assert cards.card_status(authority, expires_on, date(2026, 3, 14)) == cards.CardStatus.RENEWAL_DUE
    assert cards.card_status(authority, expires_on, date(2026, 3, 15)) == cards.CardStatus.EXPIRED


def test_another_authority_has_its_own_terms(session, cipher):
    city = _authority(session, "某市建设行政主管部门", months=36, window=6)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    card = cards.add_card(session, cipher, _raw(cipher, worker, authority=city.name), base_org_id=base.id,
                          actor_id=None, now=NOW)
    assert card.expires_on == date(2027, 3, 14) and not card.has_stated_expiry
    assert cards.card_status(city, card.expires_on, date(2026, 9, 14)) == cards.CardStatus.VALID
    assert cards.card_status(city, card.expires_on, date(2026, 9, 15)) == cards.CardStatus.RENEWAL_DUE


def test_a_card_that_states_its_own_expiry_keeps_it(session, cipher):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    card = cards.add_card(session, cipher, _raw(cipher, worker, expires_on="2025年9月30日"), base_org_id=base.id,
                          actor_id=None, now=NOW)
    assert (card.expires_on, card.has_stated_expiry) == (date(2025, 9, 30), True)


def test_ensure_default_authorities_is_idempotent(session):
    cards.ensure_default_authorities(session, now=NOW)
    cards.ensure_default_authorities(session, now=NOW)
    assert session.scalar(select(func.count()).where(TradeAuthority.name == PROVINCE)) == 1


# -- entering one card -------------------------------------------------------------------------------------------

def test_a_card_is_entered_for_the_worker_matched_by_id_number_and_name_and_audited(session, cipher):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    card = cards.add_card(session, cipher, _raw(cipher, worker, card_number="云a 0420 2400001"),
                          base_org_id=base.id, actor_id=None, now=NOW)
    assert (card.user_id, card.base_org_id, card.card_number) == (worker.id, base.id, "云A04202400001")
    [event] = _audits(session, "roster.trade_card.add")
    assert (event.org_id, event.target) == (base.id, f"trade_card:{card.id}")
    assert _id(cipher, worker) not in str(event.details)


@pytest.mark.parametrize("change", ["name", "id_number"])
def test_a_worker_not_registered_under_that_id_number_and_name_is_refused(session, cipher, change):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    # another person's name, or a well-formed ID number nobody registered with
    raw = _raw(cipher, worker, **({"name": "陈立"} if change == "name" else {"id_number": valid_id_number()}))
    with pytest.raises(ValidationFailed) as exc:
        cards.add_card(session, cipher, raw, base_org_id=base.id, actor_id=None, now=NOW)
    assert exc.value.field == "id_number" and _cards(session) == 0


def _bad_check_digit() -> str:
    number = valid_id_number()
    return number[:17] + ("1" if number[17] != "1" else "2")


@pytest.mark.parametrize(("field", "value"), [("id_number", _bad_check_digit()), ("issued_on", "2024-13-01"),
                                              ("issued_on", "2027-01-01"), ("expires_on", "2024-01-01"),
                                              ("authority", "不存在的机关"), ("card_number", "")])
def test_a_bad_value_is_refused_naming_its_field(session, cipher, field, value):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    with pytest.raises(ValidationFailed) as exc:
        cards.add_card(session, cipher, _raw(cipher, worker, **{field: value}), base_org_id=base.id, actor_id=None,
                       now=NOW)
    assert exc.value.field == field and exc.value.message


def test_a_card_number_is_unique_per_authority(session, cipher):
    _authority(session)
    other = _authority(session, "某市建设行政主管部门", months=36, window=6)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    cards.add_card(session, cipher, _raw(cipher, worker), base_org_id=base.id, actor_id=None, now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        cards.add_card(session, cipher, _raw(cipher, worker), base_org_id=base.id, actor_id=None, now=NOW)
    assert exc.value.field == "card_number"
    cards.add_card(session, cipher, _raw(cipher, worker, authority=other.name), base_org_id=base.id, actor_id=None,
                   now=NOW)
    assert _cards(session) == 2


# -- importing a file ----------------------------------------------------------------------------------------------

def _csv(*lines: str) -> bytes:
    return ("\n".join((HEADER, *lines)) + "\n").encode("utf-8-sig")


def test_an_import_with_a_bad_row_names_the_row_and_writes_nothing(session, cipher):
    _authority(session)
    base = make_org(session)
    good, other = make_worker(session, cipher, name="陈立新"), make_worker(session, cipher, name="周海燕")
    data = _csv(f"陈立新,{_id(cipher, good)},建筑起重信号司索工,A001,{PROVINCE},2024-03-15,",
                f"周海燕,{_id(cipher, other)},建筑起重信号司索工,A002,{PROVINCE},2024/3/40,")
    with pytest.raises(cards.CardImportFailed) as exc:
        cards.import_cards(session, cipher, read_card_file("cards.csv", data), base_org_id=base.id, actor_id=None,
                           now=NOW)
    assert len(exc.value.errors) == 1 and exc.value.errors[0].startswith("第 3 行（发证日期）")
    assert _cards(session) == 0 and _audits(session, "roster.trade_card.import") == []


def test_an_import_lists_every_bad_row_including_repeated_card_numbers(session, cipher):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    line = f"陈立新,{_id(cipher, worker)},建筑起重信号司索工,A001,{PROVINCE},2024-03-15,"
    data = _csv(line, line, f"无此人,{_id(cipher, worker)},建筑起重信号司索工,A009,{PROVINCE},2024-03-15,")
    with pytest.raises(cards.CardImportFailed) as exc:
        cards.import_cards(session, cipher, read_card_file("cards.csv", data), base_org_id=base.id, actor_id=None,
                           now=NOW)
    assert [e.split("（")[0] for e in exc.value.errors] == ["第 3 行", "第 4 行"]
    assert "第 2 行" in exc.value.errors[0]  # the repeat points at the row it repeats


def test_an_xlsx_import_enters_every_row_with_one_audit_row(session, cipher):
    _authority(session)
    base = make_org(session)
    workers = [make_worker(session, cipher, name=n) for n in ("陈立新", "周海燕")]
    book = Workbook()
    sheet = book.active
    sheet.append(["证书编号", "姓名", "身份证号", "工种", "发证机关", "发证日期", "有效期至"])  # any column order
    sheet.append(["B001", "陈立新", _id(cipher, workers[0]), "建筑起重信号司索工", PROVINCE, date(2024, 5, 1), None])
    sheet.append(["B002", "周海燕", _id(cipher, workers[1]), "建筑起重机械司机", PROVINCE, date(2025, 1, 2),
                  date(2026, 6, 30)])
    buffer = io.BytesIO()
    book.save(buffer)
    imported = cards.import_cards(session, cipher, read_card_file("cards.xlsx", buffer.getvalue()),
                                  base_org_id=base.id, actor_id=None, now=NOW)
    assert [(c.card_number, c.expires_on) for c in imported] == [("B001", date(2026, 4, 30)),
                                                                 ("B002", date(2026, 6, 30))]
    [event] = _audits(session, "roster.trade_card.import")
    assert event.details == {"cards": 2} and event.org_id == base.id


def test_an_id_number_that_excel_turned_into_a_number_is_explained(session, cipher):
    _authority(session)
    base, worker = make_org(session), make_worker(session, cipher, name="陈立新")
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["陈立新", float(_id(cipher, worker)[:17]), "建筑起重信号司索工", "C1", PROVINCE, "2024-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(cards.CardImportFailed) as exc:
        cards.import_cards(session, cipher, read_card_file("x.xlsx", buffer.getvalue()), base_org_id=base.id,
                           actor_id=None, now=NOW)
    assert "文本" in exc.value.errors[0] and exc.value.errors[0].startswith("第 2 行（身份证号）")


def test_a_file_without_the_needed_header_is_refused_naming_the_missing_columns():
    with pytest.raises(CardFileError) as exc:
        read_card_file("cards.csv", "姓名,身份证号\n张三,1\n".encode())
    assert "证书编号" in exc.value.message and "发证机关" in exc.value.message and exc.value.field == "file"


# -- pages -------------------------------------------------------------------------------------------------------

def _page_world(session, cipher):
    _authority(session)
    base, admin = base_with_admin(session, cipher)
    other_base, other_admin = base_with_admin(session, cipher)
    worker = make_worker(session, cipher, name="陈立新")
    session.commit()
    return base, admin, other_base, other_admin, worker


def test_a_base_admin_enters_a_card_on_the_page_and_sees_it_with_its_rule(client, session, cipher):
    base, admin, _ob, _oa, worker = _page_world(session, cipher)
    token = login(client, cipher, admin)
    issued_on = cards.local_today(utcnow()) - timedelta(days=700)  # expires in about a month: renewal due
    resp = client.post(f"/orgs/{base.id}/trade-cards",
                       data={"csrf_token": token, **_raw(cipher, worker, issued_on=issued_on.isoformat())})
    assert resp.status_code == 302
    html = client.get(f"/orgs/{base.id}/trade-cards").get_data(as_text=True)
    expires_on = cards.expiry_for(_authority(session), issued_on)
    assert "云A04202400001" in html and expires_on.isoformat() in html and "待复审" in html
    assert worker.id_number_masked in html and _id(cipher, worker) not in html
    assert "24 个月" in html and "到期前 3 个月内" in html


def test_a_bad_form_value_re_renders_with_the_message_and_without_the_id_number(client, session, cipher):
    base, admin, _ob, _oa, worker = _page_world(session, cipher)
    token = login(client, cipher, admin)
    resp = client.post(f"/orgs/{base.id}/trade-cards",
                       data={"csrf_token": token, **_raw(cipher, worker, issued_on="昨天")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "发证日期" in html and _id(cipher, worker) not in html
    session.rollback()
    assert _cards(session) == 0


def test_a_page_import_with_a_bad_row_is_refused_with_the_row_number(client, session, cipher):
    base, admin, _ob, _oa, worker = _page_world(session, cipher)
    token = login(client, cipher, admin)
    data = _csv(f"陈立新,{_id(cipher, worker)},建筑起重信号司索工,A001,{PROVINCE},2024-03-15,",
                f"陈立新,{_id(cipher, worker)},建筑起重信号司索工,A002,某某机关,2024-03-15,")
    resp = client.post(f"/orgs/{base.id}/trade-cards/import",
                       data={"csrf_token": token, "file": (io.BytesIO(data), "cards.csv")})
    assert resp.status_code == 422 and "第 3 行（发证机关）" in resp.get_data(as_text=True)
    session.rollback()
    assert _cards(session) == 0


def test_another_base_and_a_non_base_answer_404(client, session, cipher):
    base, _admin, other_base, other_admin, worker = _page_world(session, cipher)
    enterprise = make_org(session, kind=OrgKind.ENTERPRISE)
    session.commit()
    token = login(client, cipher, other_admin)
    assert client.get(f"/orgs/{base.id}/trade-cards").status_code == 404
    assert client.get(f"/orgs/{enterprise.id}/trade-cards").status_code == 404
    post = client.post(f"/orgs/{base.id}/trade-cards", data={"csrf_token": token, **_raw(cipher, worker)})
    upload = client.post(f"/orgs/{base.id}/trade-cards/import",
                         data={"csrf_token": token, "file": (io.BytesIO(_csv()), "cards.csv")})
    assert (post.status_code, upload.status_code) == (404, 404)
    assert client.get(f"/orgs/{other_base.id}/trade-cards").status_code == 200
    session.rollback()
    assert _cards(session) == 0


def test_the_hub_sends_a_single_base_admin_to_the_cards_page(client, session, cipher):
    base, admin, *_rest = _page_world(session, cipher)
    login(client, cipher, admin)
    resp = client.get("/trade-cards")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/orgs/{base.id}/trade-cards")


def test_expiry_for_a_card_issued_on_the_last_day_of_a_month():
    authority = TradeAuthority(name="x", validity_months=24, renewal_window_months=3)
    assert cards.expiry_for(authority, date(2024, 8, 31)) == date(2026, 8, 30)
    assert cards.renewal_opens_on(authority, date(2026, 8, 30)) == date(2026, 5, 31)
    assert cards.renewal_opens_on(TradeAuthority(name="y", validity_months=12, renewal_window_months=0),
                                  date(2026, 8, 30)) is None


def test_demo_cards_are_seeded_once_for_the_demo_workers(session, cipher):
    seed_demo_logins(session, cipher=cipher)
    first = cards.seed_demo_cards(session, cipher, now=NOW)
    assert len(first) == 2 and cards.seed_demo_cards(session, cipher, now=NOW) == []
    statuses = {line.status for line in cards.card_lines(session, today=cards.local_today(NOW), limit=10)}
    assert statuses == {cards.CardStatus.VALID, cards.CardStatus.RENEWAL_DUE}
