"""What an import returns: the questions read, the ones skipped as unsupported, and the errors.

An import never raises for a bad file: every problem becomes an `ImportError_` naming where it is (a
line for GIFT and Aiken, a 1-based question number for Moodle XML, or the whole file) and, when known,
the question's name. The caller decides what to do with a partly bad file (the platform rule is to
import nothing until `errors` is empty).
"""

from dataclasses import dataclass, field

from lms.questions import messages as m
from lms.questions.messages import msg
from lms.questions.spec import QuestionSpec


@dataclass(frozen=True)
class SourcePosition:
    """Where a question is in its file: `line` (GIFT, Aiken) or `index` (Moodle XML); neither = file."""

    line: int | None = None
    index: int | None = None

    def describe(self) -> str:
        if self.line is not None:
            return msg(m.WHERE_LINE, line=self.line)
        if self.index is not None:
            return msg(m.WHERE_INDEX, index=self.index)
        return msg(m.WHERE_FILE)


WHOLE_FILE = SourcePosition()


@dataclass(frozen=True)
class ImportedQuestion:
    name: str
    category: str | None  # "Parent/Child" (a "/" inside a name is written "//"), None = no category
    spec: QuestionSpec
    position: SourcePosition
    idnumber: str = ""  # Moodle's own question id, when the file has one


@dataclass(frozen=True)
class Skipped:
    """A question of a type the platform does not support; `source_type` is Moodle's qtype name."""

    name: str
    source_type: str  # essay, match, description, multianswer, ordering, ...
    position: SourcePosition


@dataclass(frozen=True)
class ImportError_:  # trailing underscore: not the builtin ImportError
    position: SourcePosition
    name: str  # "" when the problem is not tied to one question
    message: str

    def describe(self) -> str:
        """One line for the user, e.g. "第 3 行「Q1」：题目至少需要 2 个选项（现有 1 个）。"."""
        where = self.position.describe()
        if self.name:
            return msg(m.ERROR_WITH_NAME, where=where, name=self.name, message=self.message)
        return msg(m.ERROR_WITHOUT_NAME, where=where, message=self.message)


@dataclass
class ImportResult:
    questions: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[ImportError_] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @classmethod
    def failed(cls, message: str) -> "ImportResult":
        """A result for a file that could not be read at all: one error, nothing imported."""
        return cls(errors=[ImportError_(WHOLE_FILE, "", message)])
