"""Moodle's answer grades turned into our specs; shared by the Moodle XML and GIFT importers.

Moodle gives every answer a grade in percent. The mapping, and where it refuses:

- Every grade must be one Moodle accepts (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40,
  33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 or a negative of one), compared
  as Moodle does within 0.001 percentage points; "33" is refused, as Moodle's own import refuses it.
- Single choice: exactly one answer at 100%, the rest at 0% or below (no partial-credit answers).
- Multiple choice: the positive grades must be equal and sum to 100%; one correct answer gives
  all_or_nothing, several give partial (correct picks / correct keys, a wrong pick scores 0).
  Moodle instead adds negative grades for wrong picks; ours is stricter and never below 0.
- True/false: exactly one of "true" and "false" at 100%.
- Short answer: the answers at 100% are accepted; lower grades are dropped; "*" is refused at 100%.
- Numerical: exactly one answer at 100% ("*" catch-alls ignored), value and tolerance numbers.
Options get keys A, B, C... in file order; at most 26.
"""

import string
from dataclasses import dataclass
from decimal import Decimal

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.normalize import format_decimal, parse_decimal
from lms.questions.spec import NumericAnswer, Option, QuestionInvalid, QuestionKind, QuestionSpec, Scoring

MAX_OPTIONS = len(string.ascii_uppercase)
FULL = Decimal(100)
_GRADE_TOLERANCE = Decimal("0.001")  # percentage points; Moodle compares fractions within 0.00001
_GRADES = tuple(
    Decimal(grade)
    for grade in (
        "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
        "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
    )
)  # fmt: skip


@dataclass(frozen=True)
class MoodleAnswer:
    text: str
    grade: Decimal  # percent, -100..100
    tolerance: str = ""  # numerical questions only, as written in the file


def parse_grade(raw: str) -> Decimal:
    """A grade in percent as written in the file; QuestionInvalid unless Moodle would accept it."""
    grade = parse_decimal(raw)
    if grade is None:
        raise QuestionInvalid("answer", msg(m.GRADE_NOT_NUMBER, grade=raw))
    if not any(abs(abs(grade) - valid) < _GRADE_TOLERANCE for valid in _GRADES):
        raise QuestionInvalid("answer", msg(m.GRADE_INVALID, grade=format_decimal(grade)))
    return grade


def is_full(grade: Decimal) -> bool:
    return abs(grade - FULL) < _GRADE_TOLERANCE


def require_stem(stem: str) -> str:
    if not stem.strip():
        raise QuestionInvalid("stem", msg(m.STEM_NO_TEXT))
    return stem


def build_choice(stem: str, answers: list[MoodleAnswer], *, single: bool, explanation: str) -> QuestionSpec:
    """A single or multiple choice spec from Moodle answers (rules in the module docstring)."""
    if len(answers) > MAX_OPTIONS:
        raise QuestionInvalid("options", msg(m.TOO_MANY_OPTIONS, max=MAX_OPTIONS))
    options = tuple(Option(key, a.text) for key, a in zip(string.ascii_uppercase, answers, strict=False))
    for option in options:
        if not option.text.strip():
            raise QuestionInvalid("options", msg(m.OPTION_NO_TEXT, key=option.key))
    positive = [(o.key, a.grade) for o, a in zip(options, answers, strict=True) if a.grade > 0]
    if single:
        full = [key for key, grade in positive if is_full(grade)]
        partial = [grade for _, grade in positive if not is_full(grade)]
        if partial:
            raise QuestionInvalid("answer", msg(m.SINGLE_PARTIAL_GRADE, grade=format_decimal(partial[0])))
        if len(full) != 1:
            raise QuestionInvalid("answer", msg(m.SINGLE_NEEDS_ONE_FULL, count=len(full)))
        return QuestionSpec(
            QuestionKind.SINGLE, require_stem(stem), options, full[0], explanation=explanation
        )
    if not positive:
        raise QuestionInvalid("answer", msg(m.MULTIPLE_NO_CORRECT))
    grades = [grade for _, grade in positive]
    if max(grades) - min(grades) >= _GRADE_TOLERANCE:
        listed = "、".join(f"{format_decimal(g)}%" for g in grades)
        raise QuestionInvalid("answer", msg(m.MULTIPLE_UNEQUAL, grades=listed))
    if abs(sum(grades) - FULL) > Decimal("0.01"):
        raise QuestionInvalid("answer", msg(m.MULTIPLE_SUM, total=format_decimal(sum(grades))))
    scoring = Scoring.PARTIAL if len(positive) > 1 else Scoring.ALL_OR_NOTHING
    keys = frozenset(key for key, _ in positive)
    return QuestionSpec(QuestionKind.MULTIPLE, require_stem(stem), options, keys, scoring, explanation)


def build_truefalse(stem: str, answer: bool, explanation: str) -> QuestionSpec:
    return QuestionSpec(QuestionKind.TRUEFALSE, require_stem(stem), (), answer, explanation=explanation)


def build_short(stem: str, answers: list[MoodleAnswer], explanation: str) -> QuestionSpec:
    accepted = tuple(a.text for a in answers if is_full(a.grade))
    if "*" in accepted:
        raise QuestionInvalid("answer", msg(m.SHORT_WILDCARD))
    if not accepted:
        raise QuestionInvalid("answer", msg(m.SHORT_NO_FULL))
    return QuestionSpec(QuestionKind.SHORT, require_stem(stem), (), accepted, explanation=explanation)


def build_numeric(stem: str, answers: list[MoodleAnswer], unit: str, explanation: str) -> QuestionSpec:
    full = [a for a in answers if is_full(a.grade) and a.text != "*"]
    if not full:
        raise QuestionInvalid("answer", msg(m.NUMERIC_NO_FULL))
    if len(full) > 1:
        raise QuestionInvalid("answer", msg(m.NUMERIC_SEVERAL))
    numbers = []
    for written in (full[0].text, full[0].tolerance or "0"):
        number = parse_decimal(written)
        if number is None:
            raise QuestionInvalid("answer", msg(m.NUMERIC_NOT_NUMBER, value=written))
        numbers.append(number)
    answer = NumericAnswer(numbers[0], numbers[1], unit)
    return QuestionSpec(QuestionKind.NUMERIC, require_stem(stem), (), answer, explanation=explanation)
