"""Marking schemes (评分标准): modules of aspects, and how an aspect's entered value becomes marks.

Aspect kinds:

- `measurement`: the judges record a raw reading (mm, MPa, %, minutes). The deviation from `nominal`
  earns the marks of the first band whose `max_deviation` it does not exceed (inclusive), 0 beyond the
  last. `direction` says which side counts: `both` (|reading - nominal|), `at_least` (only a reading
  below nominal deviates, e.g. strength ≥ 85 MPa), `at_most` (only above, e.g. time ≤ 40 min). The
  reading itself is kept as evidence. `is_time` marks the competitor's working time (the time tie-break).
- `judgement`: each judge gives 0, 1, 2 or 3 against a written descriptor per score; the panel's score
  (see `aggregation`) earns `max_marks × score / 3`.
- `deduction`: points taken off the module (0..max_marks).
- `safety` (安全红线): recorded as violated (1) or not (0); one violation zeroes the whole module.

A module's marks are the measurement and judgement marks minus deductions, never below 0. Every value
is exact (Decimal in, Fraction out). A broken rule raises `SchemeInvalid` with a Chinese message naming
the aspect; file readers prefix the row or line.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from core.errors import ValidationFailed
from exams.competitions.rules import messages as m
from lms.questions.messages import msg

ZERO = Decimal(0)
JUDGEMENT_SCORES = (0, 1, 2, 3)
JUDGEMENT_TOP = 3
CODE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")
MAX_READING = Decimal(10) ** 7


class AspectKind(StrEnum):
    MEASUREMENT = "measurement"
    JUDGEMENT = "judgement"
    DEDUCTION = "deduction"
    SAFETY = "safety"


class Direction(StrEnum):
    BOTH = "both"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


OBJECTIVE_KINDS = frozenset({AspectKind.MEASUREMENT, AspectKind.DEDUCTION, AspectKind.SAFETY})


class SchemeInvalid(ValidationFailed):
    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__("scheme_invalid", message, field_name)


@dataclass(frozen=True)
class Band:
    """A deviation up to `max_deviation` (inclusive) earns `marks`."""

    max_deviation: Decimal
    marks: Decimal


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _finite(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    number = Decimal(value)
    return number if number.is_finite() else None


@dataclass(frozen=True)
class AspectSpec:
    code: str
    title: str
    kind: AspectKind
    max_marks: Decimal = ZERO
    unit: str = ""
    nominal: Decimal | None = None
    direction: Direction = Direction.BOTH
    bands: tuple[Band, ...] = ()
    descriptors: tuple[str, ...] = ()
    is_time: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not CODE.match(self.code):
            raise SchemeInvalid(msg(m.SCHEME_CODE_INVALID, code=str(self.code)[:40]), "code")
        if not isinstance(self.title, str) or not self.title.strip():
            raise SchemeInvalid(msg(m.SCHEME_TITLE_EMPTY, code=self.code), "title")
        try:
            object.__setattr__(self, "kind", AspectKind(self.kind))
        except ValueError:
            raise SchemeInvalid(msg(m.SCHEME_KIND_UNKNOWN, code=self.code, kind=str(self.kind)[:40]), "kind") from None
        object.__setattr__(self, "title", self.title.strip())
        self._check_marks()
        _KIND_CHECKS[self.kind](self)
        if self.is_time and self.kind is not AspectKind.MEASUREMENT:
            raise SchemeInvalid(msg(m.SCHEME_TIME_NOT_MEASUREMENT, code=self.code), "is_time")

    def _check_marks(self) -> None:
        marks = _finite(self.max_marks)
        if self.kind is AspectKind.SAFETY:
            if marks is None or marks != 0:
                raise SchemeInvalid(msg(m.SCHEME_SAFETY_HAS_MARKS, code=self.code), "max_marks")
        elif marks is None or not ZERO < marks <= 100 or _places(marks) > 2:
            raise SchemeInvalid(msg(m.SCHEME_MAX_INVALID, code=self.code), "max_marks")
        object.__setattr__(self, "max_marks", marks)

    def unused(self, *names: str) -> None:
        given = [n for n in names if getattr(self, n) not in (None, (), "", Direction.BOTH)]
        if given:
            raise SchemeInvalid(msg(m.SCHEME_UNUSED_FIELDS, code=self.code, fields=", ".join(given)), given[0])

    @property
    def scoring_marks(self) -> Decimal:
        """What the aspect adds to the module's full marks (deductions and red lines add nothing)."""
        return self.max_marks if self.kind in (AspectKind.MEASUREMENT, AspectKind.JUDGEMENT) else ZERO


def _check_measurement(aspect: AspectSpec) -> None:
    aspect.unused("descriptors")
    nominal = _finite(aspect.nominal)
    if nominal is None:
        raise SchemeInvalid(msg(m.SCHEME_NOMINAL_INVALID, code=aspect.code), "nominal")
    try:
        direction = Direction(aspect.direction)
    except ValueError:
        text = msg(m.SCHEME_DIRECTION_UNKNOWN, code=aspect.code, direction=str(aspect.direction)[:20])
        raise SchemeInvalid(text, "direction") from None
    if not isinstance(aspect.bands, tuple) or not aspect.bands:
        raise SchemeInvalid(msg(m.SCHEME_BANDS_EMPTY, code=aspect.code), "bands")
    bands = []
    for band in aspect.bands:
        deviation, marks = _finite(band.max_deviation), _finite(band.marks)
        if deviation is None or marks is None or deviation < 0 or marks < 0:
            raise SchemeInvalid(msg(m.SCHEME_BAND_INVALID, code=aspect.code), "bands")
        bands.append(Band(deviation, marks))
    for before, after in zip(bands, bands[1:], strict=False):
        if after.max_deviation <= before.max_deviation or after.marks > before.marks:
            raise SchemeInvalid(msg(m.SCHEME_BANDS_ORDER, code=aspect.code), "bands")
    if bands[0].marks != aspect.max_marks:
        raise SchemeInvalid(msg(m.SCHEME_BANDS_TOP, code=aspect.code, max=aspect.max_marks), "bands")
    object.__setattr__(aspect, "nominal", nominal)
    object.__setattr__(aspect, "direction", direction)
    object.__setattr__(aspect, "bands", tuple(bands))


def _check_judgement(aspect: AspectSpec) -> None:
    aspect.unused("nominal", "bands", "unit", "direction")
    texts = tuple(aspect.descriptors) if isinstance(aspect.descriptors, tuple | list) else ()
    if len(texts) != len(JUDGEMENT_SCORES) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise SchemeInvalid(msg(m.SCHEME_DESCRIPTORS, code=aspect.code), "descriptors")
    object.__setattr__(aspect, "descriptors", tuple(t.strip() for t in texts))


def _check_plain(aspect: AspectSpec) -> None:
    aspect.unused("nominal", "bands", "descriptors", "direction")


_KIND_CHECKS = {
    AspectKind.MEASUREMENT: _check_measurement,
    AspectKind.JUDGEMENT: _check_judgement,
    AspectKind.DEDUCTION: _check_plain,
    AspectKind.SAFETY: _check_plain,
}


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    title: str
    aspects: tuple[AspectSpec, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not CODE.match(self.code):
            raise SchemeInvalid(msg(m.SCHEME_CODE_INVALID, code=str(self.code)[:40]), "code")
        if not isinstance(self.title, str) or not self.title.strip():
            raise SchemeInvalid(msg(m.SCHEME_TITLE_EMPTY, code=self.code), "title")
        object.__setattr__(self, "aspects", tuple(self.aspects))
        if not self.aspects:
            raise SchemeInvalid(msg(m.SCHEME_MODULE_NO_ASPECTS, code=self.code))

    @property
    def max_marks(self) -> Decimal:
        return sum((a.scoring_marks for a in self.aspects), ZERO)


@dataclass(frozen=True)
class Scheme:
    """A whole event's scheme: unique module codes, aspect codes unique across the event, marks above 0."""

    modules: tuple[ModuleSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "modules", tuple(self.modules))
        if not self.modules:
            raise SchemeInvalid(msg(m.SCHEME_NO_MODULES))
        modules: set[str] = set()
        aspects: set[str] = set()
        for module in self.modules:
            if module.code in modules:
                raise SchemeInvalid(msg(m.SCHEME_MODULE_CODE_DUPLICATE, code=module.code))
            modules.add(module.code)
            for aspect in module.aspects:
                if aspect.code in aspects:
                    raise SchemeInvalid(msg(m.SCHEME_ASPECT_CODE_DUPLICATE, code=aspect.code))
                aspects.add(aspect.code)
        if self.max_marks <= 0:
            raise SchemeInvalid(msg(m.SCHEME_NO_MARKS))

    @property
    def max_marks(self) -> Decimal:
        return sum((mod.max_marks for mod in self.modules), ZERO)


# -- entered values ------------------------------------------------------------------------------------------

def check_value(aspect: AspectSpec, value: object) -> Decimal:
    """The entered value as a Decimal, or SchemeInvalid naming the aspect.

    measurement: any finite reading with at most 3 decimals; judgement: 0, 1, 2 or 3; deduction:
    0..max_marks with at most 2 decimals; safety: 1 (violated) or 0.
    """
    number = _finite(value)
    kind = aspect.kind
    if kind is AspectKind.MEASUREMENT and number is not None and abs(number) < MAX_READING and _places(number) <= 3:
        return number
    if kind is AspectKind.JUDGEMENT and number is not None and number in JUDGEMENT_SCORES:
        return Decimal(int(number))
    if kind is AspectKind.DEDUCTION and number is not None and ZERO <= number <= aspect.max_marks \
            and _places(number) <= 2:
        return number
    if kind is AspectKind.SAFETY and number is not None and number in (0, 1):
        return Decimal(int(number))
    texts = {AspectKind.MEASUREMENT: m.VALUE_MEASUREMENT, AspectKind.JUDGEMENT: m.VALUE_JUDGEMENT,
             AspectKind.DEDUCTION: m.VALUE_DEDUCTION, AspectKind.SAFETY: m.VALUE_SAFETY}
    raise SchemeInvalid(msg(texts[kind], title=aspect.title, max=aspect.max_marks), "value")


def deviation(aspect: AspectSpec, reading: Decimal) -> Decimal:
    """How far `reading` is outside nominal on the side(s) `direction` counts (0 when within)."""
    if aspect.nominal is None:
        raise ValueError(f"{aspect.code} is not a measurement aspect")
    if aspect.direction is Direction.AT_LEAST:
        return max(aspect.nominal - reading, ZERO)
    if aspect.direction is Direction.AT_MOST:
        return max(reading - aspect.nominal, ZERO)
    return abs(reading - aspect.nominal)


def measurement_marks(aspect: AspectSpec, reading: Decimal) -> Decimal:
    """Marks of the first band the deviation fits in (bands inclusive); 0 beyond the last band."""
    gap = deviation(aspect, reading)
    return next((band.marks for band in aspect.bands if gap <= band.max_deviation), ZERO)


def judgement_marks(aspect: AspectSpec, score: Fraction) -> Fraction:
    """`max_marks × score / 3` for the panel's (possibly fractional) score in 0..3."""
    if not 0 <= score <= JUDGEMENT_TOP:
        raise ValueError(f"judgement score must be in 0..3, not {score}")
    return Fraction(aspect.max_marks) * Fraction(score) / JUDGEMENT_TOP


@dataclass(frozen=True)
class ModuleMarks:
    marks: Fraction  # after deductions and red lines, never below 0
    max_marks: Fraction
    gained: Fraction  # measurement + judgement marks before deductions
    deducted: Fraction
    safety_violations: tuple[str, ...]  # aspect codes; any one zeroes the module

    @property
    def is_zeroed(self) -> bool:
        return bool(self.safety_violations)


def module_marks(module: ModuleSpec, values: Mapping[str, Fraction | Decimal]) -> ModuleMarks:
    """Combine one competitor's resolved values (aspect code → reading, panel score, deduction, 0/1).

    Raises KeyError naming the first aspect without a value: a module is marked only when complete.
    """
    gained = deducted = Fraction(0)
    violations: list[str] = []
    for aspect in module.aspects:
        value = values[aspect.code]
        if aspect.kind is AspectKind.MEASUREMENT:
            gained += Fraction(measurement_marks(aspect, Decimal(value)))
        elif aspect.kind is AspectKind.JUDGEMENT:
            gained += judgement_marks(aspect, Fraction(value))
        elif aspect.kind is AspectKind.DEDUCTION:
            deducted += Fraction(value)
        elif value:
            violations.append(aspect.code)
    maximum = Fraction(module.max_marks)
    marks = Fraction(0) if violations else max(gained - deducted, Fraction(0))
    return ModuleMarks(marks, maximum, gained, deducted, tuple(violations))
