"""Practical-assessment checklists (实操考核评分表) and how several examiners' sheets combine.

Item kinds:

- `points`: the examiner gives 0..max points in steps of 0.5.
- `measured`: the examiner records a reading; the deviation |reading - nominal| earns the points of the
  first band whose `max_deviation` it does not exceed (bands are inclusive), and 0 beyond the last.
- `redline` (否决项): the examiner records whether it was violated. It carries no points; any violation
  fails the task whatever the total (e.g. 墙板未固定两道斜撑即摘钩).

Marks are exact (Decimal or int, never float). A broken rule raises `PracticalInvalid(item_code,
message)` with a Chinese message naming the item; `item_code` is None when the problem is not one item's.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from core.errors import ValidationFailed
from exams.rules import messages as m
from exams.rules.scoring import as_decimal
from lms.questions.messages import msg

HALF = Decimal("0.5")
ZERO = Decimal(0)
Mark = Decimal | int | bool


class ItemKind(StrEnum):
    POINTS = "points"
    MEASURED = "measured"
    REDLINE = "redline"


class PracticalInvalid(ValidationFailed):
    """A checklist, a mark or a set of sheets breaks a rule; `item_code` names the item when there is one."""

    def __init__(self, item_code: str | None, message: str) -> None:
        super().__init__("practical_invalid", message, item_code)
        self.item_code = item_code


@dataclass(frozen=True)
class Band:
    """A deviation up to `max_deviation` (inclusive) earns `points`."""

    max_deviation: Decimal
    points: Decimal


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a checklist. Set `max_points` for points items, `nominal` and `bands` for measured ones."""

    code: str
    title: str
    kind: ItemKind
    max_points: Decimal = ZERO
    nominal: Decimal | None = None
    bands: tuple[Band, ...] = ()
    unit: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise PracticalInvalid(None, msg(m.PRACTICAL_CODE_EMPTY))
        if not isinstance(self.title, str) or not self.title.strip():
            raise PracticalInvalid(self.code, msg(m.PRACTICAL_TITLE_EMPTY, code=self.code))
        try:
            object.__setattr__(self, "kind", ItemKind(self.kind))
        except ValueError:
            text = msg(m.PRACTICAL_KIND_UNKNOWN, title=self.title, kind=str(self.kind)[:40])
            raise PracticalInvalid(self.code, text) from None
        _ITEM_CHECKS[self.kind](self)

    @property
    def full_marks(self) -> Decimal:
        if self.kind is ItemKind.MEASURED:
            return max(band.points for band in self.bands)
        return self.max_points

    def invalid(self, message: str, **params: object) -> PracticalInvalid:
        return PracticalInvalid(self.code, msg(message, title=self.title, **params))


def _check_points_item(item: ChecklistItem) -> None:
    maximum = as_decimal(item.max_points)
    if maximum is None or maximum <= 0 or maximum % HALF:
        raise item.invalid(m.PRACTICAL_MAX_INVALID)
    if item.nominal is not None or item.bands:
        raise item.invalid(m.PRACTICAL_UNUSED_FIELDS)
    object.__setattr__(item, "max_points", maximum)


def _check_measured_item(item: ChecklistItem) -> None:
    nominal = as_decimal(item.nominal)
    if nominal is None:
        raise item.invalid(m.PRACTICAL_NOMINAL_INVALID)
    if item.max_points:
        raise item.invalid(m.PRACTICAL_UNUSED_FIELDS)
    if not isinstance(item.bands, tuple) or not item.bands:
        raise item.invalid(m.PRACTICAL_BANDS_EMPTY)
    bands = []
    for band in item.bands:
        deviation, points = as_decimal(band.max_deviation), as_decimal(band.points)
        if deviation is None or points is None or deviation < 0 or points < 0:
            raise item.invalid(m.PRACTICAL_BAND_INVALID)
        bands.append(Band(deviation, points))
    for before, after in zip(bands, bands[1:], strict=False):
        if after.max_deviation <= before.max_deviation or after.points > before.points:
            raise item.invalid(m.PRACTICAL_BANDS_ORDER)
    object.__setattr__(item, "nominal", nominal)
    object.__setattr__(item, "bands", tuple(bands))


def _check_redline_item(item: ChecklistItem) -> None:
    if item.max_points or item.nominal is not None or item.bands:
        raise item.invalid(m.PRACTICAL_UNUSED_FIELDS)


_ITEM_CHECKS: dict[ItemKind, Callable[[ChecklistItem], None]] = {
    ItemKind.POINTS: _check_points_item,
    ItemKind.MEASURED: _check_measured_item,
    ItemKind.REDLINE: _check_redline_item,
}


@dataclass(frozen=True)
class Checklist:
    """A task's checklist: at least one item, unique codes, full marks above 0."""

    items: tuple[ChecklistItem, ...]
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if not self.items:
            raise PracticalInvalid(None, msg(m.PRACTICAL_NO_ITEMS))
        seen: set[str] = set()
        for item in self.items:
            if item.code in seen:
                raise PracticalInvalid(item.code, msg(m.PRACTICAL_CODE_DUPLICATE, code=item.code))
            seen.add(item.code)
        if self.full_marks <= 0:
            raise PracticalInvalid(None, msg(m.PRACTICAL_NO_POINTS))

    @property
    def full_marks(self) -> Decimal:
        return sum((item.full_marks for item in self.items), ZERO)


def _mark_points(item: ChecklistItem, mark: Mark) -> tuple[Decimal, bool]:
    points = as_decimal(mark)
    if points is None:
        raise item.invalid(m.PRACTICAL_POINTS_TYPE)
    if not ZERO <= points <= item.max_points:
        raise item.invalid(m.PRACTICAL_POINTS_RANGE, max=item.max_points)
    if points % HALF:
        raise item.invalid(m.PRACTICAL_POINTS_STEP)
    return points, False


def _mark_measured(item: ChecklistItem, mark: Mark) -> tuple[Decimal, bool]:
    reading = as_decimal(mark)
    if reading is None or item.nominal is None:
        raise item.invalid(m.PRACTICAL_READING_TYPE)
    deviation = abs(reading - item.nominal)
    return next((band.points for band in item.bands if deviation <= band.max_deviation), ZERO), False


def _mark_redline(item: ChecklistItem, mark: Mark) -> tuple[Decimal, bool]:
    if not isinstance(mark, bool):
        raise item.invalid(m.PRACTICAL_REDLINE_TYPE)
    return ZERO, mark


_MARKERS: dict[ItemKind, Callable[[ChecklistItem, Mark], tuple[Decimal, bool]]] = {
    ItemKind.POINTS: _mark_points,
    ItemKind.MEASURED: _mark_measured,
    ItemKind.REDLINE: _mark_redline,
}


@dataclass(frozen=True)
class SheetScore:
    """One examiner's sheet: points, full marks, percent (exact) and the codes of violated red lines."""

    total: Decimal
    max: Decimal
    percent: Fraction
    redline_violations: tuple[str, ...]

    @property
    def failed_by_redline(self) -> bool:
        return bool(self.redline_violations)


def score_sheet(checklist: Checklist, marks: Mapping[str, Mark]) -> SheetScore:
    """Score one examiner's marks: points given, band points for readings, red lines recorded.

    `marks` maps every item code to: points (Decimal/int) for points items, the reading for measured
    items, True (violated) / False for red lines. Raises PracticalInvalid naming the item for an unknown
    code, a missing item, or a mark of the wrong type, out of range or not in 0.5 steps.
    """
    items = {item.code: item for item in checklist.items}
    for code in marks:
        if code not in items:
            raise PracticalInvalid(code, msg(m.PRACTICAL_UNKNOWN_ITEM, code=str(code)[:40]))
    total = ZERO
    violations: list[str] = []
    for item in checklist.items:
        if item.code not in marks:
            raise item.invalid(m.PRACTICAL_MISSING_MARK)
        points, violated = _MARKERS[item.kind](item, marks[item.code])
        total += points
        if violated:
            violations.append(item.code)
    maximum = checklist.full_marks
    percent = Fraction(total) / Fraction(maximum) * 100
    return SheetScore(total=total, max=maximum, percent=percent, redline_violations=tuple(violations))


@dataclass(frozen=True)
class Combined:
    """Examiners' sheets combined: mean percent, their spread and what needs attention."""

    percent: Fraction
    spread: Fraction  # highest minus lowest examiner percent
    needs_reconciliation: bool  # spread > max_gap: examiners must confer before the result stands
    failed_by_redline: bool  # any examiner recorded a red-line violation
    redline_disputed: bool  # the examiners did not record the same red-line violations


def combine_examiners(sheets: Sequence[SheetScore], max_gap: Decimal) -> Combined:
    """Mean of the examiners' percents; reconcile when highest - lowest > `max_gap` (percent points).

    One examiner's red-line violation fails the task; when examiners disagree on which red lines were
    violated the result says so (`redline_disputed`), so the lead examiner can confirm it. Raises PracticalInvalid for
    fewer than 2 sheets, ValueError for sheets of different checklists (different full marks) or a
    negative `max_gap`.
    """
    if len(sheets) < 2:
        raise PracticalInvalid(None, msg(m.PRACTICAL_TOO_FEW_SHEETS, count=len(sheets)))
    gap = as_decimal(max_gap)
    if gap is None or gap < 0:
        raise ValueError(f"max_gap must be a Decimal >= 0, not {max_gap!r}")
    if len({sheet.max for sheet in sheets}) > 1:
        raise ValueError("sheets come from checklists with different full marks")
    percents = [sheet.percent for sheet in sheets]
    spread = max(percents) - min(percents)
    recorded = {frozenset(sheet.redline_violations) for sheet in sheets}
    return Combined(
        percent=sum(percents, Fraction(0)) / len(percents),
        spread=spread,
        needs_reconciliation=spread > Fraction(gap),
        failed_by_redline=any(sheet.failed_by_redline for sheet in sheets),
        redline_disputed=len(recorded) > 1,
    )
