from __future__ import annotations

import csv
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from certificates.policy import CertificateKind
from core.models import AuditEvent
from roster import export
from roster.build import refresh_roster
from tests.certificates.cert_world import config_for, login, make_cert
from tests.factories import NOW, make_worker
from tests.roster.bulk_rows import add_entries
from tests.roster.roster_world import build_roster_world, employ

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(session, cipher, tmp_path):
    w = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    session.commit()
    return w


def _audit(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _csv_rows(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


# -- exports ----------------------------------------------------------------------------------------------------

def test_committee_csv_export_is_watermarked_and_audited_at_start_and_end(client, session, cipher, world):
    login(client, cipher, world.committee)
    resp = client.get("/roster/export.csv?purpose=技师评审&skill=hoist")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = _csv_rows(resp)
    assert rows[0][0].startswith("导出人 工作人员（专家委员·") and "仅限 技师评审 使用" in rows[0][0]
    assert [r[0] for r in rows[3:-2]] == ["李建国"]
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert "%E6%8A%80%E5%B8%88%E8%AF%84%E5%AE%A1" in disposition  # 技师评审: the watermark repeated in the name
    started, finished = _audit(session, export.STARTED), _audit(session, export.FINISHED)
    assert len(started) == len(finished) == 1
    assert started[0].actor_id == world.committee.id
    assert started[0].details["scope"] == "all" and started[0].details["filters"] == {"skill": "HOIST"}
    assert started[0].details["purpose"] == "技师评审" and started[0].details["format"] == "csv"
    assert (finished[0].details["rows"], finished[0].details["complete"]) == (1, True)
    assert finished[0].details["export_id"] == started[0].details["export_id"] in rows[0][0]


def test_a_download_broken_off_is_audited_as_incomplete(client, session, cipher, world):
    add_entries(session, 2_500)
    session.commit()
    login(client, cipher, world.committee)
    resp = client.get("/roster/export.csv?purpose=x", buffered=False)
    chunks = iter(resp.response)
    next(chunks), next(chunks)  # the watermark and header, then the first batch of 1,000 rows
    resp.close()
    [finished] = _audit(session, export.FINISHED)
    assert (finished.details["rows"], finished.details["complete"]) == (1_000, False)


def test_enterprise_hr_exports_only_its_own_employees(client, session, cipher, world):
    login(client, cipher, world.hr_a)
    rows = _csv_rows(client.get("/roster/export.csv?purpose=班组核对"))
    assert [r[0] for r in rows[3:-2]] == ["李建国"]
    assert "企业人事·" + world.ent_a.name in rows[0][0]
    # asking for another enterprise by filter gives nothing, not its workers
    rows = _csv_rows(client.get(f"/roster/export.csv?purpose=x&enterprise={world.ent_b.id}"))
    assert rows[3][0].startswith("合计 0 人")
    assert [e.details["scope"] for e in _audit(session, export.STARTED)] == [[world.ent_a.id]] * 2


def test_xlsx_export_holds_the_rows_and_both_audit_rows(client, session, cipher, world):
    login(client, cipher, world.committee)
    resp = client.get("/roster/export.xlsx?purpose=统计&status=expired")
    assert resp.status_code == 200 and resp.mimetype == export_mime()
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "仅限 统计 使用" in values[0] and values[3] == "王志强" and values[-1] == "合计 1 人"
    assert "工作人员" in sheet.oddHeader.center.text
    [finished] = _audit(session, export.FINISHED)
    assert finished.details["rows"] == 1 and finished.details["format"] == "xlsx"


def export_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_export_without_a_purpose_goes_back_with_a_message_and_exports_nothing(client, session, cipher, world):
    login(client, cipher, world.committee)
    resp = client.get("/roster/export.csv?skill=HOIST&purpose=%20")
    assert resp.status_code == 302 and "/roster?skill=HOIST" in resp.headers["Location"]
    assert "请填写导出用途" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert client.get("/roster/export.xlsx?level=9&purpose=x").status_code == 422
    assert _audit(session, export.STARTED) == []


def test_a_worker_cannot_export_and_anonymous_visitors_are_sent_to_log_in(client, session, cipher, world):
    assert client.get("/roster/export.csv?purpose=x").status_code == 302
    login(client, cipher, world.skilled)
    assert client.get("/roster/export.csv?purpose=x").status_code == 403
    assert client.get("/roster/roster.pdf?purpose=x").status_code == 403
    assert _audit(session, export.STARTED) == []


# -- printed roster ------------------------------------------------------------------------------------------------

def test_roster_pdf_has_the_watermark_and_page_numbers_on_every_page(client, session, cipher, world, tmp_path):
    add_entries(session, 70, enterprise_org_id=world.ent_a.id)
    session.commit()
    login(client, cipher, world.committee)
    resp = client.get("/roster/roster.pdf?purpose=技师评审")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pages = _pdf_text(resp.get_data(), tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert "仅限 技师评审 使用" in page and "导出人 工作人员" in page
        assert f"第{n}页共{len(pages)}页" in page.replace(" ", "")  # pdftotext drops the spaces around numbers
    assert "李建国" in pages[0] and world.skilled.id_number_masked in pages[0]
    [event] = _audit(session, export.EXPORTED)
    assert (event.details["rows"], event.details["format"]) == (73, "pdf")


def test_roster_pdf_refuses_more_rows_than_the_cap_with_a_message(client, session, cipher, world, monkeypatch):
    monkeypatch.setattr(export, "PDF_MAX_ROWS", 2)
    login(client, cipher, world.committee)
    resp = client.get("/roster/roster.pdf?purpose=x")
    assert resp.status_code == 422 and "超过 2 人" in resp.get_data(as_text=True)
    assert "超过 2 人" in client.get("/roster/print").get_data(as_text=True)
    assert _audit(session, export.EXPORTED) == []


def test_roster_preview_lists_the_scope_and_asks_for_a_purpose(client, session, cipher, world):
    login(client, cipher, world.hr_a)
    html = client.get("/roster/print").get_data(as_text=True)
    assert "李建国" in html and "王志强" not in html and 'name="purpose"' in html
    resp = client.get("/roster/roster.pdf")
    assert resp.status_code == 302 and "/roster/print" in resp.headers["Location"]


# -- public notice ----------------------------------------------------------------------------------------------

def _notice_world(session, cipher, world, tmp_path):
    config = config_for(tmp_path)
    technician = make_worker(session, cipher, name="孙技师")
    employ(session, world.ent_a, technician)
    make_cert(session, holder=technician, org=world.base, config=config, level="二级/技师", now=NOW)
    make_cert(session, holder=world.skilled, org=world.base, config=config, level="四级/中级工",
              now=NOW - timedelta(days=40))  # outside the range below
    make_cert(session, holder=world.expired, org=world.base, config=config, kind=CertificateKind.TRAINING, level="")
    session.commit()
    return technician


def test_notice_pdf_lists_certificates_issued_in_the_range_with_period_and_contact(client, session, cipher, world,
                                                                                   tmp_path):
    technician = _notice_world(session, cipher, world, tmp_path)
    login(client, cipher, world.committee)
    query = "from=2026-02-20&to=2026-03-02&notice_from=2026-03-07&days=5&contact=请致电 0871-12345678"
    resp = client.get(f"/roster/notice.pdf?{query}")
    assert resp.status_code == 200
    text = _pdf_text(resp.get_data(), tmp_path)
    assert "孙技师" in text and technician.id_number_masked in text and "二级/技师" in text
    assert "李建国" in text and "三级/高级工" in text  # the roster world's certificate, issued on NOW
    assert "四级/中级工" not in text and "王志强" not in text  # outside the range; a training certificate
    assert "2026年3月9日至2026年3月13日（5 个工作日）" in text  # a Saturday start moves to Monday
    assert "请致电 0871-12345678" in text and "第1页共1页" in text.replace(" ", "")
    assert cipher.decrypt(technician.id_number_enc, purpose="id_number") not in text
    [event] = _audit(session, "roster.notice_exported")
    assert event.details == {"from": "2026-02-20", "to": "2026-03-02", "advanced_only": False, "rows": 2}
    html = client.get(f"/roster/notice?{query}&advanced=1").get_data(as_text=True)
    assert "孙技师" in html and "李建国" not in html


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-02-30&to=2026-03-02", "开始日期格式不正确"),
    ("from=2026-03-02&to=", "请填写结束日期"),
    ("from=2026-03-02&to=2026-03-01", "结束日期不能早于开始日期"),
    ("from=2025-01-01&to=2026-03-01", "日期范围不能超过 366 天"),
    ("from=2026-03-01&to=2026-03-02&days=0", "公示天数应为 1 到 30 之间的整数"),
])
def test_notice_dates_are_validated_with_a_message_naming_the_field(client, session, cipher, world, query, message):
    login(client, cipher, world.committee)
    for path in ("/roster/notice", "/roster/notice.pdf"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert _audit(session, "roster.notice_exported") == []


def test_notice_and_statistics_are_for_the_committee_only(client, session, cipher, world):
    login(client, cipher, world.hr_a)
    for path in ("/roster/stats", "/roster/notice", "/roster/notice.pdf?from=2026-03-01&to=2026-03-02"):
        assert client.get(path).status_code == 403, path
    assert client.get("/roster/print").status_code == 200


def test_statistics_page_draws_accessible_svg_charts_with_data_tables(client, session, cipher, world):
    login(client, cipher, world.committee)
    resp = client.get("/roster/stats")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    charts = [html[start:html.index("</svg>", start) + 6] for start in _all(html, "<svg ")]
    assert len(charts) == 7
    for markup in charts:
        root = ET.fromstring(markup)
        assert root.get("role") == "img" and root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert html.count("<table") == 7 and "建筑起重信号司索工" in html


def _all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at != -1:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def test_search_page_offers_exports_and_the_committee_links(client, session, cipher, world):
    login(client, cipher, world.committee)
    html = client.get("/roster?skill=HOIST").get_data(as_text=True)
    assert "/roster/export.csv" in html and 'name="skill" value="HOIST"' in html and "/roster/stats" in html
    login(client, cipher, world.hr_a)
    html = client.get("/roster").get_data(as_text=True)
    assert "/roster/export.xlsx" in html and "/roster/stats" not in html
