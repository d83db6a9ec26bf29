"""The worker's wallet: my certificates, QR for the gate, the PDF from storage; nobody else's."""

import re

import pytest

from certificates.storage import pdf_path
from core.clock import utcnow
from tests.certificates.cert_world import base_with_admin, login, make_cert, worker


@pytest.fixture
def world(app, session, cipher):
    config = app.extensions["certificates"]
    base, _admin = base_with_admin(session, cipher, name="昆明装配式建筑实训基地")
    holder = worker(session, cipher, name="张晓明")
    cert = make_cert(session, holder=holder, org=base, config=config, now=utcnow())
    pending = make_cert(session, holder=holder, org=base, config=config, level="二级/技师", pending=True)
    other = make_cert(session, holder=worker(session, cipher, name="李四"), org=base, config=config, now=utcnow())
    session.commit()
    return config, holder, cert, pending, other


def test_the_wallet_lists_my_certificates_with_status(client, cipher, world):
    _config, holder, cert, pending, other = world
    login(client, cipher, holder)
    html = client.get("/me/certificates").get_data(as_text=True)
    assert cert.serial in html and pending.serial in html and other.serial not in html
    assert "有效" in html and "待专家委员会评审" in html
    assert "/me/certificates" in client.get("/account").get_data(as_text=True)  # linked from the account page


def test_the_detail_page_shows_the_qr_and_the_downloads(client, cipher, world):
    _config, holder, cert, _pending, _other = world
    login(client, cipher, holder)
    html = client.get(f"/me/certificates/{cert.serial}").get_data(as_text=True)
    assert "<svg" in html and "全屏出示二维码" in html and "下载证书 PDF" in html
    assert f"/api/v1/certificates/{cert.serial}/credential" in html
    full = client.get(f"/me/certificates/{cert.serial}/qr").get_data(as_text=True)
    assert "<svg" in full and "张晓明" in full and "qr.js" in full


def test_the_pdf_is_rendered_once_and_then_served_from_storage(client, cipher, session, world):
    config, holder, cert, _pending, _other = world
    login(client, cipher, holder)
    first = client.get(f"/me/certificates/{cert.serial}/certificate.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    assert "attachment" in first.headers["Content-Disposition"]
    stored = pdf_path(config, cert)
    assert stored.read_bytes() == first.data
    mtime = stored.stat().st_mtime_ns
    second = client.get(f"/me/certificates/{cert.serial}/certificate.pdf")
    assert second.data == first.data and stored.stat().st_mtime_ns == mtime
    session.refresh(cert)
    assert cert.pdf_sha256 and len(cert.pdf_sha256) == 64


def test_a_pending_certificate_has_no_qr_and_no_pdf(client, cipher, world):
    _config, holder, _cert, pending, _other = world
    login(client, cipher, holder)
    html = client.get(f"/me/certificates/{pending.serial}").get_data(as_text=True)
    assert "待专家委员会评审" in html and "<svg" not in html
    assert client.get(f"/me/certificates/{pending.serial}/certificate.pdf").status_code == 404


def test_someone_elses_certificate_is_404(client, cipher, world):
    _config, holder, _cert, _pending, other = world
    login(client, cipher, holder)
    for suffix in ("", "/qr", "/certificate.pdf"):
        assert client.get(f"/me/certificates/{other.serial}{suffix}").status_code == 404
    assert client.get("/me/certificates/not-a-serial").status_code == 404


def test_the_wallet_needs_a_login(client, world):
    resp = client.get("/me/certificates")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_qr_code_opens_the_verification_page(client, cipher, world):
    config, holder, cert, _pending, _other = world
    from certificates.pdf import verify_url

    url = verify_url(config, cert)
    assert url == f"{config.base_url}/verify/{cert.serial}?t={cert.token}"
    assert re.match(r"^[A-Za-z0-9_-]{20,}$", cert.token)
