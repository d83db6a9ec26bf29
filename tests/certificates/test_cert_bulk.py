"""Bulk verification: crew lists in CSV or XLSX, per-row errors, other rows still checked, result file."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from certificates import bulkfile
from certificates.bulkfile import BulkFileError, read_file, result_csv
from certificates.lifecycle import revoke_certificate
from certificates.serials import make_serial
from certificates.status import PublicStatus
from certificates.verification import BulkItem, bulk_verify, verify_items
from core.models import AuditEvent
from tests.certificates.cert_world import base_with_admin, config_for, make_cert, worker
from tests.factories import NOW, valid_id_number


@pytest.fixture
def crew(session, cipher, tmp_path):
    org, admin = base_with_admin(session, cipher)
    config = config_for(tmp_path)
    ids = [valid_id_number() for _ in range(3)]
    people = [worker(session, cipher, name=n) for n in ("张三", "李四", "王五")]
    for person, id_number in zip(people, ids, strict=True):
        person.id_number_hash = cipher.lookup_hash(id_number, purpose="id_number")
    certs = [make_cert(session, holder=p, org=org, config=config) for p in people]
    revoke_certificate(session, certificate=certs[2], actor_id=admin.id, reason="证书信息造假", now=NOW)
    return config, certs, ids


def test_each_row_gets_its_own_answer_and_bad_rows_do_not_stop_the_others(session, cipher, crew):
    config, certs, ids = crew
    typo = certs[0].serial[:-1] + ("A" if certs[0].serial[-1] != "A" else "B")
    unknown = make_serial(year=2026, skill="HOIST", sequence=999_999)
    items = [
        BulkItem(1, certs[0].serial, "张三", ids[0]),
        BulkItem(2, certs[1].serial.lower(), "李 四", ids[0]),  # right name (spaces ignored), someone else's ID
        BulkItem(3, typo, "张三"),
        BulkItem(4, unknown),
        BulkItem(5, "", "赵六"),
        BulkItem(6, certs[2].serial, "王五"),
        BulkItem(7, certs[0].serial, "张四", "11010519800101123"),
        BulkItem(8, certs[1].serial, None, None, id_problem="身份证号被 Excel 存成了数字"),
    ]
    results = verify_items(session, cipher=cipher, items=items, config=config, now=NOW)
    by_row = {r.row: r for r in results}
    assert (by_row[1].status, by_row[1].name_match, by_row[1].id_match) == (PublicStatus.VALID, True, True)
    assert (by_row[2].status, by_row[2].name_match, by_row[2].id_match) == (PublicStatus.VALID, True, False)
    assert (by_row[3].error_code, by_row[3].field, by_row[3].status) == ("serial_check", "serial", None)
    assert "校验位" in by_row[3].error
    assert by_row[4].error_code == "not_found" and "未找到" in by_row[4].error
    assert by_row[5].error_code == "missing_serial"
    assert by_row[6].status == PublicStatus.REVOKED and by_row[6].status_label == "已撤销"
    assert by_row[7].status == PublicStatus.VALID and by_row[7].name_match is False
    assert by_row[7].error_code == "invalid_id_number" and by_row[7].field == "id_number"
    assert by_row[8].error_code == "invalid_id_number" and by_row[8].status == PublicStatus.VALID


def test_each_bulk_check_is_audit_logged_without_personal_data(session, cipher, crew):
    config, certs, ids = crew
    org_id = certs[0].issuer_org_id
    bulk_verify(session, cipher=cipher, items=[BulkItem(1, certs[0].serial, "张三", ids[0])], config=config,
                actor_id=None, org_id=org_id, channel="api", now=NOW, key_prefix="abc123")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificates.bulk_verified")).one()
    assert event.details == {"channel": "api", "rows": 1, "found": 1, "errors": 0, "id_checked": 1, "key": "abc123"}
    assert "张三" not in str(event.details) and ids[0] not in str(event.details)


def test_a_csv_with_a_header_in_any_column_order():
    data = "姓名,证书编号,身份证号\n张三,PS-2026-HOIST-000001-R,110105198001011234\n\n李四,PS-x,\n".encode()
    items = read_file("crew.csv", data)
    assert [(i.row, i.serial, i.name, i.id_number) for i in items] == [
        (2, "PS-2026-HOIST-000001-R", "张三", "110105198001011234"), (4, "PS-x", "李四", None)]


def test_a_gbk_csv_from_excel_without_a_header():
    data = "PS-2026-HOIST-000001-R,张三\r\nPS-2026-HOIST-000002-P,李四\r\n".encode("gb18030")
    items = read_file("名单.csv", data)
    assert [(i.row, i.name) for i in items] == [(1, "张三"), (2, "李四")]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_and_an_id_number_that_excel_turned_into_a_number():
    data = _xlsx([["证书编号", "姓名", "身份证号"], ["PS-2026-HOIST-000001-R", "张三", "11010519800101123X"],
                  ["PS-2026-HOIST-000002-P", "李四", 110105198001011234]])
    first, second = read_file("crew.xlsx", data)
    assert (first.serial, first.name, first.id_number, first.id_problem) == (
        "PS-2026-HOIST-000001-R", "张三", "11010519800101123X", None)
    assert second.id_problem and "文本" in second.id_problem


def test_too_many_rows_are_refused_as_a_whole(monkeypatch):
    monkeypatch.setattr(bulkfile, "MAX_ROWS", 5)
    data = "\n".join(f"PS-2026-HOIST-{n:06d}-X" for n in range(1, 8)).encode()
    with pytest.raises(BulkFileError) as exc:
        read_file("crew.csv", data)
    assert "5" in exc.value.message and exc.value.field == "file"


@pytest.mark.parametrize(("name", "data", "words"), [
    ("crew.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
    ("crew.xls", b"\xd0\xcf\x11\xe0 old excel", ".xls"),
    ("crew.csv", b"", "没有找到"),
    ("crew.csv", b"x" * (bulkfile.MAX_BYTES + 1), "太大"),
])
def test_unusable_files_get_a_clear_message(name, data, words):
    with pytest.raises(BulkFileError) as exc:
        read_file(name, data)
    assert words in exc.value.message


def test_a_decompression_bomb_is_refused_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (bulkfile.MAX_UNZIPPED + 1))
    with pytest.raises(BulkFileError) as exc:
        read_file("bomb.xlsx", out.getvalue())
    assert "解压后过大" in exc.value.message


def test_the_result_file_has_every_row_and_no_id_numbers(session, cipher, crew):
    config, certs, ids = crew
    items = [BulkItem(1, certs[0].serial, "张三", ids[0]), BulkItem(2, "bad", "=HYPERLINK(\"x\")")]
    data = result_csv(verify_items(session, cipher=cipher, items=items, config=config, now=NOW))
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 correctly
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["行号", "证书编号", "姓名", "证书状态", "姓名核对", "身份证号核对", "说明"]
    assert rows[1][:6] == ["1", certs[0].serial, "张三", "有效", "一致", "一致"]
    assert rows[2][2].startswith("'=")  # no formula injection
    assert ids[0] not in data.decode("utf-8-sig")
