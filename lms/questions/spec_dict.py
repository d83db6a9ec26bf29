"""Specs to and from the mapping of docs/CONTENT_FORMAT.md (YAML content files, JSON storage).

`spec_from_dict(spec_to_dict(s)) == s` for every valid spec.
"""

from collections.abc import Mapping
from decimal import Decimal

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.normalize import format_decimal, parse_decimal
from lms.questions.spec import (
    NumericAnswer,
    Option,
    QuestionInvalid,
    QuestionKind,
    QuestionSpec,
    Scoring,
    parse_enum,
)


def spec_from_dict(data: object) -> QuestionSpec:
    """Build a spec from the content-file mapping (kind, stem, options, answer, scoring, explanation).

    Other keys (id, difficulty, facts, clause...) are ignored: they belong to the content catalogue.
    YAML scalars are accepted where they are unambiguous (integer option keys and answers, numbers as
    option text or short answers, one string for a single short answer). Raises QuestionInvalid
    naming the field on any other shape.
    """
    if not isinstance(data, Mapping):
        raise QuestionInvalid("question", msg(m.QUESTION_NOT_MAPPING))
    kind = parse_enum(QuestionKind, data.get("kind"), "kind", m.KIND_UNKNOWN)
    if "answer" not in data:
        raise QuestionInvalid("answer", msg(m.ANSWER_MISSING))
    return QuestionSpec(
        kind=kind,
        stem=_text(data.get("stem"), "stem"),
        options=_options_from(data.get("options")),
        answer=_ANSWER_READERS[kind](data["answer"]),
        scoring=data.get("scoring") or Scoring.ALL_OR_NOTHING,
        explanation=_text(data.get("explanation") or "", "explanation"),
    )


def spec_to_dict(spec: QuestionSpec) -> dict[str, object]:
    """Return the JSON-ready mapping of `spec`, deterministic (sorted multiple keys), every field present.

    Numeric value and tolerance are written as strings ("0.58") so no precision is lost in JSON.
    """
    answer: object = spec.answer
    if isinstance(answer, frozenset):
        answer = sorted(answer)
    elif isinstance(answer, tuple):
        answer = list(answer)
    elif isinstance(answer, NumericAnswer):
        answer = {
            "value": format_decimal(answer.value),
            "tolerance": format_decimal(answer.tolerance),
            "unit": answer.unit,
        }
    return {
        "kind": spec.kind.value,
        "stem": spec.stem,
        "options": {option.key: option.text for option in spec.options},
        "answer": answer,
        "scoring": spec.scoring.value,
        "explanation": spec.explanation,
    }


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise QuestionInvalid(field, msg(m.TEXT_NOT_STRING, field=field))
    return value


def _scalar(value: object) -> str | None:
    """A YAML scalar as text: strings as they are, numbers written out; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _options_from(raw: object) -> tuple[Option, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise QuestionInvalid("options", msg(m.OPTIONS_NOT_MAPPING))
    options = []
    for key, text in raw.items():
        key_text, option_text = _scalar(key), _scalar(text)
        if key_text is None:
            raise QuestionInvalid("options", msg(m.OPTION_KEY_INVALID, key=str(key)[:40]))
        if option_text is None:
            raise QuestionInvalid("options", msg(m.OPTION_TEXT_NOT_TEXT, key=key_text))
        options.append(Option(key_text.strip(), option_text))
    return tuple(options)


def _key_list(raw: object, type_message: str) -> list[str]:
    if not isinstance(raw, list | tuple):
        raise QuestionInvalid("answer", msg(type_message))
    keys = [_scalar(item) for item in raw]
    if any(key is None for key in keys):
        raise QuestionInvalid("answer", msg(type_message))
    return [key.strip() for key in keys if key is not None]


def _read_single(raw: object) -> str:
    key = _scalar(raw)
    if key is None:
        raise QuestionInvalid("answer", msg(m.ANSWER_SINGLE_TYPE))
    return key.strip()


def _read_multiple(raw: object) -> frozenset[str]:
    keys = _key_list(raw, m.ANSWER_MULTIPLE_TYPE)
    for key in keys:
        if keys.count(key) > 1:
            raise QuestionInvalid("answer", msg(m.ANSWER_DUPLICATE, key=key))
    return frozenset(keys)


def _read_truefalse(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise QuestionInvalid("answer", msg(m.ANSWER_TRUEFALSE_TYPE))
    return raw


def _read_ordering(raw: object) -> tuple[str, ...]:
    return tuple(_key_list(raw, m.ANSWER_ORDERING_TYPE))


def _read_numeric(raw: object) -> NumericAnswer:
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise QuestionInvalid("answer", msg(m.ANSWER_NUMERIC_TYPE))
    numbers = {}
    for field, default in (("value", None), ("tolerance", 0)):
        given = raw.get(field)
        number = parse_decimal(default if given is None else given)
        if number is None:
            raise QuestionInvalid(field, msg(m.NUMBER_INVALID, field=field, value=str(given)[:40]))
        numbers[field] = number
    unit = raw.get("unit") or ""
    if not isinstance(unit, str):
        raise QuestionInvalid("unit", msg(m.TEXT_NOT_STRING, field="unit"))
    return NumericAnswer(numbers["value"], numbers["tolerance"], unit)


def _read_short(raw: object) -> tuple[str, ...]:
    items = [raw] if _scalar(raw) is not None else raw
    if not isinstance(items, list | tuple):
        raise QuestionInvalid("answer", msg(m.ANSWER_SHORT_TYPE))
    answers = [_scalar(item) for item in items]
    if any(answer is None for answer in answers):
        raise QuestionInvalid("answer", msg(m.ANSWER_SHORT_TYPE))
    return tuple(answer for answer in answers if answer is not None)


_ANSWER_READERS = {
    QuestionKind.SINGLE: _read_single,
    QuestionKind.MULTIPLE: _read_multiple,
    QuestionKind.TRUEFALSE: _read_truefalse,
    QuestionKind.ORDERING: _read_ordering,
    QuestionKind.NUMERIC: _read_numeric,
    QuestionKind.SHORT: _read_short,
}


def full_credit_response(data: dict) -> object:
    """A response, in the shape a phone sends, that earns full credit for the stored spec mapping."""
    answer = data["answer"]
    if data["kind"] == "numeric":
        return answer["value"]
    if data["kind"] == "short":
        return answer[0] if isinstance(answer, list) else answer
    return answer
