from decimal import Decimal

from lms.questions.importers import import_gift
from lms.questions.spec import NumericAnswer, QuestionKind, Scoring


def counts(result) -> tuple[int, int, int]:
    return len(result.questions), len(result.skipped), len(result.errors)


def by_name(result) -> dict:
    return {q.name: q for q in result.questions}


def test_questions_fixture_counts(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes())
    assert counts(result) == (7, 2, 0)


def test_questions_fixture_skips_essay_and_matching_with_their_lines(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes())
    assert [(s.name, s.source_type, s.position.line) for s in result.skipped] == [
        ("Q8", "essay", 2),
        ("Moodle activities", "match", 5),
    ]


def test_questions_fixture_single_choice_drops_feedback_and_format_markers(moodle_fixtures):
    q2 = by_name(import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes()))["Q2"]
    assert q2.spec.kind is QuestionKind.SINGLE
    assert [o.text for o in q2.spec.options] == ["yellow", "red", "blue"]
    assert q2.spec.answer == "A"
    assert q2.position.line == 14


def test_questions_fixture_weighted_choice_becomes_partial_multiple(moodle_fixtures):
    colours = by_name(import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes()))["colours"]
    assert colours.spec.kind is QuestionKind.MULTIPLE
    assert colours.spec.scoring is Scoring.PARTIAL
    assert colours.spec.answer == frozenset({"A", "C"})
    assert [o.text for o in colours.spec.options] == ["yellow", "red", "off-beige", "blue"]


def test_questions_fixture_numeric_range(moodle_fixtures):
    q5 = by_name(import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes()))["Q5"]
    assert q5.spec.answer == NumericAnswer(Decimal(3), Decimal(2), "")


def test_questions_fixture_short_answer_keeps_only_full_grade_answers(moodle_fixtures):
    short = by_name(import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes()))[
        "Shortanswer"
    ]
    assert short.spec.answer == ("Frog",)


def test_questions_fixture_truefalse_with_general_feedback(moodle_fixtures):
    q1 = by_name(import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes()))["Q1"]
    assert q1.spec.answer is False
    assert q1.spec.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."


def test_questions_fixture_t_and_true_both_mean_true(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions.gift.txt").read_bytes())
    tsl = [q.spec.answer for q in result.questions if q.name == "2-08 TSL"]
    assert tsl == [True, True]


def test_category_fixture_puts_questions_in_the_category(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions_in_category.gift.txt").read_bytes())
    assert counts(result) == (3, 1, 0)
    assert {q.category for q in result.questions} == {"Default for New Features"}


def test_category_fixture_html_stem_with_escapes_becomes_plain_text(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions_in_category.gift.txt").read_bytes())
    greeting = by_name(result)["Greeting"]
    assert greeting.spec.stem == "Listen to this greeting:\nWhat language is being spoken?"
    assert greeting.spec.answer == "B"
    acronym = by_name(result)["Moodle acronym"]
    assert (
        acronym.spec.stem == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."
    )


def test_category_fixture_short_answer_with_explicit_full_weight(moodle_fixtures):
    result = import_gift((moodle_fixtures / "gift" / "questions_in_category.gift.txt").read_bytes())
    assert by_name(result)["Moodle user"].spec.answer == ("Moodler",)


def test_escaped_characters_are_literal():
    result = import_gift("::转义:: 1 \\= 1 \\{ok\\} a\\:b \\# \\~ {=是 ~否}")
    assert result.questions[0].spec.stem == "1 = 1 {ok} a:b # ~"


def test_numeric_with_tolerance():
    result = import_gift("::π:: 圆周率约为？ {#3.14:0.01}")
    assert result.questions[0].spec.answer == NumericAnswer(Decimal("3.14"), Decimal("0.01"), "")


def test_multi_line_questions_are_split_by_blank_lines_and_keep_their_first_line():
    text = "// 注释\n::一:: 第一题\n{T}\n\n\n::二::\n第二题 {\n=对\n~错\n}\n"
    result = import_gift(text)
    assert [(q.name, q.position.line) for q in result.questions] == [("一", 2), ("二", 6)]
    assert result.questions[1].spec.stem == "第二题"


def test_question_without_title_is_named_after_its_stem():
    result = import_gift("吊索与水平面夹角不得小于 45°。{T}")
    assert result.questions[0].name == "吊索与水平面夹角不得小于 45°。"


def test_text_without_braces_is_a_skipped_description():
    result = import_gift("::说明:: 以下题目考察吊装。")
    assert [(s.name, s.source_type) for s in result.skipped] == [("说明", "description")]


def test_unclosed_brace_is_an_error_with_its_line():
    result = import_gift("\n\n::坏:: 题干 {=a ~b")
    assert counts(result) == (0, 0, 1)
    assert result.errors[0].describe() == "第 3 行「坏」：答案部分缺少与 { 配对的 }。"


def test_choice_with_one_option_is_an_error():
    result = import_gift("::少:: 题干 {~%100%只有一个}")
    assert counts(result) == (0, 0, 1)


def test_single_choice_with_two_right_answers_is_an_error():
    result = import_gift("::双:: 题干 {=a =b ~c}")
    assert "恰好一个" in result.errors[0].message


def test_text_after_the_answers_makes_a_missing_word_stem():
    result = import_gift("吊索夹角不得小于 {=45° ~30°} 。")
    assert result.questions[0].spec.stem == "吊索夹角不得小于 _____ 。"


def test_lowercase_true_is_a_short_answer_as_in_moodle():
    result = import_gift("::小写:: 题干 {true}")
    assert result.questions[0].spec.kind is QuestionKind.SHORT


def test_gb18030_file_is_read():
    result = import_gift("::中文:: 吊钩是吊具吗？{T}".encode("gb18030"))
    assert result.questions[0].spec.stem == "吊钩是吊具吗？"


def test_category_line_directly_above_a_question_does_not_swallow_it():
    result = import_gift("$CATEGORY: $course$/top/吊装\n::一:: 题干 {T}\n")
    assert [(q.name, q.category, q.position.line) for q in result.questions] == [("一", "吊装", 2)]
