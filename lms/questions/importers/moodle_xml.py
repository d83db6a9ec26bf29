"""Moodle XML question import (`<quiz><question type="...">...</question></quiz>`).

Supported types: multichoice (single and multiple), truefalse, shortanswer, numerical; grades map to
specs as `moodle_rules` describes. Every other type (essay, match, description, multianswer, ordering,
calculated, ddwtos, ...) is listed in `skipped`. `<question type="category">` pseudo-questions set the
category of the questions after them ("$course$/top/A/B" becomes "A/B"). Questions are numbered from
1, category entries not counted; errors name that number and the question's name.

Parsing goes through defusedxml with DTDs forbidden: a file with a DOCTYPE (entity expansion bombs,
external entities) is refused with one error, as is a file that is not well-formed XML or not a quiz.
Question text is reduced to plain text (tags dropped, entities decoded); embedded files are ignored.
"""

from collections.abc import Callable
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from lms.questions import messages as m
from lms.questions.importers.moodle_rules import (
    MoodleAnswer,
    build_choice,
    build_numeric,
    build_short,
    build_truefalse,
    is_full,
    parse_grade,
)
from lms.questions.importers.result import (
    ImportedQuestion,
    ImportError_,
    ImportResult,
    Skipped,
    SourcePosition,
)
from lms.questions.importers.text import default_name, format_text, html_to_text, normalize_category
from lms.questions.messages import msg
from lms.questions.normalize import parse_decimal
from lms.questions.spec import QuestionInvalid, QuestionSpec


def import_moodle_xml(data: bytes | str) -> ImportResult:
    """Read a Moodle XML export; never raises for bad content (see ImportResult)."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        return ImportResult.failed(msg(m.XML_FORBIDDEN))
    except ParseError as error:
        line, column = error.position
        return ImportResult.failed(msg(m.XML_MALFORMED, line=line, column=column + 1))
    if root.tag != "quiz":
        return ImportResult.failed(msg(m.XML_NOT_QUIZ, tag=root.tag[:40]))

    result = ImportResult()
    category: str | None = None
    index = 0
    for element in root.findall("question"):
        qtype = element.get("type", "").strip()
        if qtype == "category":
            category = normalize_category(_child_text(element, "category/text"))
            continue
        index += 1
        _import_question(result, element, qtype, category, SourcePosition(index=index))
    return result


def _import_question(
    result: ImportResult, element: Element, qtype: str, category: str | None, position: SourcePosition
) -> None:
    stem = _formatted(element, "questiontext")
    name = html_to_text(_child_text(element, "name/text")) or default_name(stem)
    builder = _BUILDERS.get(qtype)
    if builder is None:
        result.skipped.append(Skipped(name, qtype or "?", position))
        return
    try:
        spec = builder(element, stem, _formatted(element, "generalfeedback"))
    except QuestionInvalid as problem:
        result.errors.append(ImportError_(position, name, problem.message))
        return
    idnumber = _child_text(element, "idnumber").strip()
    result.questions.append(ImportedQuestion(name, category, spec, position, idnumber))


def _child_text(element: Element, path: str) -> str:
    child = element.find(path)
    return child.text or "" if child is not None else ""


def _formatted(element: Element, path: str, default_format: str = "html") -> str:
    """Plain text of a Moodle text field (`<path format="..."><text>...</text></path>`)."""
    child = element.find(path)
    if child is None:
        return ""
    return format_text(_child_text(child, "text"), child.get("format", default_format))


def _answers(element: Element, *, rich: bool) -> list[MoodleAnswer]:
    """The `<answer>` elements; `rich` answers are formatted text (multichoice), the others plain."""
    answers = []
    for answer in element.findall("answer"):
        text = _child_text(answer, "text")
        text = format_text(text, answer.get("format", "html")) if rich else text.strip()
        grade = parse_grade(answer.get("fraction", "0"))
        answers.append(MoodleAnswer(text, grade, _child_text(answer, "tolerance").strip()))
    return answers


def _multichoice(element: Element, stem: str, explanation: str) -> QuestionSpec:
    single = _child_text(element, "single").strip() or "true"
    is_single = single not in ("false", "0")
    return build_choice(stem, _answers(element, rich=True), single=is_single, explanation=explanation)


def _truefalse(element: Element, stem: str, explanation: str) -> QuestionSpec:
    answers = _answers(element, rich=False)
    # Old exports wrote localised "true"/"false": like Moodle, fall back to true first, false second.
    truths = [a.text == "true" if a.text in ("true", "false") else i == 0 for i, a in enumerate(answers)]
    correct = [truth for truth, answer in zip(truths, answers, strict=True) if is_full(answer.grade)]
    if len(correct) != 1:
        raise QuestionInvalid("answer", msg(m.TRUEFALSE_NO_CORRECT))
    return build_truefalse(stem, correct[0], explanation)


def _shortanswer(element: Element, stem: str, explanation: str) -> QuestionSpec:
    return build_short(stem, _answers(element, rich=False), explanation)


def _numerical(element: Element, stem: str, explanation: str) -> QuestionSpec:
    unit = ""
    for unit_element in element.findall("units/unit"):
        multiplier = _child_text(unit_element, "multiplier").strip() or "1"
        if parse_decimal(multiplier) == Decimal(1):
            unit = _child_text(unit_element, "unit_name").strip()
            break
    return build_numeric(stem, _answers(element, rich=False), unit, explanation)


_BUILDERS: dict[str, Callable[[Element, str, str], QuestionSpec]] = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
}
