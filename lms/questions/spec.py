"""Question specifications: what a question asks and what its key is.

A `QuestionSpec` validates itself when built, so an invalid spec cannot exist; a broken rule raises
`QuestionInvalid(field, message)` with a Chinese message naming the problem. Answers by kind:

| kind      | options               | answer                                                     |
|-----------|-----------------------|------------------------------------------------------------|
| single    | 2 or more             | `str`: one option key                                      |
| multiple  | 2 or more             | `frozenset[str]`: one or more option keys                  |
| truefalse | none                  | `bool`                                                     |
| ordering  | 2 or more             | `tuple[str, ...]`: every option key once, in correct order |
| numeric   | none                  | `NumericAnswer(value, tolerance >= 0, unit)`               |
| short     | none                  | `tuple[str, ...]`: accepted answers, none blank when folded |

Only `multiple` may use `Scoring.PARTIAL`. `lms.questions.spec_dict` converts specs to and from the
mapping of docs/CONTENT_FORMAT.md (JSON/YAML).
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.normalize import fold_text, parse_decimal


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    ORDERING = "ordering"
    NUMERIC = "numeric"
    SHORT = "short"


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.ORDERING})


class Scoring(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class QuestionInvalid(ValueError):
    """A question breaks a rule; `field` names the part (kind, stem, options, answer, scoring...)."""

    code = "question_invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class NumericAnswer:
    value: Decimal
    tolerance: Decimal = Decimal(0)
    unit: str = ""


Answer = str | frozenset[str] | bool | tuple[str, ...] | NumericAnswer
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class QuestionSpec:
    """One question's text, options and key. `kind` and `scoring` may be given as plain strings."""

    kind: QuestionKind
    stem: str
    options: tuple[Option, ...]
    answer: Answer
    scoring: Scoring = Scoring.ALL_OR_NOTHING
    explanation: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", parse_enum(QuestionKind, self.kind, "kind", m.KIND_UNKNOWN))
        object.__setattr__(self, "scoring", parse_enum(Scoring, self.scoring, "scoring", m.SCORING_UNKNOWN))
        _validate(self)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)


def parse_enum(enum: type[E], value: object, field: str, message: str) -> E:
    """Return `enum(value)`; raise QuestionInvalid(field, message % {field: value}) when it is not one."""
    try:
        return enum(value)
    except ValueError:
        raise QuestionInvalid(field, msg(message, **{field: str(value)[:40]})) from None


def _validate(spec: QuestionSpec) -> None:
    if not isinstance(spec.stem, str) or not spec.stem.strip():
        raise QuestionInvalid("stem", msg(m.STEM_EMPTY))
    if not isinstance(spec.explanation, str):
        raise QuestionInvalid("explanation", msg(m.TEXT_NOT_STRING, field="explanation"))
    if spec.scoring is Scoring.PARTIAL and spec.kind is not QuestionKind.MULTIPLE:
        raise QuestionInvalid("scoring", msg(m.SCORING_PARTIAL_ONLY_MULTIPLE))
    if spec.kind in CHOICE_KINDS:
        _validate_options(spec.options)
    elif spec.options:
        raise QuestionInvalid("options", msg(m.OPTIONS_NOT_ALLOWED, kind=msg(m.KIND_LABELS[spec.kind])))
    _ANSWER_RULES[spec.kind](spec)


def _validate_options(options: object) -> None:
    if not isinstance(options, tuple) or not all(isinstance(o, Option) for o in options):
        raise QuestionInvalid("options", msg(m.OPTIONS_NOT_MAPPING))
    if len(options) < 2:
        raise QuestionInvalid("options", msg(m.OPTIONS_TOO_FEW))
    seen: set[str] = set()
    for option in options:
        if not isinstance(option.key, str) or not option.key.strip() or option.key != option.key.strip():
            raise QuestionInvalid("options", msg(m.OPTION_KEY_INVALID, key=option.key))
        if option.key in seen:
            raise QuestionInvalid("options", msg(m.OPTION_KEY_DUPLICATE, key=option.key))
        seen.add(option.key)
        if not isinstance(option.text, str) or not option.text.strip():
            raise QuestionInvalid("options", msg(m.OPTION_TEXT_EMPTY, key=option.key))


def _require_keys(spec: QuestionSpec, keys: tuple[str, ...] | frozenset[str]) -> None:
    for key in keys:
        if key not in spec.option_keys:
            raise QuestionInvalid(
                "answer", msg(m.ANSWER_NOT_AN_OPTION, key=key, keys="、".join(spec.option_keys))
            )


def _check_single(spec: QuestionSpec) -> None:
    if not isinstance(spec.answer, str):
        raise QuestionInvalid("answer", msg(m.ANSWER_SINGLE_TYPE))
    _require_keys(spec, (spec.answer,))


def _check_multiple(spec: QuestionSpec) -> None:
    answer = spec.answer
    if not isinstance(answer, frozenset) or not all(isinstance(k, str) for k in answer):
        raise QuestionInvalid("answer", msg(m.ANSWER_MULTIPLE_TYPE))
    if not answer:
        raise QuestionInvalid("answer", msg(m.ANSWER_MULTIPLE_EMPTY))
    _require_keys(spec, tuple(sorted(answer)))


def _check_truefalse(spec: QuestionSpec) -> None:
    if not isinstance(spec.answer, bool):
        raise QuestionInvalid("answer", msg(m.ANSWER_TRUEFALSE_TYPE))


def _check_ordering(spec: QuestionSpec) -> None:
    answer = spec.answer
    if not isinstance(answer, tuple) or not all(isinstance(k, str) for k in answer):
        raise QuestionInvalid("answer", msg(m.ANSWER_ORDERING_TYPE))
    if sorted(answer) != sorted(spec.option_keys):
        keys = "、".join(spec.option_keys)
        raise QuestionInvalid("answer", msg(m.ANSWER_ORDERING_NOT_PERMUTATION, keys=keys))


def _check_numeric(spec: QuestionSpec) -> None:
    answer = spec.answer
    if not isinstance(answer, NumericAnswer) or not isinstance(answer.unit, str):
        raise QuestionInvalid("answer", msg(m.ANSWER_NUMERIC_TYPE))
    for field, number in (("value", answer.value), ("tolerance", answer.tolerance)):
        if not isinstance(number, Decimal) or parse_decimal(str(number)) is None:
            raise QuestionInvalid(field, msg(m.NUMBER_INVALID, field=field, value=number))
    if answer.tolerance < 0:
        raise QuestionInvalid("tolerance", msg(m.TOLERANCE_NEGATIVE))


def _check_short(spec: QuestionSpec) -> None:
    answer = spec.answer
    if not isinstance(answer, tuple) or not all(isinstance(a, str) for a in answer):
        raise QuestionInvalid("answer", msg(m.ANSWER_SHORT_TYPE))
    if not answer:
        raise QuestionInvalid("answer", msg(m.ANSWER_SHORT_EMPTY))
    if any(not fold_text(a) for a in answer):
        raise QuestionInvalid("answer", msg(m.ANSWER_SHORT_BLANK))


_ANSWER_RULES = {
    QuestionKind.SINGLE: _check_single,
    QuestionKind.MULTIPLE: _check_multiple,
    QuestionKind.TRUEFALSE: _check_truefalse,
    QuestionKind.ORDERING: _check_ordering,
    QuestionKind.NUMERIC: _check_numeric,
    QuestionKind.SHORT: _check_short,
}
