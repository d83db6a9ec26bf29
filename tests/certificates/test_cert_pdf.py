"""The signed PDF: Chinese A4 landscape with a QR code, signed (PAdES), stored once; tampering is detected."""

import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import pdf as certpdf
from certificates.pdfsign import DEV_DIR
from certificates.policy import CertificateKind
from certificates.storage import pdf_path
from core.models import User
from tests.certificates.cert_world import base_with_admin, config_for, make_cert, worker

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def issued(session, cipher, tmp_path):
    org, _admin = base_with_admin(session, cipher, name="昆明市装配式建筑产业工人实训基地")
    holder = worker(session, cipher, name="张晓明")
    config = config_for(tmp_path)
    return config, make_cert(session, holder=holder, org=org, config=config)


def _status(data: bytes, config):
    root = load_cert_from_pemder(str(config.signing_dir / DEV_DIR / "cert.pem"))
    reader = PdfFileReader(io.BytesIO(data))
    [signature] = reader.embedded_signatures
    # On a helper thread: pyHanko calls asyncio.run(), which fails where a loop already runs (Playwright tests).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, signature, ValidationContext(trust_roots=[root])).result()


def test_the_pdf_is_signed_and_validates(issued):
    config, cert = issued
    data = certpdf.stored_pdf(cert, config)
    status = _status(data, config)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE" and status.modification_level.name == "NONE"


def test_a_modified_byte_breaks_the_signature(issued):
    config, cert = issued
    data = bytearray(certpdf.stored_pdf(cert, config))
    data[len(data) // 3] ^= 0x20  # inside the signed byte range
    status = _status(bytes(data), config)
    assert not status.intact and not status.bottom_line


def test_a_revision_appended_after_signing_fails_validation(issued):
    config, cert = issued
    writer = IncrementalPdfFileWriter(io.BytesIO(certpdf.stored_pdf(cert, config)))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    forged = generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 100 Td (FORGED) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    status = _status(out.getvalue(), config)
    assert status.intact  # the signed revision itself is untouched ...
    assert status.coverage.name != "ENTIRE_FILE" and not status.bottom_line  # ... but the file was changed after


def test_the_pdf_is_stored_once_and_served_from_storage(issued, monkeypatch):
    config, cert = issued
    first = certpdf.stored_pdf(cert, config)
    assert pdf_path(config, cert).read_bytes() == first and cert.pdf_sha256
    monkeypatch.setattr(certpdf, "render_signed_pdf", lambda *a, **k: pytest.fail("rendered twice"))
    assert certpdf.stored_pdf(cert, config) == first


def test_a_stored_pdf_that_changed_on_disk_is_refused(issued):
    config, cert = issued
    certpdf.stored_pdf(cert, config)
    pdf_path(config, cert).write_bytes(b"%PDF-1.7 not ours")
    with pytest.raises(RuntimeError):
        certpdf.stored_pdf(cert, config)


def test_store_once_keeps_the_first_writer(tmp_path):
    path = tmp_path / "a" / "x.pdf"
    assert certpdf.store_once(path, b"first") == b"first"
    assert certpdf.store_once(path, b"second") == b"first"
    assert [p.name for p in path.parent.iterdir()] == ["x.pdf"]  # no temporary files left behind


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.css", "https://127.0.0.1/a.svg",
                                 "data:image/svg+xml,<svg/>", "asset:../pdf.py", "asset:/etc/passwd",
                                 "asset:nope.svg"])
def test_the_url_fetcher_refuses_everything_but_own_assets(url):
    with pytest.raises(ValueError):
        certpdf.AssetFetcher().fetch(url)


def test_the_url_fetcher_serves_own_assets():
    response = certpdf.AssetFetcher().fetch("asset:emblem.svg")
    assert response.read().startswith(b"<svg") and response.content_type == "image/svg+xml"


def test_the_pdf_carries_the_public_fields_and_never_the_id_number(session, cipher, issued):
    config, cert = issued
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("poppler-utils missing")
    data = certpdf.stored_pdf(cert, config)
    text = subprocess.run([pdftotext, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    for expected in ("职业技能等级证书", "张晓明", "建筑起重信号司索工", "五级/初级工", cert.serial,
                     "昆明市装配式建筑产业工人实训基地", "长期有效", "扫码查验真伪"):
        assert expected in flat, expected
    holder = session.get(User, cert.holder_id)
    id_number = cipher.decrypt(holder.id_number_enc, purpose="id_number")
    assert id_number not in flat and holder.id_number_masked not in flat and id_number[6:14] not in flat


def test_every_kind_renders_and_a_png_is_written_for_review(session, cipher, tmp_path, issued):
    config, cert = issued
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("poppler-utils missing")
    ARTIFACTS.mkdir(exist_ok=True)
    org, _ = base_with_admin(session, cipher, name="西安装配式建筑技能竞赛组委会")
    holder = worker(session, cipher, name="欧阳·买买提")
    card = make_cert(session, holder=holder, org=org, config=config, kind=CertificateKind.SPECIAL_TRADE, level="",
                     expires_at=cert.issued_at.replace(year=2028))
    for label, item in (("skill-level", cert), ("special-trade", card)):
        data = certpdf.stored_pdf(item, config)
        pdf_file = ARTIFACTS / f"certificate-{label}.pdf"
        pdf_file.write_bytes(data)
        subprocess.run([pdftoppm, "-png", "-r", "100", "-singlefile", str(pdf_file),
                        str(ARTIFACTS / f"certificate-{label}")], check=True)
        assert (ARTIFACTS / f"certificate-{label}.png").stat().st_size > 20_000
