"""The public verification page: status in words and colour, public fields only, token or enterprise login."""

import re
from datetime import timedelta

import pytest

from certificates.lifecycle import reissue_certificate, revoke_certificate, suspend_certificate
from certificates.policy import CertificateKind
from certificates.serials import make_serial
from core.clock import utcnow
from tests.certificates.cert_world import base_with_admin, enterprise_hr, login, make_cert, worker
from tests.factories import valid_id_number


@pytest.fixture
def world(app, session, cipher):
    config = app.extensions["certificates"]
    org, admin = base_with_admin(session, cipher, name="昆明装配式建筑实训基地")
    holder = worker(session, cipher, name="张晓明")
    id_number = valid_id_number()
    holder.id_number_hash = cipher.lookup_hash(id_number, purpose="id_number")
    holder.id_number_masked = id_number[:6] + "*" * 8 + id_number[-4:]
    cert = make_cert(session, holder=holder, org=org, config=config, now=utcnow() - timedelta(days=3))
    session.commit()
    return config, org, admin, holder, cert, id_number


def _page(client, cert, token=None):
    return client.get(f"/verify/{cert.serial}?t={cert.token if token is None else token}")


def test_the_page_shows_status_and_public_fields_but_never_the_id_number(client, world):
    _config, _org, _admin, holder, cert, id_number = world
    resp = _page(client, cert)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "tone-ok" in html and ">有效<" in html and "证书真实有效" in html
    for text in ("张晓明", "职业技能等级证书", "建筑起重信号司索工", "五级/初级工", "昆明装配式建筑实训基地",
                 cert.serial, "长期有效"):
        assert text in html, text
    assert id_number not in html and holder.id_number_masked not in html and id_number[-4:] not in html


def test_the_page_is_small(client, world):
    cert = world[4]
    html = _page(client, cert).get_data()
    css = client.get("/certificates/static/cert.css").get_data()
    assert len(html) < 8_000 and len(css) < 8_000
    assert b"<script" not in html  # no script on the page a gate guard opens


def test_a_revoked_certificate_shows_the_reason_in_red(client, session, world):
    _config, _org, admin, _holder, cert, _id = world
    revoke_certificate(session, certificate=cert, actor_id=admin.id, reason="考核记录造假，经核查撤销", now=utcnow())
    session.commit()
    html = _page(client, cert).get_data(as_text=True)
    assert "tone-bad" in html and "已撤销" in html and "考核记录造假，经核查撤销" in html and "不再有效" in html


def test_a_suspended_certificate_shows_the_reason(client, session, world):
    _config, _org, admin, _holder, cert, _id = world
    suspend_certificate(session, certificate=cert, actor_id=admin.id, reason="安全事故调查中", now=utcnow())
    session.commit()
    html = _page(client, cert).get_data(as_text=True)
    assert "tone-warn" in html and "已暂停" in html and "安全事故调查中" in html


def test_a_superseded_certificate_points_to_the_new_one(client, session, world):
    config, _org, admin, holder, cert, _id = world
    holder.name = "张晓鸣"
    new = reissue_certificate(session, certificate=cert, actor_id=admin.id, reason="姓名更正", config=config,
                              now=utcnow())
    session.commit()
    html = _page(client, cert).get_data(as_text=True)
    assert "已被新证替换" in html and new.serial in html and f"t={new.token}" in html
    assert "张晓鸣" not in html  # the old page shows the old certificate; the new name is on the new one


def test_expiring_and_expired_cards(client, session, world, app):
    config, org, _admin, holder, _cert, _id = world
    now = utcnow()
    soon = make_cert(session, holder=holder, org=org, config=config, kind=CertificateKind.SPECIAL_TRADE, level="",
                     now=now - timedelta(days=700), expires_at=now + timedelta(days=20))
    gone = make_cert(session, holder=holder, org=org, config=config, kind=CertificateKind.SPECIAL_TRADE, level="",
                     now=now - timedelta(days=800), expires_at=now - timedelta(days=1))
    session.commit()
    assert "即将到期" in _page(client, soon).get_data(as_text=True)
    html = _page(client, gone).get_data(as_text=True)
    assert "已过期" in html and "tone-off" in html


def test_without_the_token_the_public_sees_the_same_404_as_for_an_unknown_serial(client, world):
    cert = world[4]
    no_token = client.get(f"/verify/{cert.serial}")
    wrong = _page(client, cert, token="guess")
    unknown = client.get(f"/verify/{make_serial(year=2026, skill='HOIST', sequence=999999)}?t=x")
    assert no_token.status_code == wrong.status_code == unknown.status_code == 404
    strip = lambda r: re.sub(r"PS-[0-9A-Z-]+", "", r.get_data(as_text=True))  # noqa: E731
    assert strip(no_token) == strip(unknown) == strip(wrong)
    assert "张晓明" not in no_token.get_data(as_text=True)


def test_a_typo_is_caught_before_any_lookup(client, world):
    cert = world[4]
    digit = cert.serial[-3]
    typo = cert.serial[:-3] + ("7" if digit != "7" else "8") + cert.serial[-2:]  # one wrong digit
    resp = client.get(f"/verify/{typo}?t={cert.token}")
    assert resp.status_code == 404 and "校验位" in resp.get_data(as_text=True)


def test_a_pending_certificate_is_not_public_even_with_its_token(client, session, world):
    config, org, _admin, holder, _cert, _id = world
    pending = make_cert(session, holder=holder, org=org, config=config, level="二级/技师", pending=True)
    session.commit()
    assert _page(client, pending).status_code == 404


def test_an_enterprise_account_verifies_by_serial_alone(client, session, cipher, world):
    cert = world[4]
    _org, hr = enterprise_hr(session, cipher)
    session.commit()
    login(client, cipher, hr)
    assert client.get(f"/verify/{cert.serial}").status_code == 200
    lookup = client.get(f"/verify?serial={cert.serial.lower()}")
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith(f"/verify/{cert.serial.lower()}")


def test_other_accounts_need_the_token(client, session, cipher, world):
    cert = world[4]
    _org, stranger_admin = base_with_admin(session, cipher)  # staff of another training base
    session.commit()
    login(client, cipher, stranger_admin)
    assert client.get(f"/verify/{cert.serial}").status_code == 404


def _check(client, cert, number):
    page = _page(client, cert).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(f"/verify/{cert.serial}/id-check",
                       data={"csrf_token": token, "t": cert.token, "id_number": number})


def test_the_id_number_check_says_only_matches_or_not(client, world):
    cert, id_number = world[4], world[5]
    yes = _check(client, cert, id_number.lower())
    assert yes.status_code == 200 and "一致：与持证人身份证号相符" in yes.get_data(as_text=True)
    assert id_number not in yes.get_data(as_text=True)
    other = valid_id_number()
    no = _check(client, cert, other).get_data(as_text=True)
    assert "不一致" in no and other not in no
    bad = _check(client, cert, "123").get_data(as_text=True)
    assert "身份证号应为18位" in bad and "一致：" not in bad


def test_the_id_check_needs_the_token_too(client, world):
    cert, id_number = world[4], world[5]
    page = _page(client, cert).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = client.post(f"/verify/{cert.serial}/id-check", data={"csrf_token": token, "t": "x", "id_number": id_number})
    assert resp.status_code == 404


# The page is rendered once per (view, token, language) and shared between visitors (see ``verify``): what
# must never be shared is a stale status, another visitor's CSRF token, or another language's text.

def test_a_revocation_shows_on_the_next_scan_after_the_page_was_served(client, session, world):
    _config, _org, admin, _holder, cert, _id = world
    for _ in range(2):
        assert ">有效<" in _page(client, cert).get_data(as_text=True)
    revoke_certificate(session, certificate=cert, actor_id=admin.id, reason="证书信息有误", now=utcnow())
    session.commit()
    html = _page(client, cert).get_data(as_text=True)
    assert ">已撤销<" in html and "证书信息有误" in html and ">有效<" not in html


def test_each_visitor_gets_their_own_working_csrf_token_on_the_shared_page(app, client, world):
    cert, id_number = world[4], world[5]
    other = app.test_client()
    pages = [_page(c, cert).get_data(as_text=True) for c in (client, other)]
    tokens = [re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', p).group(1) for p in pages]
    assert tokens[0] != tokens[1] and "__csrf" not in pages[0] + pages[1]
    for c, token in ((client, tokens[0]), (other, tokens[1])):
        resp = c.post(f"/verify/{cert.serial}/id-check", data={"csrf_token": token, "t": cert.token,
                                                               "id_number": id_number})
        assert "一致：与持证人身份证号相符" in resp.get_data(as_text=True)
    swapped = client.post(f"/verify/{cert.serial}/id-check", data={"csrf_token": tokens[1], "t": cert.token,
                                                                   "id_number": id_number})
    assert swapped.status_code == 400  # one visitor's token is no good in another's session


def test_the_english_page_is_its_own_page(client, world):
    cert = world[4]
    assert ">有效<" in _page(client, cert).get_data(as_text=True)
    english = client.get(f"/verify/{cert.serial}?t={cert.token}&lang=en").get_data(as_text=True)
    assert ">Valid<" in english and ">有效<" not in english and 'lang="en"' in english
    chinese = client.get(f"/verify/{cert.serial}?t={cert.token}&lang=zh_Hans_CN").get_data(as_text=True)
    assert ">有效<" in chinese and 'lang="zh-CN"' in chinese
