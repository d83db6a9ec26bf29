"""Pure competition rules with hand-computed examples: aggregation, scheme marks, tie-breaks, awards,
standardised scores, sampling and judge analytics."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from exams.competitions.demo import SLEEVE_GROUTING
from exams.competitions.rules.aggregation import AggregateStatus, aggregate, agree
from exams.competitions.rules.analytics import judge_stats
from exams.competitions.rules.awards import DEFAULT_AWARDS, assign_awards, scheme_from_dict
from exams.competitions.rules.conflicts import conflicting_orgs, panel_for
from exams.competitions.rules.ranking import Entry, TieBreak, rank_entries, weighted_total
from exams.competitions.rules.sampling import draw_sample, needs_full_recheck
from exams.competitions.rules.scheme import (
    AspectSpec,
    Band,
    SchemeInvalid,
    check_value,
    measurement_marks,
    module_marks,
)
from exams.competitions.rules.snapshot import canonical_json, sha256_hex
from exams.competitions.rules.standardised import SpreadMethod, standardise

D = Decimal


# -- aggregation ---------------------------------------------------------------------------------------------

def test_worldskills_mean_of_three_within_the_gap():
    result = aggregate("worldskills", [2, 3, 3])
    assert result.status is AggregateStatus.DONE and result.score == Fraction(8, 3) and result.spread == 1


def test_worldskills_gap_above_the_maximum_forces_a_revote():
    result = aggregate("worldskills", [1, 3, 2])
    assert result.status is AggregateStatus.REVOTE and result.score is None and result.spread == 2


def test_worldskills_gap_is_judged_on_the_full_round_only():
    assert aggregate("worldskills", [0, 3]).status is AggregateStatus.INCOMPLETE


def test_worldskills_gap_is_configurable():
    assert aggregate("worldskills", [1, 3, 2], max_gap=2).score == Fraction(2)
    assert aggregate("worldskills", [2, 3, 3], max_gap=0).status is AggregateStatus.REVOTE


def test_panel_drops_highest_and_lowest_and_averages_the_rest():
    # 0, 2, 2, 3, 3 -> drop 0 and one 3 -> (2 + 2 + 3) / 3 = 7/3
    assert aggregate("panel", [3, 0, 2, 3, 2]).score == Fraction(7, 3)
    # 1, 1, 1, 1, 3 -> (1 + 1 + 1) / 3 = 1: one generous judge does not move the result
    assert aggregate("panel", [1, 3, 1, 1, 1]).score == Fraction(1)


def test_panel_has_no_gap_rule_and_needs_five_scores():
    assert aggregate("panel", [0, 3, 3, 3, 0]).score == Fraction(2)
    assert aggregate("panel", [3, 3, 3, 3]).status is AggregateStatus.INCOMPLETE


def test_aggregation_refuses_bad_scores():
    with pytest.raises(ValueError):
        aggregate("worldskills", [1, 2, 4])
    with pytest.raises(ValueError):
        aggregate("worldskills", [1, 1, 1, 1])


def test_objective_values_must_agree():
    assert agree([D("12.0"), D("12.00")]).value == D(12)
    assert agree([D("12.0"), D("12.1")]).disagree


# -- scheme ----------------------------------------------------------------------------------------------------

def test_measurement_bands_by_direction():
    a1, a2 = SLEEVE_GROUTING.modules[0].aspects[:2]
    assert measurement_marks(a1, D("12.1")) == 6  # |0.1| fits the first band (inclusive)
    assert measurement_marks(a1, D("11.75")) == 4
    assert measurement_marks(a1, D("12.6")) == 0
    assert measurement_marks(a2, D("340")) == 6  # at_least 300: above nominal does not deviate
    assert measurement_marks(a2, D("291")) == 3


def test_module_marks_deductions_and_red_line():
    module_b = SLEEVE_GROUTING.modules[1]
    values = {"B1": Fraction(8, 3), "B2": Fraction(3), "B3": D("43"), "B4": D("0.5"), "B5": D(0)}
    marks = module_marks(module_b, values)
    # 9 x 8/9 = 8, + 9, + 2 (3 min over 40) - 0.5 = 18.5 of 22
    assert marks.marks == Fraction(37, 2) and marks.max_marks == 22
    assert module_marks(module_b, {**values, "B5": D(1)}).marks == 0


def test_entered_values_are_checked_per_kind():
    b = {a.code: a for a in SLEEVE_GROUTING.modules[1].aspects}
    assert check_value(b["B1"], D(2)) == 2
    for aspect, bad in ((b["B1"], D("2.5")), (b["B4"], D(3)), (b["B5"], D(2)), (b["B3"], 1.5)):
        with pytest.raises(SchemeInvalid):
            check_value(aspect, bad)


def test_scheme_refuses_bands_whose_top_is_not_the_aspect_marks():
    with pytest.raises(SchemeInvalid, match="第一档"):
        AspectSpec("X1", "读数", "measurement", D(5), nominal=D(1), bands=(Band(D("0.1"), D(4)),))


def test_judgement_needs_four_descriptors():
    with pytest.raises(SchemeInvalid, match="描述"):
        AspectSpec("X1", "评价", "judgement", D(3), descriptors=("a", "b", "c"))


# -- ranks and tie-breaks ----------------------------------------------------------------------------------------

def _rank(entries, chain=(TieBreak.PRACTICAL, TieBreak.TIME, TieBreak.THEORY)):
    return {r.entry.key: (r.rank, r.decided_by) for r in rank_entries(entries, theory_weight=D(30),
                                                                       practical_weight=D(70), chain=chain)}


def test_weighted_total_30_70():
    assert weighted_total(Fraction(90), Fraction(80), D(30), D(70)) == 83


def test_tie_break_chain_practical_then_time_then_theory_then_shared():
    # All four totals are 83.00. B and C have the better practical; B is faster than C;
    # A and D have equal practical, no time; theory separates nothing (equal totals, equal practical ⇒ equal theory).
    entries = [Entry("A", Fraction(90), Fraction(80)), Entry("B", Fraction(76), Fraction(86), D(30)),
               Entry("C", Fraction(76), Fraction(86), D(35)), Entry("D", Fraction(90), Fraction(80))]
    assert _rank(entries) == {"B": (1, None), "C": (2, "time"), "A": (3, "practical"), "D": (3, "shared")}


def test_theory_breaks_a_tie_when_practical_and_time_are_equal_after_rounding():
    # totals 83.00 and 83.003 publish equal; practical 80.00 both; theory 90.00 vs 90.01 publish apart
    entries = [Entry("A", Fraction(9001, 100), Fraction(80), D(30)), Entry("B", Fraction(90), Fraction(80), D(30))]
    assert _rank(entries) == {"A": (1, None), "B": (2, "theory")}


def test_chain_is_configurable():
    entries = [Entry("A", Fraction(90), Fraction(80)), Entry("B", Fraction(76), Fraction(86), D(30))]
    assert _rank(entries, chain=(TieBreak.THEORY,)) == {"A": (1, None), "B": (2, "theory")}
    assert _rank(entries, chain=()) == {"A": (1, None), "B": (1, "shared")}


def test_missing_time_ranks_after_any_time():
    entries = [Entry("A", Fraction(80), Fraction(80)), Entry("B", Fraction(80), Fraction(80), D(50))]
    assert _rank(entries)["B"] == (1, None)


# -- awards --------------------------------------------------------------------------------------------------------

def test_awards_by_rank_with_titles():
    scheme = scheme_from_dict(DEFAULT_AWARDS)
    ranks = [(str(n), n) for n in range(1, 9)]
    awards = assign_awards(ranks, scheme)
    assert awards["1"] == ("gold", "technical_expert")
    assert awards["3"] == ("silver", "technical_expert")
    assert awards["6"] == ("bronze",) and awards["7"] == ("excellence",)


def test_shared_rank_shares_the_award_and_places_skip():
    scheme = scheme_from_dict(DEFAULT_AWARDS)
    awards = assign_awards([("a", 1), ("b", 1), ("c", 3), ("d", 4), ("e", 5), ("f", 6)], scheme)
    assert awards["a"][0] == awards["b"][0] == "gold" and awards["c"][0] == "silver"


def test_too_few_competitors_get_no_medals_but_excellence_awards():
    scheme = scheme_from_dict(DEFAULT_AWARDS)  # medals need 6 competitors
    awards = assign_awards([("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)], scheme)
    assert all(not {"gold", "silver", "bronze"} & set(a) for a in awards.values())
    assert awards["a"] == ("excellence", "technical_expert") and awards["e"] == ()


# -- standardised scores -------------------------------------------------------------------------------------------

def test_standardised_scores_centre_on_the_median_with_the_mad():
    # totals 60, 70, 80, 90, 100: median 80, |dev| 20,10,0,10,20 -> MAD 10, spread 14.826
    result = standardise([Fraction(v) for v in (60, 70, 80, 90, 100)])
    assert result.median == 80 and result.mad == 10 and result.method is SpreadMethod.MAD
    assert result.scores[2] == 700
    assert result.scores[3] == 700 + Fraction(100 * 10) / Fraction(D("14.826"))  # ≈ 767.45


def test_standardised_scores_fall_back_when_mad_is_zero():
    assert standardise([Fraction(80)] * 4).scores == (700,) * 4
    fallback = standardise([Fraction(v) for v in (80, 80, 80, 90)])
    assert fallback.method is SpreadMethod.MEAN_ABSOLUTE and fallback.scores[0] == 700


# -- sampling, conflicts, analytics, snapshots ------------------------------------------------------------------------

def test_recheck_sample_takes_the_top_and_a_seeded_share_of_the_rest():
    keys = [f"S{n:02d}" for n in range(1, 21)]
    first = draw_sample(keys, top=10, share=Fraction(1, 5), seed=42)
    assert first.top == tuple(keys[:10]) and len(first.drawn) == 2 and set(first.drawn) <= set(keys[10:])
    assert draw_sample(keys, top=10, share=Fraction(1, 5), seed=42) == first
    assert needs_full_recheck(40, 3, Fraction(1, 20)) and not needs_full_recheck(40, 2, Fraction(1, 20))


def test_panel_skips_conflicted_judges_unless_overridden():
    assert conflicting_orgs({1, 2}, (2, None)) == {2}
    assert panel_for([10, 11, 12, 13], {11}, set(), 3) == (10, 12, 13)
    assert panel_for([10, 11, 12, 13], {11}, {11}, 3) == (10, 11, 12)


def test_leniency_is_measured_against_the_leave_one_out_mean():
    # panel 1: 3, 2, 1 -> judge 1: 3 - 1.5 = 1.5; judge 2: 0; judge 3: -1.5
    # panel 2: 2, 2, 2 -> all 0 ; judge 1 averages 0.75
    stats = {s.judge_id: s for s in judge_stats([{1: 3, 2: 2, 3: 1}, {1: 2, 2: 2, 3: 2}], [True, False])}
    assert stats[1].leniency == Fraction(3, 4) and stats[3].leniency == Fraction(-3, 4)
    assert stats[2].revote_rate == Fraction(1, 2)


def test_snapshot_hash_is_over_canonical_json():
    text = canonical_json({"b": "1", "a": ["金牌"]})
    assert text == '{"a":["金牌"],"b":"1"}'
    assert sha256_hex(text) == sha256_hex(canonical_json({"a": ["金牌"], "b": "1"}))
