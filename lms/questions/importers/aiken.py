"""Aiken question import: single-choice questions in plain text, as Moodle reads them.

```
The Moodle project was started by:
A) Petr Skoda
B) Martin Dougiamas
ANSWER: B
```

A question is a stem line, two or more option lines (a capital letter, then `)` or `.` — or the
full-width `）`, `．` or `、` — then the text; the space after it is optional), then `ANSWER: X`
(case and a full-width colon tolerated). Blank lines are ignored. Text is plain: `<` and `&` are kept
as written. The letters are the option keys. A stem line that follows another stem line continues it
(Moodle would discard the first); the errors, each naming the line where the problem shows:

- an option or ANSWER line with no question before it;
- ANSWER on a question with fewer than 2 options;
- ANSWER naming a letter that is not an option; a letter used twice;
- a new question starting, or the file ending, before the current question's ANSWER line.
A question with an error is not imported; reading continues with the next one.
"""

import re
from dataclasses import dataclass, field

from lms.questions import messages as m
from lms.questions.importers.result import ImportedQuestion, ImportError_, ImportResult, SourcePosition
from lms.questions.importers.text import UnreadableFile, decode_text, default_name
from lms.questions.messages import msg
from lms.questions.spec import Option, QuestionInvalid, QuestionKind, QuestionSpec

_OPTION = re.compile(r"^([A-Z])[).．）、]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem_lines: list[str]
    options: list[Option] = field(default_factory=list)

    @property
    def name(self) -> str:
        return default_name(self.stem_lines[0])

    @property
    def position(self) -> SourcePosition:
        return SourcePosition(line=self.line)


def import_aiken(data: bytes | str) -> ImportResult:
    """Read an Aiken file (UTF-8, or GB18030); never raises for bad content (see ImportResult)."""
    try:
        text = decode_text(data)
    except UnreadableFile as error:
        return ImportResult.failed(error.message)
    result = ImportResult()
    draft: _Draft | None = None
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line:
            continue
        option, answer = _OPTION.match(line), _ANSWER.match(line)
        if (option or answer) and draft is None:
            _fail(result, number, "", msg(m.AIKEN_NOT_STARTED))
        elif option and draft is not None:
            draft.options.append(Option(option.group(1), option.group(2).strip()))
        elif answer and draft is not None:
            _finish(result, draft, answer.group(1).strip().upper(), number)
            draft = None
        elif draft is not None and not draft.options:
            draft.stem_lines.append(line)
        else:
            if draft is not None:
                _fail(result, number, draft.name, msg(m.AIKEN_NOT_COMPLETED, start=draft.line))
            draft = _Draft(number, [line])
    if draft is not None:
        _fail(result, draft.line, draft.name, msg(m.AIKEN_NOT_COMPLETED_AT_END))
    return result


def _fail(result: ImportResult, line: int, name: str, message: str) -> None:
    result.errors.append(ImportError_(SourcePosition(line=line), name, message))


def _finish(result: ImportResult, draft: _Draft, key: str, answer_line: int) -> None:
    if len(draft.options) < 2:
        _fail(result, answer_line, draft.name, msg(m.AIKEN_TOO_FEW_OPTIONS, count=len(draft.options)))
        return
    keys = [option.key for option in draft.options]
    if key not in keys:
        _fail(
            result, answer_line, draft.name, msg(m.AIKEN_ANSWER_UNKNOWN, key=key[:20], keys="、".join(keys))
        )
        return
    stem = "\n".join(draft.stem_lines)
    try:
        spec = QuestionSpec(QuestionKind.SINGLE, stem, tuple(draft.options), key)
    except QuestionInvalid as problem:
        _fail(result, draft.line, draft.name, problem.message)
        return
    result.questions.append(ImportedQuestion(draft.name, None, spec, draft.position))
