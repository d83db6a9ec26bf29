"""Enterprise bulk verification page: upload CSV/XLSX, per-row results, a result file for that enterprise only."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from core.clock import utcnow
from core.models import AuditEvent
from tests.certificates.cert_world import base_with_admin, enterprise_hr, login, make_cert, worker
from tests.factories import valid_id_number


@pytest.fixture
def world(app, session, cipher):
    config = app.extensions["certificates"]
    base, _admin = base_with_admin(session, cipher)
    holder = worker(session, cipher, name="张晓明")
    id_number = valid_id_number()
    holder.id_number_hash = cipher.lookup_hash(id_number, purpose="id_number")
    cert = make_cert(session, holder=holder, org=base, config=config, now=utcnow())
    enterprise, hr = enterprise_hr(session, cipher, name="建工集团")
    _other, other_hr = enterprise_hr(session, cipher, name="另一家企业")
    session.commit()
    return cert, id_number, enterprise, hr, other_hr, holder


def _upload(client, token, name, data):
    return client.post("/verify/bulk", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_crew_list_with_bad_rows_gets_per_row_errors_and_a_result_file(client, cipher, session, world):
    cert, id_number, enterprise, hr, _other_hr, _holder = world
    token = login(client, cipher, hr)
    csv_text = (f"证书编号,姓名,身份证号\n{cert.serial},张晓明,{id_number}\n{cert.serial[:-1]}0,张晓明,\n"
                f"PS-2026-HOIST-00001,李四,\n{cert.serial},王五,12345\n")
    resp = _upload(client, token, "crew.csv", csv_text.encode())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "共 4 行" in html and "有效 2" in html and "有错误的行 3" in html
    assert "校验位" in html or "格式不对" in html
    assert "身份证号有误" in html and id_number not in html
    download = re.search(r'href="(/verify/bulk/result\?id=[^"]+)"', html).group(1)
    result = client.get(download)
    assert result.status_code == 200 and result.mimetype == "text/csv"
    text = result.data.decode("utf-8-sig")
    assert text.count("\n") == 5 and "不一致" in text and id_number not in text
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificates.bulk_verified")).one()
    assert event.org_id == enterprise.id and event.actor_id == hr.id and event.details["channel"] == "upload"


def test_an_xlsx_crew_list(client, cipher, world):
    cert, id_number, _enterprise, hr, _other_hr, _holder = world
    token = login(client, cipher, hr)
    book = Workbook()
    book.active.append(["证书编号", "姓名", "身份证号"])
    book.active.append([cert.serial, "张晓明", id_number])
    out = io.BytesIO()
    book.save(out)
    html = _upload(client, token, "crew.xlsx", out.getvalue()).get_data(as_text=True)
    assert "共 1 行" in html and "有效 1" in html


def test_an_unusable_file_is_refused_with_a_clear_message(client, cipher, world):
    _cert, _id, _enterprise, hr, _other_hr, _holder = world
    token = login(client, cipher, hr)
    html = _upload(client, token, "crew.xls", b"\xd0\xcf\x11\xe0").get_data(as_text=True)
    assert "不支持旧版 .xls 文件" in html


def test_another_enterprise_cannot_download_the_result(app, client, cipher, world):
    cert, _id, _enterprise, hr, other_hr, _holder = world
    token = login(client, cipher, hr)
    html = _upload(client, token, "crew.csv", f"{cert.serial}\n".encode()).get_data(as_text=True)
    download = re.search(r'href="(/verify/bulk/result\?id=[^"]+)"', html).group(1)
    other = app.test_client()
    login(other, cipher, other_hr)
    assert other.get(download).status_code == 404
    assert other.get("/verify/bulk/result?id=../../etc/passwd").status_code == 404


def test_workers_cannot_use_bulk_tools(client, cipher, world):
    holder = world[5]
    login(client, cipher, holder)
    assert client.get("/verify/bulk").status_code == 403
