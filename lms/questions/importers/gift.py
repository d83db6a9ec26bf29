"""GIFT question import (Moodle's text format), following Moodle's own reader.

Questions are separated by blank lines; lines starting with `//` are comments; `$CATEGORY: path` sets
the category of the questions after it. A question is `::name:: text {answers} [more text]`; a text
without braces is a description (skipped). `\\~ \\= \\# \\{ \\} \\: \\\\` are literal characters and `\\n` a
line break. A `[html]`/`[moodle]` marker makes the text HTML (reduced to plain text);
`[plain]`/`[markdown]` and no marker keep it as written. Answers, decided as Moodle decides:

- `{}`: essay (skipped). `{=a -> b ...}`: matching (skipped).
- `{#...}`: numerical: `{#3.14:0.01}`, `{#1..5}` (value 3, tolerance 2), `{#=3:1 =%50%3:2}`;
  a `~` part is wrong-answer feedback.
- any `~`: choice; single when some answer starts with `=`, else multiple with `~%50%` weights.
- `{T}`, `{TRUE}`, `{F}`, `{FALSE}` (feedback after `#`): true/false.
- otherwise short answer: `{=a =b =%50%c}` (answers at 100% are accepted).
Grades follow `moodle_rules`. `#` starts feedback and `####` general feedback (the explanation). Text
after the closing brace makes the question a "missing word" one: the stem gets "_____" in place of the
answers. Errors name the question's first line.
"""

import re
from decimal import Decimal

from lms.questions import messages as m
from lms.questions.importers.moodle_rules import (
    FULL,
    MoodleAnswer,
    build_choice,
    build_numeric,
    build_short,
    build_truefalse,
    parse_grade,
)
from lms.questions.importers.result import (
    ImportedQuestion,
    ImportError_,
    ImportResult,
    Skipped,
    SourcePosition,
)
from lms.questions.importers.text import (
    UnreadableFile,
    decode_text,
    default_name,
    format_text,
    normalize_category,
)
from lms.questions.messages import msg
from lms.questions.normalize import format_decimal, parse_decimal
from lms.questions.spec import QuestionInvalid, QuestionSpec

_ESCAPED = "\\~=#{}:n"
# Escaped characters are swapped for private-use code points while the structure is parsed.
_PROTECT = {char: chr(0xE000 + i) for i, char in enumerate(_ESCAPED)}
_RESTORE = str.maketrans({mark: "\n" if char == "n" else char for char, mark in _PROTECT.items()})
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT_MARKER = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_CATEGORY = "$CATEGORY:"


def import_gift(data: bytes | str) -> ImportResult:
    """Read a GIFT file (UTF-8, or GB18030); never raises for bad content (see ImportResult)."""
    try:
        text = decode_text(data)
    except UnreadableFile as error:
        return ImportResult.failed(error.message)
    result = ImportResult()
    category: str | None = None
    for line, block in _blocks(text):
        block = _ESCAPE.sub(lambda found: _PROTECT[found.group(1)], block)
        if block.startswith(_CATEGORY):
            category = normalize_category(_plain(block.removeprefix(_CATEGORY)))
            continue
        _import_block(result, block, category, SourcePosition(line=line))
    return result


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each question, comment lines removed.

    Questions are separated by blank lines; a `$CATEGORY:` line is always a block of its own.
    """
    blocks: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped or stripped.startswith(_CATEGORY):
            if lines:
                blocks.append((start, "\n".join(lines).strip()))
            lines = []
            if stripped:
                blocks.append((number, stripped))
        else:
            start = start if lines else number
            lines.append(line)
    return blocks


def _plain(text: str) -> str:
    return text.translate(_RESTORE).strip()


def _formatted(text: str) -> str:
    """Restore escapes and apply the text's own format marker (HTML reduced to plain text)."""
    marker = _FORMAT_MARKER.match(text)
    text_format = marker.group(1) if marker else "plain"
    text = text[marker.end() :] if marker else text
    return format_text(text.translate(_RESTORE), "html" if text_format in ("html", "moodle") else "plain")


def _import_block(result: ImportResult, block: str, category: str | None, position: SourcePosition) -> None:
    name = ""
    if block.startswith("::"):
        title, separator, rest = block[2:].partition("::")
        name, block = (_plain(title), rest.strip()) if separator else ("", block[2:])
    start = block.find("{")
    if start < 0:
        stem = _formatted(block)
        result.skipped.append(Skipped(name or default_name(stem), "description", position))
        return
    end = block.find("}", start)
    stem = _formatted(block[:start]) if end < 0 else _stem(block, start, end)
    name = name or default_name(stem)
    if end < 0:
        result.errors.append(ImportError_(position, name, msg(m.GIFT_UNCLOSED_BRACE)))
        return
    answers, _, feedback = block[start + 1 : end].strip().partition("####")
    answers = answers.strip()
    skipped_type = _unsupported_type(answers)
    if skipped_type:
        result.skipped.append(Skipped(name, skipped_type, position))
        return
    try:
        spec = _spec(stem, answers, _formatted(feedback))
    except QuestionInvalid as problem:
        result.errors.append(ImportError_(position, name, problem.message))
        return
    result.questions.append(ImportedQuestion(name, category, spec, position))


def _stem(block: str, start: int, end: int) -> str:
    after = block[end + 1 :]
    return _formatted(block[:start] + ("_____" + after if after.strip() else ""))


def _unsupported_type(answers: str) -> str:
    if not answers:
        return "essay"
    if not answers.startswith("#") and "~" not in answers and "=" in answers and "->" in answers:
        return "match"
    return ""


def _spec(stem: str, answers: str, explanation: str) -> QuestionSpec:
    if answers.startswith("#"):
        return build_numeric(stem, _numeric_answers(answers[1:]), "", explanation)
    if "~" in answers:
        single = "=" in answers
        parts = [part for part in answers.replace("=", "~=").split("~") if part.strip()]
        return build_choice(stem, [_choice(part) for part in parts], single=single, explanation=explanation)
    verdict = answers.partition("#")[0].strip()
    if verdict in _TRUE_FALSE:
        return build_truefalse(stem, _TRUE_FALSE[verdict], explanation)
    parts = [part for part in answers.split("=") if part.strip()]
    return build_short(stem, [_weighted(part, FULL) for part in parts], explanation)


def _weighted(part: str, default: Decimal) -> MoodleAnswer:
    """An answer with an optional %weight% prefix and #feedback suffix (dropped)."""
    part = part.strip()
    weight = _WEIGHT.match(part)
    grade = parse_grade(weight.group(1)) if weight else default
    text = part[weight.end() :] if weight else part
    return MoodleAnswer(_formatted(text.partition("#")[0]), grade)


def _choice(part: str) -> MoodleAnswer:
    part = part.strip()
    if part.startswith("="):
        return _weighted(part[1:], FULL)
    return _weighted(part, Decimal(0))


def _numeric_answers(answers: str) -> list[MoodleAnswer]:
    answers = answers.partition("~")[0]  # what follows "~" is feedback for wrong answers
    read = []
    for part in (part for part in answers.split("=") if part.strip()):
        answer = _weighted(part, FULL)
        value, tolerance = _value_and_tolerance(answer.text)
        read.append(MoodleAnswer(value, answer.grade, tolerance))
    return read


def _value_and_tolerance(text: str) -> tuple[str, str]:
    """Value and tolerance: 3.14:0.01 -> (3.14, 0.01); 1..5 -> (3, 2); 3 -> (3, 0)."""
    if ".." in text:
        low_text, _, high_text = text.partition("..")
        low, high = parse_decimal(low_text), parse_decimal(high_text)
        if low is None or high is None:
            raise QuestionInvalid("answer", msg(m.NUMERIC_NOT_NUMBER, value=text))
        middle = (low + high) / 2
        return format_decimal(middle), format_decimal(high - middle)
    value, _, tolerance = text.partition(":")
    return value.strip(), tolerance.strip() or "0"
