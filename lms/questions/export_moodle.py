"""Moodle XML export of question specs, readable by Moodle and by our own `import_moodle_xml`.

What is written, per kind:

- single: multichoice, single, the key at 100%, the others at 0%.
- multiple: multichoice, not single, each key at 100/n %, each wrong option at -100%, so Moodle gives
  partial credit per key and nothing once a wrong option is picked, as our partial scoring does.
  An all_or_nothing question with several keys cannot be expressed in core Moodle: it is written the
  same way and listed in `changed`. More than 10 keys (100/n no longer a Moodle grade): not exported.
- truefalse, short (shortanswer, case-insensitive, accepted answers at 100%), numeric (numerical,
  value and tolerance at 100%, the unit as Moodle's unit with multiplier 1).
- ordering: not exported, listed in `skipped` (Moodle's ordering type grades differently).

Texts are written as `plain_text`, so stems and options come back from `import_moodle_xml` exactly as
they went out; option keys come back as A, B, C... in option order. A category is written as
"$course$/top/<category>" before the first question in it; None (the default category) writes nothing
at the start of the file and "$course$/top" after another category.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.normalize import format_decimal
from lms.questions.spec import NumericAnswer, QuestionKind, QuestionSpec, Scoring

MAX_KEYS = 10
ExportItem = tuple[str, str | None, QuestionSpec]  # (name, category path or None, spec)


@dataclass(frozen=True)
class ExportNote:
    name: str
    message: str


@dataclass(frozen=True)
class MoodleExport:
    xml: bytes  # UTF-8 Moodle XML
    skipped: tuple[ExportNote, ...]  # not in the file
    changed: tuple[ExportNote, ...]  # in the file, but Moodle will score it differently


def export_moodle_xml(questions: Iterable[ExportItem]) -> MoodleExport:
    """Write `questions` as one Moodle XML quiz file; see the module docstring for each kind."""
    quiz = Element("quiz")
    skipped: list[ExportNote] = []
    changed: list[ExportNote] = []
    current_category: str | None = None
    for name, category, spec in questions:
        reason = _not_exportable(spec)
        if reason:
            skipped.append(ExportNote(name, reason))
            continue
        if category != current_category:
            _category(quiz, category)
            current_category = category
        if _scoring_changes(spec):
            changed.append(ExportNote(name, msg(m.EXPORT_SCORING_CHANGED)))
        _question(quiz, name, spec)
    indent(quiz)
    xml = tostring(quiz, encoding="utf-8", xml_declaration=True)
    return MoodleExport(xml, tuple(skipped), tuple(changed))


def _not_exportable(spec: QuestionSpec) -> str:
    if spec.kind is QuestionKind.ORDERING:
        return msg(m.EXPORT_ORDERING)
    if spec.kind is QuestionKind.MULTIPLE and len(cast(frozenset[str], spec.answer)) > MAX_KEYS:
        return msg(m.EXPORT_TOO_MANY_KEYS, max=MAX_KEYS)
    return ""


def _scoring_changes(spec: QuestionSpec) -> bool:
    return (
        spec.kind is QuestionKind.MULTIPLE
        and spec.scoring is Scoring.ALL_OR_NOTHING
        and len(cast(frozenset[str], spec.answer)) > 1
    )


def _text(parent: Element, tag: str, text: str, text_format: str | None = "plain_text") -> Element:
    element = SubElement(parent, tag, {"format": text_format} if text_format else {})
    SubElement(element, "text").text = text
    return element


def _value(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def _category(quiz: Element, category: str | None) -> None:
    question = SubElement(quiz, "question", {"type": "category"})
    path = "$course$/top" + (f"/{category}" if category else "")
    _text(question, "category", path, None)


def _answer(question: Element, grade: str, text: str, text_format: str = "plain_text") -> Element:
    answer = _text(question, "answer", text, text_format)
    answer.set("fraction", grade)
    return answer


def _question(quiz: Element, name: str, spec: QuestionSpec) -> None:
    qtype = {
        QuestionKind.SINGLE: "multichoice",
        QuestionKind.MULTIPLE: "multichoice",
        QuestionKind.TRUEFALSE: "truefalse",
        QuestionKind.SHORT: "shortanswer",
        QuestionKind.NUMERIC: "numerical",
    }[spec.kind]
    question = SubElement(quiz, "question", {"type": qtype})
    _text(question, "name", name, None)
    _text(question, "questiontext", spec.stem)
    _text(question, "generalfeedback", spec.explanation)
    _value(question, "defaultgrade", "1")
    if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        _choices(question, spec)
    elif spec.kind is QuestionKind.TRUEFALSE:
        for truth in (True, False):
            _answer(
                question, "100" if spec.answer is truth else "0", str(truth).lower(), "moodle_auto_format"
            )
    elif spec.kind is QuestionKind.SHORT:
        _value(question, "usecase", "0")
        for accepted in cast(tuple[str, ...], spec.answer):
            _answer(question, "100", accepted, "moodle_auto_format")
    else:
        _numerical(question, cast(NumericAnswer, spec.answer))


def _choices(question: Element, spec: QuestionSpec) -> None:
    is_single = spec.kind is QuestionKind.SINGLE
    keys = {spec.answer} if is_single else cast(frozenset[str], spec.answer)
    right = "100" if is_single else format_decimal(round(Decimal(100) / len(keys), 5).normalize())
    wrong = "0" if is_single else "-100"
    _value(question, "single", "true" if is_single else "false")
    _value(question, "shuffleanswers", "true")
    _value(question, "answernumbering", "ABCD")
    for option in spec.options:
        _answer(question, right if option.key in keys else wrong, option.text)


def _numerical(question: Element, answer: NumericAnswer) -> None:
    element = _answer(question, "100", format_decimal(answer.value), "moodle_auto_format")
    _value(element, "tolerance", format_decimal(answer.tolerance))
    if answer.unit:
        unit = SubElement(SubElement(question, "units"), "unit")
        _value(unit, "multiplier", "1")
        _value(unit, "unit_name", answer.unit)
    _value(question, "unitgradingtype", "0")  # the unit is shown, never graded
    _value(question, "showunits", "0" if answer.unit else "3")  # Moodle's defaults with and without units
