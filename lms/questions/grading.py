"""Grading: one pure grader per question kind, found through a registry.

`grade(spec, raw)` parses the client's response (see `lms.questions.responses`) and returns a score as
a Fraction in [0, 1]. An unanswered question scores 0 and does not raise; a malformed response raises
ResponseInvalid, so the caller can tell "wrong" from "not an answer". The rules:

- single: the picked key is the key.
- multiple, all_or_nothing: the picked set equals the key set.
- multiple, partial: correct picks / correct keys, but any wrong pick scores 0.
  Duplicate picks count once.
- truefalse: the same boolean.
- ordering: all or nothing; every item in exactly the key's position. No credit for partly right orders.
- numeric: |response - value| <= tolerance, in exact Decimal arithmetic (the boundary counts as right).
  The unit is shown beside the input box and is not part of the response.
- short: equal to one accepted answer after folding both (NFKC, case-folded, trimmed, internal
  whitespace collapsed; see `normalize.fold_text`).
"""

from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, cast

from lms.questions.normalize import fold_text
from lms.questions.responses import normalize_response
from lms.questions.spec import NumericAnswer, QuestionKind, QuestionSpec, Scoring

Grader = Callable[[QuestionSpec, Any], Fraction]

_GRADERS: dict[QuestionKind, Grader] = {}

ZERO = Fraction(0)
FULL = Fraction(1)


def grader(kind: QuestionKind) -> Callable[[Grader], Grader]:
    """Register the grader for one question kind (one per kind). It receives a normalised response."""

    def register(function: Grader) -> Grader:
        if kind in _GRADERS:
            raise RuntimeError(f"a grader for {kind} is already registered")
        _GRADERS[kind] = function
        return function

    return register


def grade(spec: QuestionSpec, raw: object) -> Fraction:
    """Score the client's response `raw` to `spec` in [0, 1]; 0 when unanswered.

    Raises ResponseInvalid for a response of the wrong shape or naming an unknown option.
    """
    response = normalize_response(spec, raw)
    if response is None:
        return ZERO
    return _GRADERS[spec.kind](spec, response)


def _full_if(is_right: bool) -> Fraction:
    return FULL if is_right else ZERO


@grader(QuestionKind.SINGLE)
def grade_single(spec: QuestionSpec, picked: str) -> Fraction:
    return _full_if(picked == spec.answer)


@grader(QuestionKind.MULTIPLE)
def grade_multiple(spec: QuestionSpec, picked: frozenset[str]) -> Fraction:
    keys = cast(frozenset[str], spec.answer)
    if spec.scoring is Scoring.ALL_OR_NOTHING:
        return _full_if(picked == keys)
    if not picked <= keys:
        return ZERO
    return Fraction(len(picked), len(keys))


@grader(QuestionKind.TRUEFALSE)
def grade_truefalse(spec: QuestionSpec, said: bool) -> Fraction:
    return _full_if(said is spec.answer)


@grader(QuestionKind.ORDERING)
def grade_ordering(spec: QuestionSpec, order: tuple[str, ...]) -> Fraction:
    return _full_if(order == spec.answer)


@grader(QuestionKind.NUMERIC)
def grade_numeric(spec: QuestionSpec, value: Decimal) -> Fraction:
    answer = cast(NumericAnswer, spec.answer)
    with localcontext() as context:
        # Operands are bounded (normalize.parse_decimal), so this precision makes the subtraction exact.
        context.prec = 1000
        return _full_if(abs(value - answer.value) <= answer.tolerance)


@grader(QuestionKind.SHORT)
def grade_short(spec: QuestionSpec, text: str) -> Fraction:
    folded = fold_text(text)
    return _full_if(any(folded == fold_text(accepted) for accepted in cast(tuple[str, ...], spec.answer)))
