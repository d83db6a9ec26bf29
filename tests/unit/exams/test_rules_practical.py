from decimal import Decimal
from fractions import Fraction

import pytest

from exams.rules.practical import (
    Band,
    Checklist,
    ChecklistItem,
    ItemKind,
    PracticalInvalid,
    SheetScore,
    combine_examiners,
    score_sheet,
)

D = Decimal


def wall_panel_checklist() -> Checklist:
    """墙板吊装与临时支撑: 15 + 15 + 30 + 20 + 20 = 100 points, and one red line."""
    return Checklist(
        (
            ChecklistItem("SLING", "吊索与构件水平夹角不小于 60°，吊点、吊具检查", ItemKind.POINTS, max_points=D(15)),
            ChecklistItem(
                "TRIAL",
                "试吊：吊离地面 200~300 mm 停住检查",
                ItemKind.MEASURED,
                nominal=D(250),
                bands=(Band(D(50), D(15)), Band(D(100), D(8))),
                unit="mm",
            ),
            ChecklistItem(
                "PLUMB",
                "墙板垂直度",
                ItemKind.MEASURED,
                nominal=D(0),
                bands=(Band(D(3), D(30)), Band(D(5), D(15))),
                unit="mm",
            ),
            ChecklistItem("BRACE", "斜撑上支点不低于板高 2/3，连接牢固", ItemKind.POINTS, max_points=D(20)),
            ChecklistItem("SIGNAL", "指挥信号清晰，与司机配合", ItemKind.POINTS, max_points=D(20)),
            ChecklistItem("UNHOOK", "两道斜撑固定后方可摘钩", ItemKind.REDLINE),
        ),
        title="墙板吊装与临时支撑",
    )


def marks(**changes):
    """A good performance: SLING 15, TRIAL 280 mm (off 30: 15), PLUMB 4 mm (15), BRACE 17.5, SIGNAL 18."""
    base = {"SLING": D(15), "TRIAL": D(280), "PLUMB": D(4), "BRACE": D("17.5"), "SIGNAL": D(18), "UNHOOK": False}
    base.update(changes)
    return base


# Scoring a sheet


def test_wall_panel_sheet_scores_the_hand_computed_total():
    # 15 + 15 + 15 + 17.5 + 18 = 80.5 of 100.
    sheet = score_sheet(wall_panel_checklist(), marks())
    assert sheet == SheetScore(total=D("80.5"), max=D(100), percent=Fraction(161, 2), redline_violations=())


def test_checklist_full_marks_add_points_and_best_bands():
    assert wall_panel_checklist().full_marks == D(100)


def test_percent_is_exact_for_a_max_other_than_100():
    checklist = Checklist((ChecklistItem("A", "外观", ItemKind.POINTS, max_points=D(3)),))
    assert score_sheet(checklist, {"A": D(1)}).percent == Fraction(100, 3)


def test_deviation_on_a_band_edge_earns_that_band():
    sheet = score_sheet(wall_panel_checklist(), marks(PLUMB=D(-3)))
    assert sheet.total == D("95.5")  # PLUMB 30 instead of 15


def test_deviation_just_over_a_band_falls_to_the_next():
    assert score_sheet(wall_panel_checklist(), marks(PLUMB=D("3.1"))).total == D("80.5")


def test_deviation_beyond_the_last_band_earns_nothing():
    assert score_sheet(wall_panel_checklist(), marks(PLUMB=D("5.5"))).total == D("65.5")


def test_deviation_is_measured_from_the_nominal_value():
    # Trial lift 160 mm: off by 90, second band (8 instead of 15).
    assert score_sheet(wall_panel_checklist(), marks(TRIAL=D(160))).total == D("73.5")


def test_reading_given_as_int_is_accepted():
    assert score_sheet(wall_panel_checklist(), marks(TRIAL=300)).total == D("80.5")


def test_redline_violation_is_recorded_whatever_the_total():
    full = marks(SLING=D(15), TRIAL=D(250), PLUMB=D(0), BRACE=D(20), SIGNAL=D(20), UNHOOK=True)
    sheet = score_sheet(wall_panel_checklist(), full)
    assert (sheet.total, sheet.redline_violations, sheet.failed_by_redline) == (D(100), ("UNHOOK",), True)


def test_sheet_without_violation_is_not_failed_by_redline():
    assert not score_sheet(wall_panel_checklist(), marks()).failed_by_redline


def test_unknown_item_is_refused_by_code():
    with pytest.raises(PracticalInvalid) as error:
        score_sheet(wall_panel_checklist(), marks(HOOK=D(5)))
    assert (error.value.item_code, error.value.message) == ("HOOK", "评分表中没有编号为“HOOK”的检查项目。")


def test_missing_item_is_refused_naming_its_title():
    given = marks()
    del given["BRACE"]
    with pytest.raises(PracticalInvalid) as error:
        score_sheet(wall_panel_checklist(), given)
    assert (error.value.item_code, error.value.message) == ("BRACE", "“斜撑上支点不低于板高 2/3，连接牢固”尚未评分。")


def test_missing_redline_mark_is_refused():
    given = marks()
    del given["UNHOOK"]
    with pytest.raises(PracticalInvalid, match="两道斜撑固定后方可摘钩"):
        score_sheet(wall_panel_checklist(), given)


def test_points_over_the_maximum_are_refused():
    with pytest.raises(PracticalInvalid, match="0 到 20 分之间") as error:
        score_sheet(wall_panel_checklist(), marks(SIGNAL=D("20.5")))
    assert error.value.item_code == "SIGNAL"


def test_negative_points_are_refused():
    with pytest.raises(PracticalInvalid, match="0 到 15 分之间"):
        score_sheet(wall_panel_checklist(), marks(SLING=D(-1)))


def test_points_not_in_half_steps_are_refused():
    with pytest.raises(PracticalInvalid, match="0.5 分为单位"):
        score_sheet(wall_panel_checklist(), marks(BRACE=D("17.25")))


def test_float_points_are_refused():
    with pytest.raises(PracticalInvalid, match="得分应为数字"):
        score_sheet(wall_panel_checklist(), marks(BRACE=17.5))


def test_reading_that_is_not_a_number_is_refused():
    with pytest.raises(PracticalInvalid, match="实测值应为数字") as error:
        score_sheet(wall_panel_checklist(), marks(PLUMB="3"))
    assert error.value.item_code == "PLUMB"


def test_redline_mark_must_be_yes_or_no():
    with pytest.raises(PracticalInvalid, match="违反"):
        score_sheet(wall_panel_checklist(), marks(UNHOOK=1))


# Building checklists


def test_item_kind_given_as_string_is_accepted():
    assert ChecklistItem("X", "安全帽", "redline").kind is ItemKind.REDLINE


def test_unknown_item_kind_is_refused():
    with pytest.raises(PracticalInvalid, match="points、measured、redline"):
        ChecklistItem("X", "安全帽", "judgement")


def test_blank_title_is_refused():
    with pytest.raises(PracticalInvalid) as error:
        ChecklistItem("X", " ", ItemKind.REDLINE)
    assert error.value.item_code == "X"


def test_points_item_maximum_must_be_in_half_steps():
    with pytest.raises(PracticalInvalid, match="0.5 的正整数倍"):
        ChecklistItem("X", "清理现场", ItemKind.POINTS, max_points=D("2.3"))


def test_points_item_with_bands_is_refused():
    with pytest.raises(PracticalInvalid, match="不属于该类型"):
        ChecklistItem("X", "清理现场", ItemKind.POINTS, max_points=D(5), bands=(Band(D(1), D(5)),))


def test_measured_item_needs_bands():
    with pytest.raises(PracticalInvalid, match="至少要有一个允许偏差档"):
        ChecklistItem("X", "标高", ItemKind.MEASURED, nominal=D(0))


def test_measured_item_needs_a_nominal_value():
    with pytest.raises(PracticalInvalid, match="设计值"):
        ChecklistItem("X", "标高", ItemKind.MEASURED, bands=(Band(D(3), D(10)),))


def test_bands_out_of_order_are_refused():
    with pytest.raises(PracticalInvalid, match="从小到大"):
        ChecklistItem("X", "标高", ItemKind.MEASURED, nominal=D(0), bands=(Band(D(5), D(6)), Band(D(2), D(10))))


def test_band_paying_more_for_a_larger_deviation_is_refused():
    with pytest.raises(PracticalInvalid, match="得分不能越高"):
        ChecklistItem("X", "标高", ItemKind.MEASURED, nominal=D(0), bands=(Band(D(2), D(6)), Band(D(5), D(10))))


def test_band_with_negative_deviation_is_refused():
    with pytest.raises(PracticalInvalid, match="不能为负数"):
        ChecklistItem("X", "标高", ItemKind.MEASURED, nominal=D(0), bands=(Band(D(-1), D(6)),))


def test_redline_item_with_points_is_refused():
    with pytest.raises(PracticalInvalid, match="不属于该类型"):
        ChecklistItem("X", "摘钩", ItemKind.REDLINE, max_points=D(5))


def test_duplicate_item_codes_are_refused():
    item = ChecklistItem("X", "清理现场", ItemKind.POINTS, max_points=D(5))
    with pytest.raises(PracticalInvalid, match="重复"):
        Checklist((item, item))


def test_empty_checklist_is_refused():
    with pytest.raises(PracticalInvalid, match="至少要有一个检查项目"):
        Checklist(())


def test_checklist_of_only_red_lines_is_refused():
    with pytest.raises(PracticalInvalid, match="总分应大于 0"):
        Checklist((ChecklistItem("X", "摘钩", ItemKind.REDLINE),))


# Combining examiners


def sheet(percent: int, violations: tuple[str, ...] = ()) -> SheetScore:
    return SheetScore(total=D(percent), max=D(100), percent=Fraction(percent), redline_violations=violations)


def test_combined_percent_is_the_mean_of_the_examiners():
    # (80.5 + 84) / 2 = 82.25
    first = score_sheet(wall_panel_checklist(), marks())
    second = score_sheet(wall_panel_checklist(), marks(BRACE=D(20), SIGNAL=D(19)))
    assert combine_examiners([first, second], D(5)).percent == Fraction(329, 4)


def test_three_examiners_are_averaged():
    assert combine_examiners([sheet(70), sheet(75), sheet(77)], D(10)).percent == Fraction(74)


def test_spread_over_the_gap_needs_reconciliation():
    combined = combine_examiners([sheet(80), sheet(86)], D(5))
    assert (combined.spread, combined.needs_reconciliation) == (Fraction(6), True)


def test_spread_equal_to_the_gap_does_not_need_reconciliation():
    assert not combine_examiners([sheet(80), sheet(85)], D(5)).needs_reconciliation


def test_spread_is_highest_minus_lowest():
    assert combine_examiners([sheet(80), sheet(72), sheet(90)], D(20)).spread == Fraction(18)


def test_one_examiners_redline_fails_the_task():
    assert combine_examiners([sheet(90), sheet(92, ("UNHOOK",))], D(5)).failed_by_redline


def test_examiners_disagreeing_on_a_redline_is_flagged():
    assert combine_examiners([sheet(90), sheet(92, ("UNHOOK",))], D(5)).redline_disputed


def test_examiners_agreeing_on_a_redline_is_not_disputed():
    combined = combine_examiners([sheet(90, ("UNHOOK",)), sheet(92, ("UNHOOK",))], D(5))
    assert (combined.failed_by_redline, combined.redline_disputed) == (True, False)


def test_no_redline_means_not_failed_by_redline():
    combined = combine_examiners([sheet(90), sheet(92)], D(5))
    assert (combined.failed_by_redline, combined.redline_disputed) == (False, False)


def test_one_sheet_is_refused():
    with pytest.raises(PracticalInvalid, match="至少需要 2 位考评员") as error:
        combine_examiners([sheet(90)], D(5))
    assert error.value.item_code is None


def test_sheets_of_different_checklists_are_refused():
    other = SheetScore(total=D(45), max=D(50), percent=Fraction(90), redline_violations=())
    with pytest.raises(ValueError, match="different full marks"):
        combine_examiners([sheet(90), other], D(5))


def test_negative_gap_is_refused():
    with pytest.raises(ValueError, match="max_gap"):
        combine_examiners([sheet(90), sheet(92)], D(-1))


def test_practical_invalid_carries_a_stable_code_and_the_item_as_field():
    with pytest.raises(PracticalInvalid) as error:
        score_sheet(wall_panel_checklist(), marks(SIGNAL=D(21)))
    assert (error.value.code, error.value.status, error.value.field) == ("practical_invalid", 422, "SIGNAL")
