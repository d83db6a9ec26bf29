import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_worker, valid_id_number


def _register_form(client, **overrides):
    page = client.get("/register")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": "13812341234", "name": "王小明",
            "id_number": valid_id_number(), "password": PASSWORD, "password2": PASSWORD, "consent": "y"}
    data.update(overrides)
    return client.post("/register", data=data)


def test_registering_through_the_form_logs_the_worker_in(client):
    resp = _register_form(client)
    assert resp.status_code == 302
    assert "138****1234" in client.get("/account").get_data(as_text=True)


def test_bad_check_digit_shows_a_chinese_message_on_the_field(client):
    resp = _register_form(client, id_number="110105194912310021")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="id_number-err"' in html and "校验位" in html


def test_form_without_csrf_token_is_refused(client):
    resp = client.post("/register", data={"phone": "13812341234", "name": "王小明", "id_number": valid_id_number(),
                                          "password": PASSWORD, "password2": PASSWORD, "consent": "y"})
    assert resp.status_code == 400
    assert "页面已过期" in resp.get_data(as_text=True)


def test_login_rotates_the_session(client, session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    session.commit()
    page = client.get("/login")
    before = client.get_cookie("session").value
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "phone": "13812341234",
                                "password": PASSWORD})
    after = client.get_cookie("session").value
    assert after != before
    assert client.get("/account").status_code == 200


def test_wrong_password_shows_one_message_and_stays_logged_out(client, session, cipher):
    make_worker(session, cipher, phone_number="13812341234")
    session.commit()
    page = client.get("/login")
    resp = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       "phone": "13812341234", "password": "wrong-pass1"})
    assert "手机号或密码不正确" in resp.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_logout_ends_the_session(client, session, cipher):
    _register_form(client)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/openapi.json"])
def test_security_headers_are_set(client, path):
    resp = client.get(path)
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_chinese_404(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and "找不到页面" in resp.get_data(as_text=True)


def test_english_is_switchable(client):
    client.get("/lang/en")
    assert "Register" in client.get("/register").get_data(as_text=True)


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_pages_use_system_fonts_and_a_manifest(client):
    html = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in html and "fonts.googleapis" not in html
    css = client.get("/static/app.css").get_data(as_text=True)
    assert "@font-face" not in css


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_password_fields_render_as_password_inputs(client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'type="password"' in html and 'type="None"' not in html
