"""Question import from Moodle XML, GIFT and Aiken files into QuestionSpecs.

Each importer takes the uploaded bytes (or text) and returns an ImportResult; none raises for a bad
file. Size limits belong to the caller (the upload edge), as does the rule that a file with errors
imports nothing.
"""

from collections.abc import Callable
from enum import StrEnum

from lms.questions.importers.aiken import import_aiken
from lms.questions.importers.gift import import_gift
from lms.questions.importers.moodle_xml import import_moodle_xml
from lms.questions.importers.result import (
    ImportedQuestion,
    ImportError_,
    ImportResult,
    Skipped,
    SourcePosition,
)


class QuestionFileFormat(StrEnum):
    MOODLE_XML = "moodle_xml"
    GIFT = "gift"
    AIKEN = "aiken"


IMPORTERS: dict[QuestionFileFormat, Callable[[bytes | str], ImportResult]] = {
    QuestionFileFormat.MOODLE_XML: import_moodle_xml,
    QuestionFileFormat.GIFT: import_gift,
    QuestionFileFormat.AIKEN: import_aiken,
}


def import_questions(file_format: QuestionFileFormat, data: bytes | str) -> ImportResult:
    """Read `data` in `file_format`; see the format's module for what is supported and refused."""
    return IMPORTERS[QuestionFileFormat(file_format)](data)


__all__ = [
    "IMPORTERS",
    "ImportError_",
    "ImportResult",
    "ImportedQuestion",
    "QuestionFileFormat",
    "Skipped",
    "SourcePosition",
    "import_aiken",
    "import_gift",
    "import_moodle_xml",
    "import_questions",
]
