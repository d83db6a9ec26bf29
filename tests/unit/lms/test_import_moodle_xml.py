from decimal import Decimal

import pytest

from lms.questions.importers import import_moodle_xml
from lms.questions.spec import NumericAnswer, Option, QuestionKind, Scoring


def counts(result) -> tuple[int, int, int]:
    return len(result.questions), len(result.skipped), len(result.errors)


def quiz(*questions: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>' + "".join(questions) + "</quiz>").encode()


def multichoice(answers: str, single: str = "false", name: str = "选择") -> str:
    return (
        f'<question type="multichoice"><name><text>{name}</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>哪些属于吊具？</p>]]></text></questiontext>'
        f"<single>{single}</single>{answers}</question>"
    )


def answer(fraction: str, text: str, extra: str = "") -> str:
    return f'<answer fraction="{fraction}" format="html"><text>{text}</text>{extra}</answer>'


def test_multichoice_fixture_imports_one_single_choice(moodle_fixtures):
    result = import_moodle_xml((moodle_fixtures / "xml" / "multichoice.xml").read_bytes())
    assert counts(result) == (1, 0, 0)
    greeting = result.questions[0]
    assert greeting.name == "Greeting"
    assert greeting.category == "Default for testhead/Multichoice"
    assert greeting.spec.kind is QuestionKind.SINGLE
    assert greeting.spec.stem == "Listen to this greeting:\nWhat language is being spoken?"
    assert [o.text for o in greeting.spec.options] == ["English", "French", "German", "Danish"]
    assert greeting.spec.answer == "B"


def test_truefalse_fixture_reads_which_answer_is_right(moodle_fixtures):
    result = import_moodle_xml((moodle_fixtures / "xml" / "truefalse.xml").read_bytes())
    assert counts(result) == (2, 0, 0)
    answers = {q.name: q.spec.answer for q in result.questions}
    assert answers == {"Moodle acronym (False)": False, "Moodle acronym (True)": True}
    first = result.questions[0].spec
    assert first.stem == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Education."
    assert first.explanation == "For further information, see the documentation about Moodle."


def test_nested_categories_fixture_keeps_each_question_in_its_category(moodle_fixtures):
    result = import_moodle_xml(
        (moodle_fixtures / "xml" / "nested_categories_with_questions.xml").read_bytes()
    )
    assert counts(result) == (4, 1, 0)
    assert [(q.name, q.category) for q in result.questions] == [
        ("Iota Question", "Iota"),
        ("Kappa Question", "Iota/Kappa"),
        ("Lambda Question", "Iota/Kappa/Lambda"),
        ("Mu Question", "Iota/Mu"),
    ]


def test_nested_categories_fixture_skips_the_essay_by_name_and_type(moodle_fixtures):
    result = import_moodle_xml(
        (moodle_fixtures / "xml" / "nested_categories_with_questions.xml").read_bytes()
    )
    skipped = result.skipped[0]
    assert (skipped.name, skipped.source_type, skipped.position.index) == ("Kappa Essay Question", "essay", 2)


def test_category_with_description_fixture_imports_its_question(moodle_fixtures):
    result = import_moodle_xml((moodle_fixtures / "xml" / "category_with_description.xml").read_bytes())
    assert counts(result) == (1, 0, 0)
    question = result.questions[0]
    assert (question.name, question.category, question.spec.answer) == ("Alpha Question", "Alpha", True)
    assert question.spec.stem == "Testing Alpha Question"


def test_html_chars_in_idnumbers_fixture_decodes_the_idnumber(moodle_fixtures):
    result = import_moodle_xml((moodle_fixtures / "xml" / "html_chars_in_idnumbers.xml").read_bytes())
    assert counts(result) == (1, 0, 0)
    assert result.questions[0].idnumber == "T & F"
    assert result.questions[0].category == "Alpha"


def test_invalid_grades_fixture_gives_one_error_naming_the_question(moodle_fixtures):
    result = import_moodle_xml((moodle_fixtures / "xml" / "error_invalid_grades.xml").read_bytes())
    assert counts(result) == (0, 0, 1)
    error = result.errors[0]
    assert error.position.index == 1
    assert error.name == "Question with invalid grades : x > 1 & x < 2"
    assert "33%" in error.message
    assert error.describe().startswith("第 1 题「Question with invalid grades")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<quiz><question type="truefalse"><name><text>&lol9;</text></name></question></quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&secret;</text></name></question></quiz>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion_laughs", "external_entity"])
def test_dtd_and_entities_are_refused_with_one_error(data):
    result = import_moodle_xml(data)
    assert counts(result) == (0, 0, 1)
    assert "DTD" in result.errors[0].message
    assert result.errors[0].describe().startswith("文件：")


def test_malformed_xml_gives_one_error_with_its_line():
    result = import_moodle_xml(b"<quiz>\n<question type='truefalse'>\n</quiz>")
    assert counts(result) == (0, 0, 1)
    assert "第 3 行" in result.errors[0].message


def test_xml_that_is_not_a_quiz_is_refused():
    result = import_moodle_xml(b"<html><body/></html>")
    assert counts(result) == (0, 0, 1)
    assert "<html>" in result.errors[0].message


def test_multiple_with_split_grades_gets_partial_scoring():
    answers = answer("50", "卸扣") + answer("-100", "吊钩") + answer("50", "钢丝绳")
    result = import_moodle_xml(quiz(multichoice(answers)))
    spec = result.questions[0].spec
    assert (spec.kind, spec.answer, spec.scoring) == (
        QuestionKind.MULTIPLE,
        frozenset({"A", "C"}),
        Scoring.PARTIAL,
    )


def test_multiple_with_one_full_grade_is_all_or_nothing():
    result = import_moodle_xml(quiz(multichoice(answer("100", "卸扣") + answer("0", "吊钩"))))
    assert result.questions[0].spec.scoring is Scoring.ALL_OR_NOTHING


def test_multiple_with_unequal_positive_grades_is_an_error():
    answers = answer("70", "卸扣") + answer("30", "钢丝绳") + answer("0", "吊钩")
    result = import_moodle_xml(quiz(multichoice(answers)))
    assert counts(result) == (0, 0, 1)
    assert "70%、30%" in result.errors[0].message


def test_multiple_with_positive_grades_not_adding_up_is_an_error():
    result = import_moodle_xml(quiz(multichoice(answer("50", "卸扣") + answer("0", "吊钩"))))
    assert "100%" in result.errors[0].message


def test_single_choice_with_two_full_answers_is_an_error():
    result = import_moodle_xml(quiz(multichoice(answer("100", "a") + answer("100", "b"), single="true")))
    assert counts(result) == (0, 0, 1)


def test_option_with_only_an_image_is_an_error_naming_the_option():
    answers = answer("100", "&lt;img src='x.png'&gt;") + answer("0", "吊钩")
    result = import_moodle_xml(quiz(multichoice(answers, single="true")))
    assert "选项 A" in result.errors[0].message


def test_a_bad_question_does_not_stop_the_next_one():
    bad = multichoice(answer("100", "a") + answer("100", "b"), single="true", name="坏题")
    good = multichoice(answer("100", "a") + answer("0", "b"), single="true", name="好题")
    result = import_moodle_xml(quiz(bad, good))
    assert [q.name for q in result.questions] == ["好题"]
    assert [(e.name, e.position.index) for e in result.errors] == [("坏题", 1)]


def test_shortanswer_accepts_only_full_grade_answers():
    question = (
        '<question type="shortanswer"><name><text>简答</text></name>'
        "<questiontext><text>连接吊索与吊点的部件？</text></questiontext>"
        + answer("100", "卸扣")
        + answer("50", "扣")
        + answer("100", "shackle")
        + "</question>"
    )
    result = import_moodle_xml(quiz(question))
    assert result.questions[0].spec.answer == ("卸扣", "shackle")


def test_numerical_reads_value_tolerance_and_unit():
    question = (
        '<question type="numerical"><name><text>数值</text></name>'
        "<questiontext><text>拉力约为？</text></questiontext>"
        + answer("100", "0.58", "<tolerance>0.01</tolerance>")
        + answer("0", "*")
        + "<units><unit><multiplier>1</multiplier><unit_name>G</unit_name></unit></units></question>"
    )
    spec = import_moodle_xml(quiz(question)).questions[0].spec
    assert spec.answer == NumericAnswer(Decimal("0.58"), Decimal("0.01"), "G")


def test_unsupported_types_are_skipped_with_their_type():
    question = (
        '<question type="match"><name><text>配对</text></name>'
        "<questiontext><text>x</text></questiontext></question>"
    )
    result = import_moodle_xml(quiz(question))
    assert [(s.name, s.source_type) for s in result.skipped] == [("配对", "match")]


def test_question_text_html_is_reduced_to_plain_text():
    stem = "<![CDATA[<p>a &lt; b &amp; <script>alert(1)</script><b>c</b></p>]]>"
    question = multichoice(answer("100", "x") + answer("0", "y"), single="true").replace(
        "<![CDATA[<p>哪些属于吊具？</p>]]>", stem
    )
    result = import_moodle_xml(quiz(question))
    assert result.questions[0].spec.stem == "a < b & c"


def test_category_path_keeps_an_escaped_slash():
    category = '<question type="category"><category><text>$course$/top/A//B/C</text></category></question>'
    result = import_moodle_xml(quiz(category, multichoice(answer("100", "x") + answer("0", "y"))))
    assert result.questions[0].category == "A//B/C"


def test_options_get_letter_keys_in_file_order():
    answers = answer("100", "甲") + answer("0", "乙") + answer("0", "丙")
    spec = import_moodle_xml(quiz(multichoice(answers, single="true"))).questions[0].spec
    assert spec.options == (Option("A", "甲"), Option("B", "乙"), Option("C", "丙"))
