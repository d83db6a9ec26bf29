from decimal import Decimal

import pytest

from lms.questions.responses import ResponseInvalid, normalize_response
from lms.questions.spec import NumericAnswer, Option, QuestionKind, QuestionSpec


def multiple() -> QuestionSpec:
    options = (Option("A", "卸扣"), Option("B", "吊钩"), Option("C", "钢丝绳"))
    return QuestionSpec(QuestionKind.MULTIPLE, "哪些属于吊具？", options, frozenset({"A", "C"}))


def numeric() -> QuestionSpec:
    return QuestionSpec(QuestionKind.NUMERIC, "数值？", (), NumericAnswer(Decimal("3.14"), Decimal("0.01")))


def test_multiple_response_becomes_a_set_without_duplicates():
    assert normalize_response(multiple(), ["C", "A", "C"]) == frozenset({"A", "C"})


def test_unanswered_response_normalises_to_none():
    assert normalize_response(multiple(), []) is None


def test_numeric_text_becomes_a_decimal():
    assert normalize_response(numeric(), "３．１４") == Decimal("3.14")


def test_numeric_float_keeps_its_written_digits():
    assert normalize_response(numeric(), 3.14) == Decimal("3.14")


def test_unknown_option_message_names_the_key():
    with pytest.raises(ResponseInvalid) as raised:
        normalize_response(multiple(), ["A", "X"])
    assert "X" in raised.value.message
    assert raised.value.code == "response_invalid"
