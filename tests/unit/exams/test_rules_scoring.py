from decimal import Decimal
from fractions import Fraction

import pytest

from exams.rules.messages import REASON_LABELS
from exams.rules.scoring import (
    OverallResult,
    PaperScore,
    ResultReason,
    ResultStatus,
    display_score,
    overall_result,
    passed,
    score_paper,
)

HALF = Fraction(1, 2)


def test_paper_score_is_points_times_credit():
    # 2 x 1 + 3 x 1/2 + 5 x 0 = 3.5 of 10 = 35 %.
    score = score_paper([(2, Fraction(1)), (3, HALF), (5, Fraction(0))])
    assert score == PaperScore(raw=Fraction(7, 2), max=Fraction(10), percent=Fraction(35))


def test_paper_percent_is_exact_for_thirds():
    score = score_paper([(1, Fraction(1)), (1, Fraction(0)), (1, Fraction(0))])
    assert score.percent == Fraction(100, 3)


def test_paper_score_takes_decimal_points():
    # 1.5 x 1 + 0.5 x 0 = 1.5 of 2 = 75 %.
    score = score_paper([(Decimal("1.5"), Fraction(1)), (Decimal("0.5"), Fraction(0))])
    assert (score.raw, score.max, score.percent) == (Fraction(3, 2), Fraction(2), Fraction(75))


def test_empty_paper_is_refused():
    with pytest.raises(ValueError, match="at least one item"):
        score_paper([])


def test_float_credit_is_refused():
    with pytest.raises(ValueError, match="item 1 credit"):
        score_paper([(1, 0.5)])


def test_credit_above_one_is_refused():
    with pytest.raises(ValueError, match="credit must be in"):
        score_paper([(1, Fraction(3, 2))])


def test_negative_credit_is_refused():
    with pytest.raises(ValueError, match="credit must be in"):
        score_paper([(1, Fraction(-1, 2))])


def test_zero_points_are_refused():
    with pytest.raises(ValueError, match="item 2: points must be positive"):
        score_paper([(1, Fraction(1)), (0, Fraction(1))])


def test_bool_points_are_refused():
    with pytest.raises(ValueError, match="item 1 points"):
        score_paper([(True, Fraction(1))])


def test_pass_mark_itself_passes():
    assert passed(Fraction(60), 60)


def test_just_below_pass_mark_fails():
    assert not passed(Fraction(5999, 100), 60)


def test_passed_compares_fraction_with_decimal_exactly():
    assert passed(Fraction(121, 2), Decimal("60.5"))


# Level assessment


def test_both_parts_at_or_above_pass_mark_pass():
    assert overall_result(60, Fraction(301, 4)) == OverallResult(ResultStatus.PASSED, ())


def test_missing_theory_is_pending():
    assert overall_result(None, 80) == OverallResult(ResultStatus.PENDING, (ResultReason.THEORY_MISSING,))


def test_missing_practical_is_pending():
    assert overall_result(75, None) == OverallResult(ResultStatus.PENDING, (ResultReason.PRACTICAL_MISSING,))


def test_both_parts_missing_is_pending_with_both_reasons():
    result = overall_result(None, None)
    assert result.reasons == (ResultReason.THEORY_MISSING, ResultReason.PRACTICAL_MISSING)


def test_failed_theory_fails_even_while_practical_is_missing():
    result = overall_result(Fraction(119, 2), None)
    assert result == OverallResult(
        ResultStatus.FAILED, (ResultReason.THEORY_BELOW_PASS, ResultReason.PRACTICAL_MISSING)
    )


def test_failed_practical_fails():
    assert overall_result(90, 59).status is ResultStatus.FAILED


def test_both_parts_failed_list_both_reasons():
    assert overall_result(10, 20).reasons == (ResultReason.THEORY_BELOW_PASS, ResultReason.PRACTICAL_BELOW_PASS)


def test_custom_pass_marks_apply_to_each_part():
    assert overall_result(65, 65, theory_pass=70).reasons == (ResultReason.THEORY_BELOW_PASS,)


def test_practical_redline_fails_whatever_the_scores():
    result = overall_result(95, 98, practical_redline=True)
    assert result == OverallResult(ResultStatus.FAILED, (ResultReason.PRACTICAL_REDLINE,))


def test_percent_above_100_is_refused():
    with pytest.raises(ValueError, match="theory_percent"):
        overall_result(101, 60)


def test_pass_mark_below_zero_is_refused():
    with pytest.raises(ValueError, match="practical_pass"):
        overall_result(60, 60, practical_pass=-1)


def test_every_reason_has_a_chinese_label():
    assert set(REASON_LABELS) == {reason.value for reason in ResultReason}


# Display


def test_display_rounds_down_so_a_failing_score_never_shows_the_pass_mark():
    assert display_score(Fraction(5996, 100)) == Decimal("59.9")


def test_display_of_a_whole_score_keeps_one_decimal():
    assert str(display_score(60)) == "60.0"


def test_display_of_a_third():
    assert display_score(Fraction(100, 3)) == Decimal("33.3")


def test_display_with_no_decimals():
    assert str(display_score(Fraction(199, 2), places=0)) == "99"
