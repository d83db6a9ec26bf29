from decimal import Decimal
from fractions import Fraction

import pytest

from lms.questions.grading import grade
from lms.questions.responses import ResponseInvalid
from lms.questions.spec import NumericAnswer, Option, QuestionKind, QuestionSpec, Scoring

ABCDE = tuple(Option(key, f"选项{key}") for key in "ABCDE")


def single() -> QuestionSpec:
    return QuestionSpec(QuestionKind.SINGLE, "夹角最低不得小于？", ABCDE[:4], "B")


def multiple(scoring: Scoring = Scoring.ALL_OR_NOTHING) -> QuestionSpec:
    return QuestionSpec(QuestionKind.MULTIPLE, "哪些属于吊具？", ABCDE, frozenset({"A", "B", "D"}), scoring)


def truefalse(answer: bool = False) -> QuestionSpec:
    return QuestionSpec(QuestionKind.TRUEFALSE, "可以斜拉斜吊。", (), answer)


def ordering() -> QuestionSpec:
    return QuestionSpec(QuestionKind.ORDERING, "排出正确顺序。", ABCDE[:3], ("C", "A", "B"))


def numeric(value: str = "0.58", tolerance: str = "0.01") -> QuestionSpec:
    answer = NumericAnswer(Decimal(value), Decimal(tolerance), "G")
    return QuestionSpec(QuestionKind.NUMERIC, "每肢拉力约为多少 G？", (), answer)


def short() -> QuestionSpec:
    return QuestionSpec(QuestionKind.SHORT, "连接吊索与吊点的部件叫什么？", (), ("Shackle", "卸扣"))


def test_single_right_key_scores_full():
    assert grade(single(), "B") == 1


def test_single_wrong_key_scores_zero():
    assert grade(single(), "A") == 0


def test_single_unknown_key_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(single(), "E")


def test_single_list_response_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(single(), ["B"])


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_unanswered_scores_zero_without_error(empty):
    assert grade(single(), empty) == 0
    assert grade(multiple(), empty) == 0
    assert grade(numeric(), empty) == 0


def test_multiple_exact_set_scores_full():
    assert grade(multiple(), ["D", "A", "B"]) == 1


def test_multiple_all_or_nothing_missing_key_scores_zero():
    assert grade(multiple(), ["A", "B"]) == 0


def test_multiple_duplicate_picks_count_once():
    assert grade(multiple(), ["A", "B", "D", "D", "A"]) == 1


def test_multiple_partial_scores_correct_picks_over_keys():
    assert grade(multiple(Scoring.PARTIAL), ["A", "D"]) == Fraction(2, 3)


def test_multiple_partial_with_a_wrong_pick_scores_zero():
    assert grade(multiple(Scoring.PARTIAL), ["A", "B", "D", "C"]) == 0


def test_multiple_partial_duplicates_do_not_add_credit():
    assert grade(multiple(Scoring.PARTIAL), ["A", "A", "A"]) == Fraction(1, 3)


def test_multiple_unknown_key_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(multiple(), ["A", "Z"])


def test_multiple_single_string_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(multiple(), "A")


def test_truefalse_false_is_an_answer_not_empty():
    assert grade(truefalse(answer=False), False) == 1


def test_truefalse_wrong_boolean_scores_zero():
    assert grade(truefalse(answer=False), True) == 0


@pytest.mark.parametrize("raw", ["false", 0, 1])
def test_truefalse_non_boolean_is_invalid(raw):
    with pytest.raises(ResponseInvalid):
        grade(truefalse(), raw)


def test_ordering_exact_order_scores_full():
    assert grade(ordering(), ["C", "A", "B"]) == 1


def test_ordering_is_all_or_nothing():
    assert grade(ordering(), ["C", "B", "A"]) == 0


def test_ordering_missing_item_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(ordering(), ["C", "A"])


def test_ordering_repeated_item_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(ordering(), ["C", "A", "A"])


def test_numeric_inside_tolerance_scores_full():
    assert grade(numeric(), 0.585) == 1


@pytest.mark.parametrize("raw", ["0.57", "0.59", 0.57, 0.59])
def test_numeric_at_the_tolerance_boundary_scores_full(raw):
    assert grade(numeric(), raw) == 1


@pytest.mark.parametrize("raw", ["0.5699999", "0.5900001"])
def test_numeric_just_outside_tolerance_scores_zero(raw):
    assert grade(numeric(), raw) == 0


def test_numeric_zero_tolerance_needs_the_exact_value():
    assert grade(numeric("45", "0"), "45.0") == 1
    assert grade(numeric("45", "0"), "45.0000001") == 0


def test_numeric_full_width_digits_are_read():
    assert grade(numeric(), "０．５８") == 1


def test_numeric_comma_decimal_is_read():
    assert grade(numeric(), "0,58") == 1


def test_numeric_full_width_comma_decimal_is_read():
    assert grade(numeric(), "０，５８") == 1


def test_numeric_thousands_like_comma_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(numeric("1500", "0"), "1,500")


def test_numeric_surrounding_spaces_are_ignored():
    assert grade(numeric(), " 0.58 ") == 1


def test_numeric_negative_with_unicode_minus_is_read():
    assert grade(numeric("-3", "0"), "\u22123") == 1


@pytest.mark.parametrize("raw", ["abc", "0.58G", "NaN", "Infinity", "1e999999", True, [0.58], {"v": 1}])
def test_numeric_non_number_is_invalid(raw):
    with pytest.raises(ResponseInvalid):
        grade(numeric(), raw)


def test_numeric_float_nan_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(numeric(), float("nan"))


def test_short_exact_answer_scores_full():
    assert grade(short(), "卸扣") == 1


def test_short_ignores_case_and_surrounding_whitespace():
    assert grade(short(), "  sHACKLE ") == 1


def test_short_folds_full_width_letters():
    assert grade(short(), "ＳＨＡＣＫＬＥ") == 1


def test_short_collapses_internal_whitespace():
    spec = QuestionSpec(QuestionKind.SHORT, "英文名？", (), ("wire rope",))
    assert grade(spec, "Wire \t  Rope") == 1
    assert grade(spec, "wirerope") == 0


def test_short_full_width_space_counts_as_space():
    spec = QuestionSpec(QuestionKind.SHORT, "英文名？", (), ("wire rope",))
    assert grade(spec, "wire\u3000rope") == 1


def test_short_wrong_answer_scores_zero():
    assert grade(short(), "吊钩") == 0


def test_short_non_text_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(short(), 42)


def test_short_overlong_answer_is_invalid():
    with pytest.raises(ResponseInvalid):
        grade(short(), "卸" * 201)


def test_every_kind_has_a_grader():
    specs = [single(), multiple(), truefalse(), ordering(), numeric(), short()]
    assert {spec.kind for spec in specs} == set(QuestionKind)
    for spec in specs:
        assert grade(spec, None) == 0
