from decimal import Decimal

import pytest

from exams.rules.blueprint import (
    Blueprint,
    BlueprintInvalid,
    BlueprintRow,
    BlueprintShort,
    PoolItem,
    ReviewPolicy,
    draw_paper,
    validate_blueprint,
)
from lms.questions.spec import CHOICE_KINDS, QuestionKind

SINGLE, TRUEFALSE, MULTIPLE = QuestionKind.SINGLE, QuestionKind.TRUEFALSE, QuestionKind.MULTIPLE


def question(qid: int, topic: str = "bracing", kind: QuestionKind = SINGLE, difficulty: int | None = 1) -> PoolItem:
    keys = ("A", "B", "C", "D") if kind in CHOICE_KINDS else ()
    return PoolItem(qid, qid * 10, topic, kind, difficulty, keys)


def row(topic="bracing", kind=None, difficulty=None, count=1, points="1") -> BlueprintRow:
    return BlueprintRow(topic, kind, difficulty, count, Decimal(points))


def blueprint(*rows: BlueprintRow, **settings) -> Blueprint:
    """A blueprint whose max score is its rows' total unless given."""
    settings.setdefault("max_score", sum((r.count * r.points for r in rows), Decimal(0)))
    return Blueprint(rows, duration_s=3600, **settings)


def pool_of(count: int, topic: str = "bracing", kind: QuestionKind = SINGLE, first: int = 1) -> list[PoolItem]:
    return [question(qid, topic, kind) for qid in range(first, first + count)]


# Blueprint fields


def test_blueprint_defaults_to_pass_mark_60_of_max_100():
    plan = Blueprint((row(count=100),), duration_s=3600)
    assert (plan.pass_mark, plan.max_score, plan.attempts_allowed) == (60, 100, 1)


def test_blueprint_review_given_as_string_becomes_policy():
    plan = blueprint(row(), review="after_close")
    assert plan.review is ReviewPolicy.AFTER_CLOSE


def test_row_kind_given_as_string_becomes_question_kind():
    assert row(kind="truefalse").kind is TRUEFALSE


def test_row_points_given_as_int_become_decimal():
    assert BlueprintRow("bracing", None, None, 2, 5).points == Decimal(5)


def test_blueprint_without_rows_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        Blueprint((), duration_s=3600)
    assert error.value.field == "rows"


def test_row_with_zero_count_is_invalid_and_names_the_row():
    with pytest.raises(BlueprintInvalid, match="第 2 行的题数"):
        blueprint(row(), row(count=0))


def test_row_with_non_positive_points_is_invalid():
    with pytest.raises(BlueprintInvalid, match="每题分值"):
        blueprint(row(points="0"))


def test_row_with_difficulty_outside_1_to_3_is_invalid():
    with pytest.raises(BlueprintInvalid, match="难度"):
        blueprint(row(difficulty=4))


def test_row_with_unknown_kind_is_invalid():
    with pytest.raises(BlueprintInvalid, match="essay"):
        blueprint(row(kind="essay"))


def test_row_with_blank_topic_is_invalid():
    with pytest.raises(BlueprintInvalid, match="知识点"):
        blueprint(row(topic="  "))


def test_pass_mark_above_100_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        blueprint(row(), pass_mark=Decimal(101))
    assert error.value.field == "pass_mark"


def test_zero_duration_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        Blueprint((row(),), duration_s=0, max_score=Decimal(1))
    assert error.value.field == "duration_s"


def test_zero_attempts_allowed_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        blueprint(row(), attempts_allowed=0)
    assert error.value.field == "attempts_allowed"


def test_unknown_review_policy_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        blueprint(row(), review="always")
    assert error.value.field == "review"


# Validation against the pool


def test_points_not_summing_to_max_score_are_refused():
    # 10 x 5 + 10 x 4 = 90, declared max 100.
    plan = Blueprint((row(count=10, points="5"), row(count=10, points="4")), duration_s=3600)
    with pytest.raises(BlueprintInvalid, match="合计 90 分，与满分 100 分不符"):
        validate_blueprint(plan, pool_of(20))


def test_blueprint_the_pool_can_fill_is_valid():
    plan = Blueprint((row(count=60, points="1"), row(topic="signals", count=20, points="2")), duration_s=3600)
    validate_blueprint(plan, pool_of(60) + pool_of(20, topic="signals", first=100))


def test_short_topic_raises_with_needed_and_available():
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(blueprint(row(count=5)), pool_of(3))
    assert (error.value.topic, error.value.needed, error.value.available) == ("bracing", 5, 3)


def test_blueprint_short_message_is_chinese_and_names_the_row():
    plan = blueprint(row(kind=TRUEFALSE, difficulty=2, count=3))
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(plan, [question(1, kind=TRUEFALSE, difficulty=2)])
    assert error.value.message == "题库中知识点“bracing”（判断题）（难度 2）的题目不足：需要 3 道，只能抽到 1 道。"


def test_blueprint_short_names_the_first_short_row_in_declared_order():
    plan = blueprint(row(topic="plan", count=2), row(topic="signals", count=2))
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(plan, [question(1, "plan"), question(2, "signals")])
    assert error.value.topic == "plan"


def test_questions_of_other_topics_do_not_fill_a_row():
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(blueprint(row(topic="plan", count=2)), pool_of(10, topic="signals"))
    assert error.value.available == 0


def test_a_question_fills_only_one_row():
    # Both rows want singles of one topic; 3 singles cannot fill 2 + 2.
    plan = blueprint(row(count=2), row(kind=SINGLE, count=2))
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(plan, pool_of(3))
    assert (error.value.needed, error.value.available) == (2, 1)


def test_most_specific_row_is_filled_first_so_the_general_row_is_reported_short():
    # General row declared first; the single row is filled first (2 singles), leaving 1 truefalse.
    plan = blueprint(row(count=2), row(kind=SINGLE, count=2))
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(plan, [question(1), question(2), question(3, kind=TRUEFALSE)])
    assert (error.value.kind, error.value.needed, error.value.available) == (None, 2, 1)


def test_rows_with_overlapping_filters_are_filled_when_an_assignment_exists():
    # A greedy fill gives q1 (single, difficulty 1) to the single row and leaves the difficulty-1 row empty.
    plan = blueprint(row(kind=SINGLE, count=1), row(difficulty=1, count=1))
    validate_blueprint(plan, [question(1, difficulty=1), question(2, difficulty=2)])


def test_pool_listing_a_question_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        validate_blueprint(blueprint(row()), [question(1), question(1)])


def test_pool_item_of_a_choice_kind_needs_option_keys():
    with pytest.raises(ValueError, match="option keys"):
        PoolItem(1, 10, "bracing", SINGLE, 1, ())


def test_pool_item_of_truefalse_kind_takes_no_option_keys():
    with pytest.raises(ValueError, match="option keys"):
        PoolItem(1, 10, "bracing", TRUEFALSE, 1, ("A", "B"))


# Drawing papers


def mixed_pool() -> list[PoolItem]:
    return pool_of(20) + pool_of(20, kind=TRUEFALSE, first=100) + pool_of(20, topic="signals", kind=MULTIPLE, first=200)


def mixed_blueprint(**settings) -> Blueprint:
    rows = (
        row(kind=SINGLE, count=4, points="5"),
        row(kind=TRUEFALSE, count=4, points="5"),
        row("signals", count=4, points="15"),
    )
    return Blueprint(rows, duration_s=3600, **settings)


def test_same_seed_and_pool_give_identical_papers():
    assert draw_paper(mixed_blueprint(), mixed_pool(), 42) == draw_paper(mixed_blueprint(), mixed_pool(), 42)


def test_pool_order_does_not_change_the_paper():
    reversed_pool = list(reversed(mixed_pool()))
    assert draw_paper(mixed_blueprint(), reversed_pool, 7) == draw_paper(mixed_blueprint(), mixed_pool(), 7)


def test_different_seeds_give_different_papers():
    first, second = draw_paper(mixed_blueprint(), mixed_pool(), 1), draw_paper(mixed_blueprint(), mixed_pool(), 2)
    assert [i.question_id for i in first.items] != [i.question_id for i in second.items]


def test_a_paper_never_repeats_a_question():
    for seed in range(20):
        ids = [
            item.question_id
            for item in draw_paper(blueprint(row(count=3), row(kind=SINGLE, count=3)), pool_of(6), seed).items
        ]
        assert sorted(ids) == [1, 2, 3, 4, 5, 6]


def test_paper_items_follow_the_row_filters():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 3)
    ids = [item.question_id for item in paper.items]
    assert (sum(i < 100 for i in ids), sum(100 <= i < 200 for i in ids), sum(i >= 200 for i in ids)) == (4, 4, 4)


def test_paper_items_carry_version_and_row_points():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 3)
    assert all(item.version_id == item.question_id * 10 for item in paper.items)
    assert all(item.points == (Decimal(15) if item.question_id >= 200 else Decimal(5)) for item in paper.items)


def test_paper_carries_seed_and_max_score():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 9)
    assert (paper.seed, paper.max_score, len(paper.items)) == (9, Decimal(100), 12)


def test_unshuffled_paper_keeps_rows_in_declared_order():
    paper = draw_paper(mixed_blueprint(shuffle_questions=False), mixed_pool(), 5)
    ids = [item.question_id for item in paper.items]
    assert all(i < 100 for i in ids[:4]) and all(100 <= i < 200 for i in ids[4:8]) and all(i >= 200 for i in ids[8:])


def test_shuffled_paper_mixes_the_rows():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 5)
    groups = [item.question_id // 100 for item in paper.items]
    assert groups != sorted(groups)


def test_choice_options_are_shuffled_when_asked():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 11)
    orders = [item.option_order for item in paper.items if item.question_id < 100 or item.question_id >= 200]
    assert all(sorted(order) == ["A", "B", "C", "D"] for order in orders)
    assert any(order != ("A", "B", "C", "D") for order in orders)


def test_options_are_not_shuffled_when_not_asked():
    paper = draw_paper(mixed_blueprint(shuffle_options=False), mixed_pool(), 11)
    assert all(item.option_order is None for item in paper.items)


def test_kinds_without_options_have_no_option_order():
    paper = draw_paper(mixed_blueprint(), mixed_pool(), 11)
    assert all(item.option_order is None for item in paper.items if 100 <= item.question_id < 200)


def test_overlapping_rows_draw_each_question_into_the_row_it_fits():
    plan = blueprint(
        row(kind=SINGLE, count=1, points="1"), row(difficulty=1, count=1, points="2"), shuffle_questions=False
    )
    for seed in range(10):
        paper = draw_paper(plan, [question(1, difficulty=1), question(2, difficulty=2)], seed)
        assert [(item.question_id, item.points) for item in paper.items] == [(2, Decimal(1)), (1, Decimal(2))]


def test_draw_refuses_a_blueprint_the_pool_cannot_fill():
    with pytest.raises(BlueprintShort):
        draw_paper(blueprint(row(count=5)), pool_of(4), 1)


def test_blueprint_marks_given_as_int_become_decimal():
    plan = blueprint(row(), pass_mark=0)
    assert isinstance(plan.pass_mark, Decimal) and isinstance(plan.max_score, Decimal)


def test_not_a_number_pass_mark_is_invalid():
    with pytest.raises(BlueprintInvalid) as error:
        blueprint(row(), pass_mark=Decimal("NaN"))
    assert error.value.field == "pass_mark"


def test_blueprint_short_carries_a_stable_code_for_the_api():
    with pytest.raises(BlueprintShort) as error:
        validate_blueprint(blueprint(row(count=2)), pool_of(1))
    assert (error.value.code, error.value.status, error.value.field) == ("blueprint_short", 422, "rows")
