"""Question-bank pages over HTTP: who may use them, uploads (good, bad, hostile), export download."""

from __future__ import annotations

import io
from urllib.parse import unquote

from sqlalchemy import func, select

from core.models import AuditEvent, OrgKind, Role
from lms import banks
from lms.models import Question, QuestionBank
from tests.conftest import csrf_token
from tests.factories import NOW, PASSWORD, make_org, make_staff, make_worker

AIKEN = ("吊索与构件水平夹角不应小于多少？\nA) 30°\nB) 45°\nC) 60°\nANSWER: B\n\n"
         "起吊前应先试吊吗？\nA) 是\nB) 否\nANSWER: A\n")
AIKEN_WITH_ERROR = AIKEN + "\n只有一个选项的题目\nA) 唯一\nANSWER: A\n"
GIFT_WITH_ESSAY = "::夹角:: 吊索夹角不应小于？ {=45° ~30°}\n\n::心得:: 谈谈试吊的体会。 {}\n"
BILLION_LAUGHS = """<?xml version="1.0"?>
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
<questiontext><text>&lol9;</text></questiontext></question></quiz>"""


class Base:
    """A training base with a bank, its admin and a plain examiner."""

    def __init__(self, session, cipher, name="昆明装配式培训基地"):
        self.org = make_org(session, kind=OrgKind.TRAINING_BASE, name=name)
        self.admin = make_staff(session, cipher, self.org, Role.BASE_ADMIN)
        self.examiner = make_staff(session, cipher, self.org, Role.EXAMINER)
        self.bank = banks.create_bank(session, actor_id=None, org=self.org, name="吊装题库", now=NOW)

    @property
    def bank_url(self) -> str:
        return f"/orgs/{self.org.id}/banks/{self.bank.id}"


def login(client, cipher, user) -> str:
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                "phone": cipher.decrypt(user.phone_enc, purpose="phone"), "password": PASSWORD})
    return csrf_token(client.get("/login").get_data(as_text=True))


def upload(client, base, token, content: bytes | str, filename="题目.txt", **fields):
    data = content.encode() if isinstance(content, str) else content
    form = {"file": (io.BytesIO(data), filename), **fields}
    if token is not None:
        form["csrf_token"] = token
    return client.post(f"{base.bank_url}/import", data=form, content_type="multipart/form-data")


def question_count(session, bank_id: int) -> int:
    session.rollback()  # a fresh snapshot: the app committed in its own session
    return session.scalar(select(func.count(Question.id)).where(Question.bank_id == bank_id))


def test_base_admin_creates_a_bank_and_sees_it_listed(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = client.post(f"/orgs/{base.org.id}/banks", data={"csrf_token": token, "name": "灌浆题库", "course_id": ""})
    assert resp.status_code == 302
    created = session.scalars(select(QuestionBank).where(QuestionBank.name == "灌浆题库")).one()
    assert resp.headers["Location"].endswith(f"/orgs/{base.org.id}/banks/{created.id}")
    listing = client.get(f"/orgs/{base.org.id}/banks").get_data(as_text=True)
    assert "灌浆题库" in listing and "吊装题库" in listing


def test_a_duplicate_bank_name_is_shown_on_the_form(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = client.post(f"/orgs/{base.org.id}/banks", data={"csrf_token": token, "name": "吊装题库"})
    assert resp.status_code == 422 and "本基地已有同名题库" in resp.get_data(as_text=True)


def test_an_examiner_imports_a_file_and_sees_its_questions(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.examiner)
    resp = upload(client, base, token, AIKEN)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "新增 2 题" in html
    assert question_count(session, base.bank.id) == 2
    page = client.get(base.bank_url).get_data(as_text=True)
    assert "吊索与构件水平夹角不应小于多少？" in page and "单选题" in page and "v1" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page


def test_the_staff_menu_leads_to_the_only_base_of_the_user(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    login(client, cipher, base.examiner)
    assert client.get("/banks").headers["Location"].endswith(f"/orgs/{base.org.id}/banks")


def test_a_worker_may_not_open_or_import_into_a_bank(client, session, cipher):
    base = Base(session, cipher)
    worker = make_worker(session, cipher)
    session.commit()
    token = login(client, cipher, worker)
    assert client.get(base.bank_url).status_code == 404
    assert upload(client, base, token, AIKEN).status_code == 404
    assert client.get("/banks").status_code == 403
    assert question_count(session, base.bank.id) == 0


def test_a_member_of_the_base_without_a_bank_role_gets_403(client, session, cipher):
    base = Base(session, cipher)
    invigilator = make_staff(session, cipher, base.org, Role.INVIGILATOR)
    session.commit()
    token = login(client, cipher, invigilator)
    assert client.get(f"/orgs/{base.org.id}/banks").status_code == 403
    assert upload(client, base, token, AIKEN).status_code == 403


def test_another_bases_bank_answers_404_even_under_the_users_own_base(client, session, cipher):
    mine, theirs = Base(session, cipher), Base(session, cipher, name="西安装配式培训基地")
    session.commit()
    token = login(client, cipher, mine.admin)
    mixed = f"/orgs/{mine.org.id}/banks/{theirs.bank.id}"
    for url in (mixed, f"{mixed}/export.xml", f"/orgs/{theirs.org.id}/banks", theirs.bank_url,
                f"{theirs.bank_url}/export.xml"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{mixed}/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(AIKEN.encode()), "q.txt")}).status_code == 404
    assert question_count(session, theirs.bank.id) == 0


def test_the_upload_needs_a_csrf_token(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    login(client, cipher, base.admin)
    assert upload(client, base, None, AIKEN).status_code == 400
    assert question_count(session, base.bank.id) == 0


def test_a_file_with_errors_imports_nothing_and_lists_the_errors(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = upload(client, base, token, AIKEN_WITH_ERROR)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "未导入任何题目" in html
    assert "第 14 行「只有一个选项的题目」：题目至少需要 2 个选项（现有 1 个）。" in html
    assert question_count(session, base.bank.id) == 0


def test_skipping_errors_imports_the_rest_and_lists_what_was_not_imported(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = upload(client, base, token, AIKEN_WITH_ERROR, skip_errors="y")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "新增 2 题" in html and "有错误、未导入的题目" in html
    assert "只有一个选项的题目" in html
    assert question_count(session, base.bank.id) == 2
    assert session.scalars(select(AuditEvent.details).where(AuditEvent.action == "bank.imported")).one() == {
        "added": 2, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 1}


def test_unsupported_question_types_are_listed_as_skipped_with_name_and_type(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    html = upload(client, base, token, GIFT_WITH_ESSAY, filename="题目.gift").get_data(as_text=True)
    assert "新增 1 题" in html and "「心得」：问答题（essay）" in html


def test_the_same_file_twice_adds_nothing(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    upload(client, base, token, AIKEN)
    html = upload(client, base, token, AIKEN).get_data(as_text=True)
    assert "新增 0 题，更新 0 题，未变 2 题" in html and question_count(session, base.bank.id) == 2


def test_a_billion_laughs_file_is_refused_with_a_clear_message(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = upload(client, base, token, BILLION_LAUGHS, filename="lol.xml", skip_errors="y")
    assert resp.status_code == 422 and "出于安全原因拒绝导入" in resp.get_data(as_text=True)
    assert question_count(session, base.bank.id) == 0


def test_a_file_over_two_megabytes_is_refused_by_name(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = upload(client, base, token, b"x" * (banks.MAX_IMPORT_BYTES + 1), filename="全部题目.txt")
    assert resp.status_code == 422 and "文件「全部题目.txt」超过 2 MB" in resp.get_data(as_text=True)


def test_a_request_over_the_upload_limit_gets_413(client, session, cipher, app):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    resp = upload(client, base, token, b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert resp.status_code == 413 and "上传的内容太大" in resp.get_data(as_text=True)


def test_an_empty_or_binary_file_gets_a_clear_error(client, session, cipher):
    base = Base(session, cipher)
    session.commit()
    token = login(client, cipher, base.admin)
    assert "文件「空.txt」是空的" in upload(client, base, token, b"", filename="空.txt").get_data(as_text=True)
    binary = upload(client, base, token, b"\x89PNG\r\n\x1a\n\x00\x00\xff", filename="图.txt")
    assert binary.status_code == 422 and "不是 UTF-8 或 GB18030 编码的文本文件" in binary.get_data(as_text=True)


def test_export_downloads_moodle_xml_named_after_the_bank_and_imports_back(client, session, cipher):
    base = Base(session, cipher)
    other = banks.create_bank(session, actor_id=None, org=base.org, name="Rigging 2026", now=NOW)
    session.commit()
    token = login(client, cipher, base.admin)
    upload(client, base, token, AIKEN)
    resp = client.get(f"{base.bank_url}/export.xml")
    disposition = resp.headers["Content-Disposition"]
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert disposition.startswith(f'attachment; filename="bank-{base.bank.id}.xml"; filename*=UTF-8\'\'')
    assert unquote(disposition.split("''", 1)[1]) == "吊装题库.xml"
    copy = client.post(f"/orgs/{base.org.id}/banks/{other.id}/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(resp.data), "export.xml")})
    assert copy.status_code == 200 and question_count(session, other.id) == 2
    ascii_named = client.get(f"/orgs/{base.org.id}/banks/{other.id}/export.xml").headers["Content-Disposition"]
    assert ascii_named.startswith('attachment; filename="Rigging-2026.xml"')
