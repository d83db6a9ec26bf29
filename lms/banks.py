"""A training base's own question banks: create, import (Moodle XML, GIFT, Aiken), export, read.

Import is all or nothing: a file with errors writes nothing unless the user asked to skip the bad
questions, and a file that cannot be read at all (too big, empty, not text, unsafe or broken XML)
never writes anything. Imported questions are keyed by their Moodle idnumber or name, slugified and
made unique within the file; a key already in the bank with the same content is left alone and one
with other content gets a new version, as content sync does, so importing the same file twice adds
nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.access import is_platform_admin, org_ids_with
from core.errors import Conflict, RuleViolated, ValidationFailed
from core.i18n import lazy
from core.models import Organisation, OrgKind, Role, User
from lms.models import Course, Question, QuestionBank, QuestionVersion
from lms.questions.export_moodle import ExportItem, MoodleExport, export_moodle_xml
from lms.questions.importers import (
    ImportedQuestion,
    ImportError_,
    QuestionFileFormat,
    Skipped,
    import_questions,
)
from lms.questions.importers.text import UnreadableFile, decode_text
from lms.questions.spec_dict import spec_from_dict, spec_to_dict

BANK_STAFF_ROLES = (Role.BASE_ADMIN, Role.EXAMINER)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORTED_DIFFICULTY = 2
KEY_CHARS, TOPIC_CHARS = 100, 80  # columns hold 120 and 80; keys keep room for a "-NN" suffix
_EXTENSIONS = ((".gift.txt", QuestionFileFormat.GIFT), (".aiken.txt", QuestionFileFormat.AIKEN),
               (".xml", QuestionFileFormat.MOODLE_XML), (".gift", QuestionFileFormat.GIFT),
               (".txt", QuestionFileFormat.AIKEN))
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # "//" is Moodle's escape for a "/" inside a name


# -- pure rules --------------------------------------------------------------------------------------------

def guess_format(filename: str) -> QuestionFileFormat | None:
    """The format named by the file's extension (.xml, .gift, .txt = Aiken; x.gift.txt = GIFT), else None."""
    lowered = filename.strip().lower()
    return next((fmt for suffix, fmt in _EXTENSIONS if lowered.endswith(suffix)), None)


def slugify(text: str) -> str:
    """Lower-case words (CJK included) joined by "-", at most KEY_CHARS; slugify(slugify(x)) == slugify(x)."""
    words = re.sub(r"[^\w]+", "-", unicodedata.normalize("NFKC", text).casefold())
    return words.strip("-_")[:KEY_CHARS].strip("-_")


def question_keys(questions: Sequence[ImportedQuestion]) -> list[str]:
    """One key per question: the slug of its idnumber or name; a repeat within the file gets "-2", "-3"..."""
    keys: list[str] = []
    used: set[str] = set()
    for question in questions:
        base = slugify(question.idnumber or question.name) or "question"
        key, number = base, 1
        while key in used:
            number += 1
            key = f"{base}-{number}"
        used.add(key)
        keys.append(key)
    return keys


def topic_of(category: str | None) -> str:
    """The last segment of a category path ("A/B//C" -> "B/C"); "" for no category."""
    if not category:
        return ""
    return _CATEGORY_SEPARATOR.split(category)[-1].replace("//", "/").strip()[:TOPIC_CHARS]


def content_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# -- services ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BankImport:
    """What one upload did. ``is_refused``: nothing was written (errors and no skipping, or an unreadable file)."""

    file_format: QuestionFileFormat
    added: int = 0  # new questions
    updated: int = 0  # new versions of questions already in the bank
    unchanged: int = 0
    skipped: tuple[Skipped, ...] = ()  # unsupported types, never imported
    errors: tuple[ImportError_, ...] = ()
    is_refused: bool = False
    is_unreadable: bool = False  # the whole file was refused (unsafe or broken XML): skipping cannot help

    @property
    def counts(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": len(self.skipped), "errors": len(self.errors)}


def create_bank(session: Session, *, actor_id: int | None, org: Organisation, name: str,
                course_id: int | None = None, now: datetime) -> QuestionBank:
    """A new bank of a training base; the name is unique within the base, the course must exist."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 120:
        raise ValidationFailed("invalid_name", str(lazy("题库名称应为1–120个字。")), "name")
    if org.kind != OrgKind.TRAINING_BASE:
        raise RuleViolated("not_a_training_base", str(lazy("只有培训基地可以建立题库。")))
    if course_id is not None and session.get(Course, course_id) is None:
        raise ValidationFailed("unknown_course", str(lazy("所选课程不存在。")), "course_id")
    if session.scalar(select(QuestionBank.id).where(QuestionBank.org_id == org.id, QuestionBank.name == name)):
        raise Conflict("name_taken", str(lazy("本基地已有同名题库。")), "name")
    bank = QuestionBank(org_id=org.id, course_id=course_id, name=name, created_at=now)
    session.add(bank)
    session.flush()
    audit.record(session, action="bank.created", now=now, actor_id=actor_id, org_id=org.id,
                 target=f"bank:{bank.id}")
    return bank


def import_into_bank(session: Session, *, actor_id: int | None, bank: QuestionBank, filename: str, data: bytes,
                     file_format: QuestionFileFormat | str | None = None, skip_errors: bool = False,
                     now: datetime, ip: str = "") -> BankImport:
    """Read ``data`` and write its questions into ``bank``, all or nothing (see the module docstring).

    Raises ValidationFailed (field "file" or "file_format") for a file that is too big, empty, not
    UTF-8/GB18030 text, or of a format that cannot be told; returns a refused BankImport listing every
    error when the file has errors and ``skip_errors`` is false, or when the whole file is unreadable.
    """
    if bank.org_id is None:
        raise RuleViolated("platform_bank", str(lazy("平台题库由课程内容同步维护，不能导入。")))
    _check_upload(filename, data)
    chosen = _format_for(filename, file_format)
    result = import_questions(chosen, data)
    errors, skipped = tuple(result.errors), tuple(result.skipped)
    unreadable = any(e.position.line is None and e.position.index is None for e in errors)
    if errors and (unreadable or not skip_errors):
        return BankImport(chosen, skipped=skipped, errors=errors, is_refused=True, is_unreadable=unreadable)
    added, updated = _write_questions(session, bank, result.questions, now=now)
    report = BankImport(chosen, added, updated, len(result.questions) - added - updated, skipped, errors)
    audit.record(session, action="bank.imported", now=now, actor_id=actor_id, org_id=bank.org_id,
                 target=f"bank:{bank.id}", details=report.counts, ip=ip)
    return report


def export_bank(session: Session, *, actor_id: int | None, bank: QuestionBank, now: datetime,
                ip: str = "") -> MoodleExport:
    """The bank as one Moodle XML file (ordering questions are left out, see export_moodle); audited."""
    export = export_moodle_xml(bank_export_items(session, bank.id))
    audit.record(session, action="bank.exported", now=now, actor_id=actor_id, org_id=bank.org_id,
                 target=f"bank:{bank.id}", details={"skipped": len(export.skipped),
                                                     "changed": len(export.changed)}, ip=ip)
    return export


def _format_for(filename: str, file_format: QuestionFileFormat | str | None) -> QuestionFileFormat:
    if file_format:
        try:
            return QuestionFileFormat(file_format)
        except ValueError:
            raise ValidationFailed("unknown_format", str(lazy("不支持的文件格式。")), "file_format") from None
    guessed = guess_format(filename)
    if guessed is None:
        raise ValidationFailed("format_unknown", str(lazy(
            "无法从文件名「%(name)s」判断格式（.xml、.gift 或 .txt），请选择文件格式。", name=_shown(filename))),
            "file_format")
    return guessed


def _check_upload(filename: str, data: bytes) -> None:
    name = _shown(filename)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed("file_too_large", str(lazy(
            "文件「%(name)s」超过 2 MB，无法导入。请把题目拆成几个较小的文件分别导入。", name=name)), "file")
    if not data.strip():
        raise ValidationFailed("file_empty", str(lazy("文件「%(name)s」是空的，没有可导入的题目。", name=name)), "file")
    try:
        text = decode_text(data)
    except UnreadableFile:
        text = "\0"
    if "\0" in text:  # UTF-16 and binary files may still decode as GB18030; no question file holds NUL
        raise ValidationFailed("file_not_text", str(lazy(
            "文件「%(name)s」不是 UTF-8 或 GB18030 编码的文本文件，请另存为 UTF-8 文本后重试。", name=name)), "file")


def _shown(filename: str) -> str:
    return (filename or "").strip()[:80] or "?"


def _write_questions(session: Session, bank: QuestionBank, questions: Sequence[ImportedQuestion], *,
                     now: datetime) -> tuple[int, int]:
    """(added, updated). Three flushes whatever the count: new questions, their versions, the pointers."""
    session.refresh(bank, with_for_update=True)  # one import per bank at a time (a no-op on SQLite)
    existing = {q.key: q for q in session.scalars(select(Question).where(Question.bank_id == bank.id))}
    changed: list[tuple[Question, dict, str]] = []
    added = 0
    for key, imported in zip(question_keys(questions), questions, strict=True):
        spec = spec_to_dict(imported.spec)
        digest = content_hash(spec)
        question = existing.get(key)
        if question is None:
            question = Question(bank_id=bank.id, key=key)
            session.add(question)
            added += 1
        elif question.current is not None and question.current.content_hash == digest:
            continue
        question.topic, question.is_retired = topic_of(imported.category), False
        changed.append((question, spec, digest))
    session.flush()
    versions = [QuestionVersion(question_id=question.id, version=question.current.version + 1 if question.current
                                else 1, content_hash=digest, kind=spec["kind"], difficulty=IMPORTED_DIFFICULTY,
                                spec=spec, created_at=now)
                for question, spec, digest in changed]
    session.add_all(versions)
    session.flush()
    for (question, _spec, _digest), version in zip(changed, versions, strict=True):
        question.current_version_id = version.id
    session.flush()
    for question, _spec, _digest in changed:
        session.expire(question, ["current"])
    return added, len(changed) - added


# -- queries -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BankSummary:
    bank: QuestionBank
    course_title: str
    question_count: int


@dataclass(frozen=True)
class BankQuestionRow:
    key: str
    topic: str
    kind: str
    stem: str
    version: int


def bases_staffed_by(session: Session, user: User) -> list[Organisation]:
    """Training bases whose banks ``user`` may manage: every base for a platform admin."""
    query = select(Organisation).where(Organisation.kind == OrgKind.TRAINING_BASE).order_by(Organisation.name)
    if not is_platform_admin(user):
        query = query.where(Organisation.id.in_(org_ids_with(user, BANK_STAFF_ROLES)))
    return list(session.scalars(query))


def banks_of_org(session: Session, org_id: int) -> list[BankSummary]:
    """The base's banks by name, with the attached course's title and the number of live questions."""
    counts = (select(Question.bank_id, func.count(Question.id).label("n"))
              .where(Question.is_retired.is_(False)).group_by(Question.bank_id).subquery())
    rows = session.execute(
        select(QuestionBank, Course.title, counts.c.n)
        .outerjoin(Course, Course.id == QuestionBank.course_id)
        .outerjoin(counts, counts.c.bank_id == QuestionBank.id)
        .where(QuestionBank.org_id == org_id).order_by(QuestionBank.name))
    return [BankSummary(bank, title or "", n or 0) for bank, title, n in rows]


def bank_in_org(session: Session, org_id: int, bank_id: int) -> QuestionBank | None:
    """The bank if it belongs to ``org_id``; None for another organisation's (or a platform) bank."""
    return session.scalar(select(QuestionBank).where(QuestionBank.id == bank_id, QuestionBank.org_id == org_id))


def bank_questions(session: Session, bank_id: int, *, page: int = 1,
                   per_page: int = 100) -> tuple[list[BankQuestionRow], int]:
    """One page of the bank's live questions by topic and key, and the total number of them."""
    where = (Question.bank_id == bank_id, Question.is_retired.is_(False))
    total = session.scalar(select(func.count(Question.id)).where(*where)) or 0
    rows = session.execute(
        select(Question.key, Question.topic, QuestionVersion.kind, QuestionVersion.spec, QuestionVersion.version)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(*where).order_by(Question.topic, Question.key)
        .offset((max(page, 1) - 1) * per_page).limit(per_page))
    return [BankQuestionRow(key, topic, kind, str(spec.get("stem", "")), version)
            for key, topic, kind, spec, version in rows], total


def bank_export_items(session: Session, bank_id: int) -> list[ExportItem]:
    """(name, category, spec) per live question, grouped by topic: the key is the name, the topic the category.

    A "/" inside a topic is written "//" so the category reads back as one segment.
    """
    rows = session.execute(
        select(Question.key, Question.topic, QuestionVersion.spec)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.is_retired.is_(False))
        .order_by(Question.topic, Question.key))
    return [(key, topic.replace("/", "//") or None, spec_from_dict(spec)) for key, topic, spec in rows]
