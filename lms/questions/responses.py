"""Candidate responses: check a client's JSON value against a question and bring it to one form.

`normalize_response(spec, raw)` returns None for "not answered" (None, an empty or blank string, an
empty list) and otherwise the normalised response:

| kind      | client JSON                          | normalised                  |
|-----------|--------------------------------------|-----------------------------|
| single    | "A"                                  | "A"                         |
| multiple  | ["A", "C"] (duplicates count once)   | frozenset({"A", "C"})       |
| truefalse | true / false (JSON booleans only)    | True / False                |
| ordering  | ["C", "A", "B"] (every key once)     | ("C", "A", "B")             |
| numeric   | 0.58, "0.58", "０．５８", "0,58"       | Decimal("0.58")             |
| short     | "  Steel  Rope "                     | the text as given           |

A response of the wrong type, naming an option the question does not have, an ordering that is not a
permutation of the options, or text that is not a number raises `ResponseInvalid(message)`.
"""

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.normalize import parse_decimal
from lms.questions.spec import QuestionKind, QuestionSpec

MAX_SHORT_RESPONSE_CHARS = 200

Response = str | frozenset[str] | bool | tuple[str, ...] | Decimal
ResponseParser = Callable[[QuestionSpec, Any], Response]

_PARSERS: dict[QuestionKind, ResponseParser] = {}

# "1,500" could be one and a half or fifteen hundred: refuse rather than guess.
_THOUSANDS_LIKE = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")


class ResponseInvalid(ValueError):
    """A response that cannot be an answer to this question; `message` tells the candidate why."""

    code = "response_invalid"
    field = "response"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def response_parser(kind: QuestionKind) -> Callable[[ResponseParser], ResponseParser]:
    """Register the parser for one question kind (one per kind)."""

    def register(parser: ResponseParser) -> ResponseParser:
        if kind in _PARSERS:
            raise RuntimeError(f"a response parser for {kind} is already registered")
        _PARSERS[kind] = parser
        return parser

    return register


def is_unanswered(raw: object) -> bool:
    """None, an empty or blank string and an empty list mean "not answered" (False is an answer)."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple) and not raw


def normalize_response(spec: QuestionSpec, raw: object) -> Response | None:
    """Return the normalised response, None when unanswered; raise ResponseInvalid when malformed."""
    if is_unanswered(raw):
        return None
    return _PARSERS[spec.kind](spec, raw)


def _known_key(spec: QuestionSpec, key: object, type_message: str) -> str:
    if not isinstance(key, str):
        raise ResponseInvalid(msg(type_message))
    if key not in spec.option_keys:
        raise ResponseInvalid(msg(m.RESPONSE_UNKNOWN_OPTION, key=key[:20]))
    return key


def _key_list(spec: QuestionSpec, raw: object, type_message: str) -> list[str]:
    if not isinstance(raw, list | tuple):
        raise ResponseInvalid(msg(type_message))
    return [_known_key(spec, key, type_message) for key in raw]


@response_parser(QuestionKind.SINGLE)
def parse_single(spec: QuestionSpec, raw: object) -> str:
    return _known_key(spec, raw, m.RESPONSE_SINGLE_TYPE)


@response_parser(QuestionKind.MULTIPLE)
def parse_multiple(spec: QuestionSpec, raw: object) -> frozenset[str]:
    return frozenset(_key_list(spec, raw, m.RESPONSE_MULTIPLE_TYPE))


@response_parser(QuestionKind.TRUEFALSE)
def parse_truefalse(spec: QuestionSpec, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ResponseInvalid(msg(m.RESPONSE_TRUEFALSE_TYPE))
    return raw


@response_parser(QuestionKind.ORDERING)
def parse_ordering(spec: QuestionSpec, raw: object) -> tuple[str, ...]:
    keys = _key_list(spec, raw, m.RESPONSE_ORDERING_TYPE)
    if sorted(keys) != sorted(spec.option_keys):
        raise ResponseInvalid(msg(m.RESPONSE_ORDERING_INCOMPLETE))
    return tuple(keys)


@response_parser(QuestionKind.NUMERIC)
def parse_numeric(spec: QuestionSpec, raw: object) -> Decimal:
    """Numbers, or text after NFKC (full-width digits) with one decimal comma allowed ("3,14").

    Refused: booleans, NaN and infinities, and text like "1,500" where the comma may group thousands.
    """
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace("\u2212", "-")
        if "," in text:
            if text.count(",") > 1 or "." in text or _THOUSANDS_LIKE.fullmatch(text):
                raise ResponseInvalid(msg(m.RESPONSE_NUMERIC_AMBIGUOUS_COMMA))
            text = text.replace(",", ".")
        raw = text
    value = parse_decimal(raw)
    if value is None:
        raise ResponseInvalid(msg(m.RESPONSE_NUMERIC_TYPE))
    return value


@response_parser(QuestionKind.SHORT)
def parse_short(spec: QuestionSpec, raw: object) -> str:
    if not isinstance(raw, str):
        raise ResponseInvalid(msg(m.RESPONSE_SHORT_TYPE))
    if len(raw) > MAX_SHORT_RESPONSE_CHARS:
        raise ResponseInvalid(msg(m.RESPONSE_SHORT_TOO_LONG, max=MAX_SHORT_RESPONSE_CHARS))
    return raw
