"""Question banks of a training base: import all or nothing, keys, versions, export round trip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, RuleViolated, ValidationFailed
from core.models import AuditEvent, OrgKind
from lms import banks
from lms.models import Question, QuestionBank, QuestionVersion
from lms.questions.importers import ImportedQuestion, QuestionFileFormat
from lms.questions.spec import QuestionKind, QuestionSpec
from tests.factories import NOW, make_org

REPO = Path(__file__).resolve().parents[2]
XML, GIFT, AIKEN = QuestionFileFormat.MOODLE_XML, QuestionFileFormat.GIFT, QuestionFileFormat.AIKEN

# fixture file -> (format guessed from its name, questions written, skipped as unsupported)
GOOD_FIXTURES = {
    "aiken/questions.aiken.txt": (AIKEN, 2, 0),
    "gift/questions.gift.txt": (GIFT, 7, 2),
    "gift/questions_in_category.gift.txt": (GIFT, 3, 1),
    "xml/category_with_description.xml": (XML, 1, 0),
    "xml/html_chars_in_idnumbers.xml": (XML, 1, 0),
    "xml/multichoice.xml": (XML, 1, 0),
    "xml/nested_categories_with_questions.xml": (XML, 4, 1),
    "xml/truefalse.xml": (XML, 2, 0),
}


@pytest.fixture(scope="session")
def moodle_fixtures() -> Path:
    """The third-party Moodle test files under $PREFABSKILLS_SHARED (default: <repo>/../shared)."""
    folder = Path(os.environ.get("PREFABSKILLS_SHARED", REPO.parent / "shared")) / "fixtures" / "moodle"
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Moodle fixtures not found at {folder}; CI must have shared/ beside the repo")
        pytest.skip(f"Moodle fixtures not found at {folder}; set PREFABSKILLS_SHARED")
    return folder


@pytest.fixture
def base(session):
    return make_org(session, kind=OrgKind.TRAINING_BASE, name="昆明装配式培训基地")


def new_bank(session, base, name="吊装题库"):
    return banks.create_bank(session, actor_id=None, org=base, name=name, now=NOW)


def run_import(session, bank, filename, data, **options):
    return banks.import_into_bank(session, actor_id=None, bank=bank, filename=filename, data=data, now=NOW,
                                  **options)


def questions_in(session, bank) -> int:
    return session.scalar(select(func.count(Question.id)).where(Question.bank_id == bank.id))


def versions_in(session, bank) -> int:
    return session.scalar(select(func.count(QuestionVersion.id)).join(
        Question, Question.id == QuestionVersion.question_id).where(Question.bank_id == bank.id))


def current_specs(session, bank) -> dict[str, dict]:
    rows = session.execute(select(Question.key, QuestionVersion.spec).join(
        QuestionVersion, QuestionVersion.id == Question.current_version_id).where(Question.bank_id == bank.id))
    return {key: spec for key, spec in rows}


def topics_by_key(session, bank) -> dict[str, str]:
    return {key: topic for key, topic in session.execute(
        select(Question.key, Question.topic).where(Question.bank_id == bank.id))}


# -- pure rules --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("filename", "expected"), [
    ("题库.xml", XML), ("Q.XML", XML), ("questions.gift", GIFT), ("questions.gift.txt", GIFT),
    ("questions.aiken.txt", AIKEN), ("吊装.txt", AIKEN), ("questions.docx", None), ("", None),
])
def test_format_is_guessed_from_the_extension(filename, expected):
    assert banks.guess_format(filename) == expected


def test_slugs_keep_chinese_and_are_stable_when_slugified_again():
    assert banks.slugify("吊索 夹角（45°）") == "吊索-夹角-45"
    assert banks.slugify("T & F") == "t-f"
    assert banks.slugify(banks.slugify("Moodle acronym (True)")) == "moodle-acronym-true"


def test_keys_prefer_the_idnumber_and_repeats_in_a_file_get_a_suffix():
    spec = QuestionSpec(QuestionKind.TRUEFALSE, "可以斜吊。", (), False)
    items = [ImportedQuestion("Q1", None, spec, None), ImportedQuestion("q1", None, spec, None),
             ImportedQuestion("Q1", None, spec, None, idnumber="HOIST-7"), ImportedQuestion("!!", None, spec, None)]
    assert banks.question_keys(items) == ["q1", "q1-2", "hoist-7", "question"]


@pytest.mark.parametrize(("category", "topic"), [
    (None, ""), ("Default for testhead/Multichoice", "Multichoice"), ("Iota/Kappa/Lambda", "Lambda"),
    ("吊装//起重/信号", "信号"), ("吊装/起重//信号", "起重/信号"),
])
def test_topic_is_the_last_segment_of_the_category_path(category, topic):
    assert banks.topic_of(category) == topic


# -- creating banks ----------------------------------------------------------------------------------------

def test_a_bank_name_is_unique_within_the_base(session, base):
    new_bank(session, base)
    with pytest.raises(Conflict) as caught:
        new_bank(session, base, name=" 吊装题库 ")
    assert caught.value.field == "name"


def test_only_a_training_base_owns_banks(session):
    enterprise = make_org(session, kind=OrgKind.ENTERPRISE)
    with pytest.raises(RuleViolated):
        new_bank(session, enterprise)


def test_a_bank_attached_to_an_unknown_course_is_refused(session, base):
    with pytest.raises(ValidationFailed) as caught:
        banks.create_bank(session, actor_id=None, org=base, name="题库", course_id=999, now=NOW)
    assert caught.value.field == "course_id"


# -- importing the real Moodle fixtures --------------------------------------------------------------------

@pytest.mark.parametrize("relative", sorted(GOOD_FIXTURES))
def test_each_moodle_fixture_imports_its_supported_questions(session, base, moodle_fixtures, relative):
    file_format, written, skipped = GOOD_FIXTURES[relative]
    bank = new_bank(session, base)
    path = moodle_fixtures / relative
    report = run_import(session, bank, path.name, path.read_bytes())
    assert (report.file_format, report.added, len(report.skipped), report.errors) == (file_format, written,
                                                                                     skipped, ())
    assert (questions_in(session, bank), versions_in(session, bank)) == (written, written)


def test_imported_questions_store_kind_spec_difficulty_and_topic(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "xml/nested_categories_with_questions.xml"
    run_import(session, bank, path.name, path.read_bytes())
    rows = session.execute(select(Question.key, Question.topic, QuestionVersion.kind, QuestionVersion.difficulty,
                                  QuestionVersion.spec["stem"].as_string())
                           .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                           .where(Question.bank_id == bank.id).order_by(Question.key)).all()
    assert [(key, topic, kind, difficulty) for key, topic, kind, difficulty, _stem in rows] == [
        ("iota-question", "Iota", "truefalse", 2), ("kappa-question", "Kappa", "truefalse", 2),
        ("lambda-question", "Lambda", "truefalse", 2), ("mu-question", "Mu", "truefalse", 2)]
    assert all(stem for *_rest, stem in rows)


def test_same_named_questions_in_one_file_are_kept_apart(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "gift/questions.gift.txt"
    run_import(session, bank, path.name, path.read_bytes())
    assert {"2-08-tsl", "2-08-tsl-2"} <= set(current_specs(session, bank))


def test_the_moodle_idnumber_becomes_the_key(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "xml/html_chars_in_idnumbers.xml"
    run_import(session, bank, path.name, path.read_bytes())
    assert list(current_specs(session, bank)) == ["t-f"]


# -- files with errors: all or nothing ---------------------------------------------------------------------

def test_a_file_with_errors_writes_nothing_and_lists_every_error_with_its_line(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "aiken/aiken_errors.txt"
    report = run_import(session, bank, path.name, path.read_bytes())
    assert report.is_refused and (report.added, questions_in(session, bank)) == (0, 0)
    assert [e.describe().split("：")[0].split("「")[0] for e in report.errors] == [
        "第 3 行", "第 5 行", "第 7 行", "第 18 行"]
    assert "bank.imported" not in session.scalars(select(AuditEvent.action)).all()


def test_skipping_errors_imports_the_good_questions_and_reports_the_rest(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "aiken/aiken_errors.txt"
    report = run_import(session, bank, path.name, path.read_bytes(), skip_errors=True)
    assert not report.is_refused
    assert (report.added, len(report.errors), questions_in(session, bank)) == (2, 4, 2)


def test_invalid_moodle_grades_are_refused_naming_the_question(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "xml/error_invalid_grades.xml"
    refused = run_import(session, bank, path.name, path.read_bytes())
    assert refused.is_refused and "第 1 题" in refused.errors[0].describe() and "33%" in refused.errors[0].describe()
    skipping = run_import(session, bank, path.name, path.read_bytes(), skip_errors=True)
    assert (skipping.is_refused, skipping.added, len(skipping.errors), questions_in(session, bank)) == (
        False, 0, 1, 0)


def test_an_unreadable_xml_file_is_refused_even_when_skipping_errors(session, base):
    bank = new_bank(session, base)
    report = run_import(session, bank, "broken.xml", b"<quiz><question type='truefalse'>", skip_errors=True)
    assert report.is_refused and report.is_unreadable and "XML" in report.errors[0].describe()


def test_the_import_is_audited_with_counts_only(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "gift/questions.gift.txt"
    run_import(session, bank, path.name, path.read_bytes())
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "bank.imported")).one()
    assert (event.org_id, event.target) == (base.id, f"bank:{bank.id}")
    assert event.details == {"added": 7, "updated": 0, "unchanged": 0, "skipped": 2, "errors": 0}


# -- re-import and versions --------------------------------------------------------------------------------

def test_importing_the_same_file_again_adds_nothing(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "gift/questions.gift.txt"
    run_import(session, bank, path.name, path.read_bytes())
    again = run_import(session, bank, path.name, path.read_bytes())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 7)
    assert (questions_in(session, bank), versions_in(session, bank)) == (7, 7)


def test_changed_content_under_the_same_name_becomes_a_new_version(session, base):
    bank = new_bank(session, base)
    run_import(session, bank, "q.gift", "::斜吊:: 可以斜吊构件。 {T}".encode())
    report = run_import(session, bank, "q.gift", "::斜吊:: 可以斜吊构件。 {F}".encode())
    assert (report.added, report.updated) == (0, 1)
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    assert (question.current.version, question.current.spec["answer"]) == (2, False)
    assert versions_in(session, bank) == 2


def test_export_then_import_into_a_new_bank_gives_equal_specs(session, base, moodle_fixtures):
    first = new_bank(session, base)
    for relative in GOOD_FIXTURES:
        path = moodle_fixtures / relative
        run_import(session, first, path.name, path.read_bytes())
    export = banks.export_bank(session, actor_id=None, bank=first, now=NOW)
    second = new_bank(session, base, name="导入副本")
    report = run_import(session, second, "export.xml", export.xml)
    assert (report.errors, export.skipped) == ((), ())
    assert current_specs(session, second) == current_specs(session, first)
    assert topics_by_key(session, second) == topics_by_key(session, first)
    assert "bank.exported" in session.scalars(select(AuditEvent.action)).all()


def test_an_exported_bank_imported_into_itself_changes_nothing(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    path = moodle_fixtures / "xml/nested_categories_with_questions.xml"
    run_import(session, bank, path.name, path.read_bytes())
    export = banks.export_bank(session, actor_id=None, bank=bank, now=NOW)
    report = run_import(session, bank, "export.xml", export.xml)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)


# -- uploads refused before reading ------------------------------------------------------------------------

def test_a_file_over_two_megabytes_is_refused_naming_the_file(session, base):
    bank = new_bank(session, base)
    with pytest.raises(ValidationFailed) as caught:
        run_import(session, bank, "大题库.gift", b"x" * (banks.MAX_IMPORT_BYTES + 1))
    assert (caught.value.code, caught.value.field) == ("file_too_large", "file")
    assert "大题库.gift" in caught.value.message and "2 MB" in caught.value.message


@pytest.mark.parametrize("data", [b"", b"  \r\n\n"])
def test_an_empty_file_is_refused(session, base, data):
    with pytest.raises(ValidationFailed) as caught:
        run_import(session, new_bank(session, base), "空.txt", data)
    assert caught.value.code == "file_empty" and "空.txt" in caught.value.message


@pytest.mark.parametrize("data", ["吊索夹角？\nA) 30°\n".encode("utf-16"), b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"])
def test_a_file_that_is_not_utf8_or_gb18030_text_is_refused(session, base, data):
    with pytest.raises(ValidationFailed) as caught:
        run_import(session, new_bank(session, base), "题目.txt", data)
    assert caught.value.code == "file_not_text" and "UTF-8" in caught.value.message


def test_a_gb18030_aiken_file_is_read(session, base):
    bank = new_bank(session, base)
    report = run_import(session, bank, "题目.txt", "吊索夹角不应小于？\nA) 30°\nB) 45°\nANSWER: B\n".encode("gb18030"))
    assert report.added == 1 and "吊索" in next(iter(current_specs(session, bank).values()))["stem"]


def test_a_file_whose_format_cannot_be_told_asks_for_one(session, base):
    with pytest.raises(ValidationFailed) as caught:
        run_import(session, new_bank(session, base), "题目.docx", b"Q?\nA) a\nB) b\nANSWER: A\n")
    assert caught.value.field == "file_format"


def test_a_chosen_format_wins_over_the_extension(session, base):
    report = run_import(session, new_bank(session, base), "题目.txt", "::Q:: 可以斜吊。 {F}".encode(),
                        file_format="gift")
    assert (report.file_format, report.added) == (GIFT, 1)


# -- reading -----------------------------------------------------------------------------------------------

def test_bank_lists_and_question_pages_stay_within_the_base(session, base, moodle_fixtures):
    bank = new_bank(session, base)
    other_base = make_org(session, kind=OrgKind.TRAINING_BASE)
    path = moodle_fixtures / "xml/truefalse.xml"
    run_import(session, bank, path.name, path.read_bytes())
    assert [(s.bank.id, s.question_count) for s in banks.banks_of_org(session, base.id)] == [(bank.id, 2)]
    assert banks.banks_of_org(session, other_base.id) == []
    assert banks.bank_in_org(session, other_base.id, bank.id) is None
    rows, total = banks.bank_questions(session, bank.id, page=1, per_page=1)
    assert (total, len(rows), rows[0].kind, rows[0].version) == (2, 1, "truefalse", 1)


def test_a_platform_bank_is_not_imported_into(session):
    platform = QuestionBank(org_id=None, name="平台题库", created_at=NOW)
    session.add(platform)
    session.flush()
    with pytest.raises(RuleViolated):
        run_import(session, platform, "q.gift", "::Q:: 可以斜吊。 {F}".encode())
