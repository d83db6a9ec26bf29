from decimal import Decimal

import pytest

from lms.questions.spec import NumericAnswer, Option, QuestionInvalid, QuestionKind, QuestionSpec, Scoring
from lms.questions.spec_dict import spec_from_dict, spec_to_dict


def abcd() -> dict[str, str]:
    return {"A": "30°", "B": "45°", "C": "60°", "D": "75°"}


def question(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {"kind": "single", "stem": "吊索与构件水平面的夹角最低不得小于多少？"}
    data.update(fields)
    return data


def invalid_field(data: dict[str, object]) -> str:
    with pytest.raises(QuestionInvalid) as raised:
        spec_from_dict(data)
    assert raised.value.message  # a message for the author, not only a field name
    return raised.value.field


def test_single_question_reads_options_in_file_order():
    spec = spec_from_dict(question(options=abcd(), answer="B"))
    assert spec.kind is QuestionKind.SINGLE
    assert spec.option_keys == ("A", "B", "C", "D")
    assert spec.answer == "B"


def test_single_answer_not_among_options_is_invalid():
    with pytest.raises(QuestionInvalid) as raised:
        spec_from_dict(question(options=abcd(), answer="E"))
    assert raised.value.field == "answer"
    assert "E" in raised.value.message and "A、B、C、D" in raised.value.message


def test_unknown_kind_is_invalid():
    assert invalid_field(question(kind="essay", answer="x")) == "kind"


def test_missing_answer_is_invalid():
    assert invalid_field(question(options=abcd())) == "answer"


def test_blank_stem_is_invalid():
    assert invalid_field(question(stem="  ", options=abcd(), answer="A")) == "stem"


def test_a_single_option_is_too_few():
    assert invalid_field(question(options={"A": "45°"}, answer="A")) == "options"


def test_blank_option_text_is_invalid():
    assert invalid_field(question(options={"A": "45°", "B": " "}, answer="A")) == "options"


def test_options_must_be_a_mapping():
    assert invalid_field(question(options=["45°", "60°"], answer="A")) == "options"


def test_truefalse_with_options_is_invalid():
    assert invalid_field(question(kind="truefalse", options=abcd(), answer=True)) == "options"


def test_multiple_answer_reads_as_a_key_set():
    spec = spec_from_dict(question(kind="multiple", options=abcd(), answer=["D", "B"], scoring="partial"))
    assert spec.answer == frozenset({"B", "D"})
    assert spec.scoring is Scoring.PARTIAL


def test_multiple_with_no_correct_key_is_invalid():
    assert invalid_field(question(kind="multiple", options=abcd(), answer=[])) == "answer"


def test_multiple_with_a_key_listed_twice_is_invalid():
    assert invalid_field(question(kind="multiple", options=abcd(), answer=["A", "A"])) == "answer"


def test_multiple_answer_given_as_one_key_is_invalid():
    assert invalid_field(question(kind="multiple", options=abcd(), answer="A")) == "answer"


def test_partial_scoring_on_a_single_question_is_invalid():
    assert invalid_field(question(options=abcd(), answer="A", scoring="partial")) == "scoring"


def test_unknown_scoring_is_invalid():
    assert invalid_field(question(kind="multiple", options=abcd(), answer=["A"], scoring="most")) == "scoring"


def test_truefalse_answer_must_be_a_boolean():
    assert invalid_field(question(kind="truefalse", answer="true")) == "answer"


def test_ordering_answer_that_is_not_a_permutation_is_invalid():
    assert invalid_field(question(kind="ordering", options=abcd(), answer=["A", "B", "C"])) == "answer"


def test_ordering_answer_with_a_repeated_key_is_invalid():
    assert invalid_field(question(kind="ordering", options=abcd(), answer=["A", "B", "C", "C"])) == "answer"


def test_numeric_answer_reads_floats_as_written_decimals():
    spec = spec_from_dict(question(kind="numeric", answer={"value": 0.58, "tolerance": 0.01, "unit": "G"}))
    assert spec.answer == NumericAnswer(Decimal("0.58"), Decimal("0.01"), "G")


def test_numeric_tolerance_defaults_to_zero():
    spec = spec_from_dict(question(kind="numeric", answer={"value": 45}))
    assert spec.answer == NumericAnswer(Decimal(45), Decimal(0), "")


def test_negative_tolerance_is_invalid():
    assert invalid_field(question(kind="numeric", answer={"value": 1, "tolerance": -0.1})) == "tolerance"


def test_numeric_value_that_is_not_a_number_is_invalid():
    assert invalid_field(question(kind="numeric", answer={"value": "about 1"})) == "value"


def test_numeric_value_nan_is_invalid():
    assert invalid_field(question(kind="numeric", answer={"value": "NaN"})) == "value"


def test_short_answer_reads_accepted_answers():
    spec = spec_from_dict(question(kind="short", answer=["钢丝绳", "wire rope"]))
    assert spec.answer == ("钢丝绳", "wire rope")


def test_short_answer_with_a_blank_accepted_answer_is_invalid():
    assert invalid_field(question(kind="short", answer=["钢丝绳", "　"])) == "answer"


def test_content_only_keys_are_ignored():
    spec = spec_from_dict(question(id="sa-001", difficulty=1, facts=["H1"], options=abcd(), answer="B"))
    assert spec.answer == "B"


def test_integer_option_keys_from_yaml_become_text():
    spec = spec_from_dict(question(options={1: "30°", 2: "45°"}, answer=2))
    assert spec.option_keys == ("1", "2")
    assert spec.answer == "2"


def test_a_question_that_is_not_a_mapping_is_invalid():
    with pytest.raises(QuestionInvalid):
        spec_from_dict(["single"])


@pytest.mark.parametrize(
    "data",
    [
        question(options=abcd(), answer="B", explanation="不应小于 45°。"),
        question(kind="multiple", options=abcd(), answer=["A", "C"], scoring="partial"),
        question(kind="truefalse", answer=False),
        question(kind="ordering", options=abcd(), answer=["C", "A", "D", "B"]),
        question(kind="numeric", answer={"value": "1E+1", "tolerance": "0.5", "unit": "kN"}),
        question(kind="short", answer=["卸扣"]),
    ],
    ids=["single", "multiple", "truefalse", "ordering", "numeric", "short"],
)
def test_spec_survives_the_dict_round_trip(data):
    spec = spec_from_dict(data)
    assert spec_from_dict(spec_to_dict(spec)) == spec


def test_spec_to_dict_writes_sorted_keys_and_plain_numbers():
    spec = spec_from_dict(question(kind="numeric", answer={"value": "1E+1", "tolerance": 0.5}))
    assert spec_to_dict(spec)["answer"] == {"value": "10", "tolerance": "0.5", "unit": ""}
    multiple = spec_from_dict(question(kind="multiple", options=abcd(), answer=["D", "A"]))
    assert spec_to_dict(multiple)["answer"] == ["A", "D"]


def test_building_a_spec_directly_validates_it():
    with pytest.raises(QuestionInvalid):
        QuestionSpec(QuestionKind.SINGLE, "题干", (Option("A", "a"), Option("B", "b")), "C")


def test_duplicate_option_keys_are_invalid():
    with pytest.raises(QuestionInvalid) as raised:
        QuestionSpec(QuestionKind.SINGLE, "题干", (Option("A", "a"), Option("A", "b")), "A")
    assert raised.value.field == "options"


def test_kind_and_scoring_given_as_text_become_enums():
    spec = QuestionSpec("multiple", "题干", (Option("A", "a"), Option("B", "b")), frozenset({"A"}), "partial")
    assert spec.kind is QuestionKind.MULTIPLE
    assert spec.scoring is Scoring.PARTIAL


def test_short_answers_written_as_yaml_numbers_become_text():
    spec = spec_from_dict(question(kind="short", answer=[45, "四十五"]))
    assert spec.answer == ("45", "四十五")


def test_full_credit_response_earns_full_credit_for_every_kind():
    from fractions import Fraction

    from lms.questions.grading import grade
    from lms.questions.spec_dict import full_credit_response, spec_from_dict, spec_to_dict

    samples = [
        {"kind": "single", "stem": "s", "options": {"A": "a", "B": "b"}, "answer": "B"},
        {"kind": "multiple", "stem": "s", "options": {"A": "a", "B": "b", "C": "c"}, "answer": ["A", "C"]},
        {"kind": "truefalse", "stem": "s", "answer": False},
        {"kind": "ordering", "stem": "s", "options": {"A": "a", "B": "b"}, "answer": ["B", "A"]},
        {"kind": "numeric", "stem": "s", "answer": {"value": 0.58, "tolerance": 0.01, "unit": "G"}},
        {"kind": "short", "stem": "s", "answer": ["慢起", "慢起稳升"]},
    ]
    for raw in samples:
        stored = spec_to_dict(spec_from_dict(raw))
        assert grade(spec_from_dict(stored), full_credit_response(stored)) == Fraction(1), raw["kind"]
