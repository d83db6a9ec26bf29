from decimal import Decimal

import pytest

from lms.questions.export_moodle import export_moodle_xml
from lms.questions.importers import import_moodle_xml
from lms.questions.spec import NumericAnswer, Option, QuestionKind, QuestionSpec, Scoring

ABCD = tuple(
    Option(key, text) for key, text in zip("ABCD", ["30°", "45° & <更大>", "60°", "75°"], strict=True)
)


def exportable() -> list[tuple[str, str | None, QuestionSpec]]:
    return [
        (
            "夹角",
            None,
            QuestionSpec(QuestionKind.SINGLE, "吊索夹角\n最低不得小于？", ABCD, "B", explanation="见规范。"),
        ),
        (
            "吊具",
            "吊装/吊具",
            QuestionSpec(QuestionKind.MULTIPLE, "哪些？", ABCD, frozenset({"A", "C"}), Scoring.PARTIAL),
        ),
        ("单键多选", "吊装/吊具", QuestionSpec(QuestionKind.MULTIPLE, "哪个？", ABCD, frozenset({"D"}))),
        ("斜吊", "吊装", QuestionSpec(QuestionKind.TRUEFALSE, "可以斜拉斜吊。", (), False)),
        (
            "拉力",
            "吊装",
            QuestionSpec(
                QuestionKind.NUMERIC, "拉力？", (), NumericAnswer(Decimal("0.58"), Decimal("0.01"), "G")
            ),
        ),
        ("卸扣", None, QuestionSpec(QuestionKind.SHORT, "部件名？", (), ("卸扣", "Shackle"))),
    ]


def test_export_then_import_gives_equal_names_categories_and_specs():
    items = exportable()
    result = import_moodle_xml(export_moodle_xml(items).xml)
    assert (result.errors, result.skipped) == ([], [])
    assert [(q.name, q.category, q.spec) for q in result.questions] == items


def test_ordering_is_not_exported_and_is_listed_as_skipped():
    ordering = QuestionSpec(QuestionKind.ORDERING, "排序？", ABCD, ("D", "C", "B", "A"))
    export = export_moodle_xml([("排序", None, ordering), *exportable()])
    assert [note.name for note in export.skipped] == ["排序"]
    assert len(import_moodle_xml(export.xml).questions) == len(exportable())


def test_all_or_nothing_multiple_with_several_keys_is_listed_as_changed():
    spec = QuestionSpec(QuestionKind.MULTIPLE, "哪些？", ABCD, frozenset({"A", "B"}))
    export = export_moodle_xml([("全对", None, spec)])
    assert [note.name for note in export.changed] == ["全对"]
    assert import_moodle_xml(export.xml).questions[0].spec.scoring is Scoring.PARTIAL


def test_multiple_with_three_keys_writes_moodle_thirds():
    options = tuple(Option(key, key) for key in "ABCD")
    spec = QuestionSpec(QuestionKind.MULTIPLE, "哪些？", options, frozenset({"A", "B", "C"}), Scoring.PARTIAL)
    xml = export_moodle_xml([("三键", None, spec)]).xml
    assert xml.count(b'fraction="33.33333"') == 3
    assert b'fraction="-100"' in xml


def test_export_is_utf8_xml_with_escaped_text():
    xml = export_moodle_xml(exportable()).xml
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert "45° &amp; &lt;更大&gt;".encode() in xml


@pytest.mark.parametrize("category", ["吊装", None])
def test_category_is_written_under_course_top(category):
    spec = QuestionSpec(QuestionKind.TRUEFALSE, "题干", (), True)
    xml = export_moodle_xml([("先", "别的", spec), ("后", category, spec)]).xml.decode()
    expected = "$course$/top/吊装" if category else "$course$/top</text>"
    assert expected in xml
