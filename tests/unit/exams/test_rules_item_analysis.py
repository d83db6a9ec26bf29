from fractions import Fraction

import pytest

from exams.rules.item_analysis import ChoiceData, ItemFlag, ReliabilityMethod, analyse_paper

# Five candidates, three dichotomous items; item 0 is a single choice with key B.
#
#         item0 item1 item2 total   item0 pick
#   c1      1     1     1     3        B
#   c2      1     1     0     2        B
#   c3      1     0     1     2        B
#   c4      0     1     0     1        C
#   c5      0     0     0     0        (none)
#
# Facility: 3/5 = 0.6, 3/5 = 0.6, 2/5 = 0.4.
# Item 0: x = [1,1,1,0,0] (mean .6), rest = total - x = [2,1,1,1,0] (mean 1).
#   dx = [.4,.4,.4,-.6,-.6], dr = [1,0,0,0,-1]; Sxy = .4 + .6 = 1.0; Sxx = 3(.16) + 2(.36) = 1.2; Syy = 2.
#   r = 1 / sqrt(2.4) = 0.6455 -> 0.645
# Item 1: x = [1,1,0,1,0], rest = [2,1,2,0,0] (mean 1); dx = [.4,.4,-.6,.4,-.6], dr = [1,0,1,-1,-1];
#   Sxy = .4 + 0 - .6 - .4 + .6 = 0 -> r = 0.0
# Item 2: x = [1,0,1,0,0] (mean .4), rest = [2,2,1,1,0] (mean 1.2);
#   dx = [.6,-.4,.6,-.4,-.4], dr = [.8,.8,-.2,-.2,-1.2];
#   Sxy = .48 - .32 - .12 + .08 + .48 = .6; Sxx = 1.2; Syy = .64+.64+.04+.04+1.44 = 2.8
#   r = .6 / sqrt(3.36) = 0.3273 -> 0.327
# KR-20: sum pq = .24 + .24 + .24 = .72; totals [3,2,2,1,0], mean 1.6, variance
#   (1.96 + .16 + .16 + .36 + 2.56) / 5 = 1.04; KR-20 = 3/2 x (1 - .72/1.04) = 0.4615 -> 0.462
# Item 0 picks: A 0, B 3, C 1, D 0, no answer 1; unused distractors A and D.
# Top third: ceil(5/3) = 2 candidates, c1 (3) and c2 (2, first of the tied), both picked B.
MATRIX = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]
ITEM0 = ChoiceData(("A", "B", "C", "D"), frozenset({"B"}), ("B", "B", "B", "C", None))


def example():
    return analyse_paper(MATRIX, [ITEM0, None, None])


def test_facility_is_the_mean_credit():
    assert [item.facility for item in example().items] == [0.6, 0.6, 0.4]


def test_discrimination_is_the_corrected_item_total_correlation():
    assert [item.discrimination for item in example().items] == [0.645, 0.0, 0.327]


def test_dichotomous_paper_reports_kr20():
    analysis = example()
    assert (analysis.reliability_method, analysis.reliability) == (ReliabilityMethod.KR20, 0.462)


def test_distractor_counts_include_no_answer():
    distractors = example().items[0].distractors
    assert distractors.counts == (("A", 0), ("B", 3), ("C", 1), ("D", 0))
    assert distractors.no_answer == 1


def test_distractor_nobody_picked_is_flagged():
    item = example().items[0]
    assert item.distractors.unused == ("A", "D")
    assert item.flags == (ItemFlag.UNUSED_DISTRACTOR,)


def test_item_without_choice_data_has_no_distractors():
    assert example().items[1].distractors is None


def test_low_discrimination_is_flagged():
    assert example().items[1].flags == (ItemFlag.LOW_DISCRIMINATION,)


def test_item_with_good_statistics_has_no_flags():
    assert example().items[2].flags == ()


def test_partial_credit_paper_reports_cronbach_alpha():
    # c1: 1, 1/2 (1.5); c2: 1/2, 1/2 (1); c3: 0, 0 (0).
    # Item variances: 1/6 and 1/18; total variance: ((2/3)^2 + (1/6)^2 + (5/6)^2) / 3 = 7/18.
    # alpha = 2/1 x (1 - (1/6 + 1/18) / (7/18)) = 2 x (1 - 4/7) = 6/7 = 0.857
    half = Fraction(1, 2)
    analysis = analyse_paper([[Fraction(1), half], [half, half], [Fraction(0), Fraction(0)]])
    assert (analysis.reliability_method, analysis.reliability) == (ReliabilityMethod.ALPHA, 0.857)


def test_distractor_preferred_by_the_top_third_is_flagged():
    # Top third of 3 is c1 (total 2), who picked distractor C over key B.
    picks = ChoiceData(("A", "B", "C"), frozenset({"B"}), ("C", "B", "B"))
    item = analyse_paper([[0, 1, 1], [1, 0, 0], [1, 0, 0]], [picks, None, None]).items[0]
    assert item.distractors.beats_key == ("C",)
    assert ItemFlag.DISTRACTOR_BEATS_KEY in item.flags


def test_negative_discrimination_is_flagged():
    # Item 0: x = [0,1,1], rest = [2,0,0]: the strongest candidate alone got it wrong, r = -1.
    item = analyse_paper([[0, 1, 1], [1, 0, 0], [1, 0, 0]]).items[0]
    assert item.discrimination == -1.0
    assert item.flags == (ItemFlag.NEGATIVE_DISCRIMINATION,)


def test_item_nobody_got_right_is_flagged_too_hard():
    analysis = analyse_paper([[0, 1], [0, 1], [0, 0]])
    assert ItemFlag.TOO_HARD in analysis.items[0].flags


def test_item_everybody_got_right_is_flagged_too_easy():
    analysis = analyse_paper([[1, 1], [1, 0], [1, 0]])
    assert analysis.items[0].flags == (ItemFlag.TOO_EASY,)


def test_facility_of_exactly_0_95_is_not_too_easy():
    analysis = analyse_paper([[Fraction(19, 20)], [Fraction(19, 20)]])
    assert analysis.items[0].flags == ()


def test_multiple_choice_picks_count_every_option_picked():
    picks = ChoiceData(("A", "B", "C", "D"), frozenset({"A", "C"}), ({"A", "C"}, {"A", "B"}, frozenset()))
    distractors = analyse_paper([[1], [0], [0]], [picks]).items[0].distractors
    assert distractors.counts == (("A", 2), ("B", 1), ("C", 1), ("D", 0))
    assert distractors.no_answer == 1


def test_fractions_and_floats_give_the_same_analysis():
    fractions = [[Fraction(value) for value in row] for row in MATRIX]
    floats = [[float(value) for value in row] for row in MATRIX]
    assert analyse_paper(fractions, [ITEM0, None, None]) == analyse_paper(floats, [ITEM0, None, None])


# Edge cases


def test_one_candidate_has_no_discrimination_or_reliability():
    analysis = analyse_paper([[1, 0, 1]])
    assert [item.discrimination for item in analysis.items] == [None, None, None]
    assert (analysis.candidates, analysis.reliability) == (1, None)


def test_identical_answers_have_no_discrimination_or_reliability():
    analysis = analyse_paper([[1, 0, 1]] * 4)
    assert [item.discrimination for item in analysis.items] == [None, None, None]
    assert analysis.reliability is None


def test_identical_fractional_credits_count_as_zero_variance():
    tenth = Fraction(1, 10)
    analysis = analyse_paper([[tenth, 1], [tenth, 0], [tenth, 1]])
    assert analysis.items[0].discrimination is None


def test_single_item_paper_has_no_reliability():
    assert analyse_paper([[1], [0], [1]]).reliability is None


def test_empty_matrix_is_refused():
    with pytest.raises(ValueError, match="at least one candidate"):
        analyse_paper([])


def test_ragged_matrix_is_refused():
    with pytest.raises(ValueError, match="every item"):
        analyse_paper([[1, 0], [1]])


def test_credit_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        analyse_paper([[1, 2]])


def test_nan_credit_is_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        analyse_paper([[float("nan")]])


def test_choice_data_for_the_wrong_number_of_candidates_is_refused():
    with pytest.raises(ValueError, match="one pick per candidate"):
        analyse_paper([[1], [0]], [ChoiceData(("A", "B"), frozenset({"A"}), ("A",))])


def test_pick_of_an_unknown_option_is_refused():
    with pytest.raises(ValueError, match="unknown option"):
        ChoiceData(("A", "B"), frozenset({"A"}), ("E",))


def test_key_outside_the_options_is_refused():
    with pytest.raises(ValueError, match="keys"):
        ChoiceData(("A", "B"), frozenset({"C"}), ("A",))
