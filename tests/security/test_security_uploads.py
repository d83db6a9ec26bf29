"""Hostile uploads: XLSX zip bombs and CSV formula injection on bulk verification; XML entity bombs on
question-bank import. Each gets a clear refusal or a neutralised result, never a server error."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile

import pytest

from core.models import OrgKind
from lms.models import Question, QuestionBank
from tests.factories import NOW
from tests.security.security_world import build_security_world, login_phone

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
BOMB_BYTES = 80 * 1024 * 1024  # more than bulkfile.MAX_UNZIPPED once inflated, ~80 KB deflated


def _sheet_xml(padding: int) -> bytes:
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return head + b" " * padding + b"<sheetData/></worksheet>"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def honest_bomb() -> bytes:
    """An XLSX-looking zip whose worksheet inflates to 80 MB (the directory says so)."""
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/worksheets/sheet1.xml": _sheet_xml(BOMB_BYTES)})


def lying_bomb() -> bytes:
    """The same, but the zip headers claim the worksheet is 1 KB: a size check on the directory alone passes."""
    data = bytearray(honest_bomb())
    real = struct.pack("<I", len(_sheet_xml(BOMB_BYTES)))
    fake = struct.pack("<I", 1024)
    assert data.count(real) == 2  # local header and central directory
    return bytes(data.replace(real, fake))


@pytest.fixture
def world(session, cipher):
    world = build_security_world(session, cipher)
    world.bank = QuestionBank(org_id=world.own.orgs[OrgKind.TRAINING_BASE].id, name="安全题库", created_at=NOW)
    session.add(world.bank)
    session.commit()
    return world


def _bulk(client, token, name: str, data: bytes):
    return client.post("/verify/bulk", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("bomb", [honest_bomb, lying_bomb], ids=["honest-directory", "lying-directory"])
def test_an_xlsx_zip_bomb_is_refused_clearly(app, world, bomb):
    client = app.test_client()
    token = login_phone(client, world.phones["enterprise_hr"])
    payload = bomb()
    assert len(payload) < 1024 * 1024
    resp = _upload_and_check(client, token, "crew.xlsx", payload)
    html = resp.get_data(as_text=True)
    assert "Excel" in html and "/verify/bulk/result" not in html, "the bomb was refused with a message"


def _upload_and_check(client, token, name, payload):
    resp = _bulk(client, token, name, payload)
    assert resp.status_code < 500, f"{name}: {resp.status_code}"
    return resp


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "=1+1"]


def test_formula_cells_in_a_crew_list_are_neutralised_in_the_result_file(app, world):
    client = app.test_client()
    token = login_phone(client, world.phones["enterprise_hr"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["证书编号", "姓名", "身份证号"])
    for n, formula in enumerate(FORMULAS):
        writer.writerow([formula, FORMULAS[-1 - n], ""])
    resp = _upload_and_check(client, token, "crew.csv", out.getvalue().encode("utf-8"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    link = re.search(r'href="(/verify/bulk/result\?id=[^"]+)"', html)
    assert link, "a result file is offered"
    result = client.get(link.group(1).replace("&amp;", "&"))
    assert result.status_code == 200
    rows = list(csv.reader(io.StringIO(result.data.decode("utf-8-sig"))))
    assert len(rows) == len(FORMULAS) + 1
    dangerous = [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous
    cells = {cell for row in rows[1:] for cell in row}
    assert "'=1+1" in cells and "'-2+3" in cells, "the uploaded text is kept, prefixed with an apostrophe"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<quiz><question type="truefalse"><name><text>&lol9;</text></name>
<questiontext format="html"><text>&lol9;</text></questiontext></question></quiz>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&xxe;</text></name></question></quiz>
"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_an_xml_entity_attack_on_bank_import_gets_a_clear_error(app, session, world, payload):
    client = app.test_client()
    token = login_phone(client, world.phones["base_admin"])
    url = f"/orgs/{world.bank.org_id}/banks/{world.bank.id}/import"
    resp = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(payload), "bank.xml")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "DTD" in html
    assert "root:" not in html and "lollol" not in html
    session.expire_all()

    assert session.query(Question).count() == 0, "nothing imported"
