"""Write parsed course content into versioned rows. Re-running with unchanged files changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import ParsedCourse, ParsedLesson, ParsedQuestion
from lms.markdown import render_lesson
from lms.models import Course, Lesson, LessonVersion, Media, Question, QuestionBank, QuestionVersion

MediaUrl = Callable[[str, str], str]  # (course slug, file name) -> URL


@dataclass
class SyncReport:
    courses: int = 0
    new_lesson_versions: int = 0
    new_question_versions: int = 0
    retired: int = 0
    media_written: int = 0
    changed_courses: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_lesson_versions or self.new_question_versions or self.retired or self.media_written
                    or self.changed_courses)


def sync_courses(session: Session, courses: list[ParsedCourse], *, now: datetime, media_url: MediaUrl) -> SyncReport:
    report = SyncReport()
    for parsed in courses:
        _sync_course(session, parsed, now=now, media_url=media_url, report=report)
    session.flush()
    return report


def _sync_course(session: Session, parsed: ParsedCourse, *, now: datetime, media_url: MediaUrl,
                 report: SyncReport) -> None:
    report.courses += 1
    course = session.scalar(select(Course).where(Course.slug == parsed.slug))
    meta = parsed.meta
    if course is None:
        course = Course(slug=parsed.slug, content_hash="", updated_at=now, title=meta["title"])
        session.add(course)
        session.flush()
    if course.content_hash == parsed.content_hash:
        return
    report.changed_courses.append(parsed.slug)
    course.title = meta["title"]
    course.title_en = str(meta.get("title_en", ""))
    course.summary = str(meta.get("summary", ""))
    course.summary_en = str(meta.get("summary_en", ""))
    course.occupation = str(meta.get("occupation", ""))
    course.level = str(meta.get("level", ""))
    course.hours = int(meta.get("hours", 0))
    course.practice_pass_percent = int(meta.get("practice_pass_percent", 80))
    course.content_hash = parsed.content_hash
    course.updated_at = now
    _sync_media(session, course, parsed, report)
    _sync_lessons(session, course, parsed.lessons, now=now, media_url=media_url, report=report)
    _sync_questions(session, course, parsed.questions, now=now, report=report)


def _sync_media(session: Session, course: Course, parsed: ParsedCourse, report: SyncReport) -> None:
    existing = {m.name: m for m in session.scalars(select(Media).where(Media.course_id == course.id))}
    for item in parsed.media:
        row = existing.get(item.name)
        if row is None:
            session.add(Media(course_id=course.id, name=item.name, content_type="image/svg+xml",
                              content_hash=item.content_hash, data=item.data))
            report.media_written += 1
        elif row.content_hash != item.content_hash:
            row.data, row.content_hash = item.data, item.content_hash
            report.media_written += 1


def _sync_lessons(session: Session, course: Course, lessons: list[ParsedLesson], *, now: datetime,
                  media_url: MediaUrl, report: SyncReport) -> None:
    existing = {ls.slug: ls for ls in session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    for parsed in lessons:
        lesson = existing.pop(parsed.slug, None)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=parsed.slug, position=parsed.position)
            session.add(lesson)
            session.flush()
        lesson.position, lesson.is_retired = parsed.position, False
        if lesson.current is not None and lesson.current.content_hash == parsed.content_hash:
            continue
        version = LessonVersion(
            lesson_id=lesson.id, version=(lesson.current.version + 1) if lesson.current else 1,
            content_hash=parsed.content_hash, title=parsed.title, title_en=parsed.title_en,
            minutes=parsed.minutes, topic=parsed.topic, facts=parsed.facts, clauses=parsed.clauses,
            body_md=parsed.body_md,
            body_html=render_lesson(parsed.body_md, lambda name: media_url(course.slug, name)),
            created_at=now)
        session.add(version)
        session.flush()
        lesson.current_version_id = version.id
        session.flush()
        session.refresh(lesson, ["current"])
        report.new_lesson_versions += 1
    for gone in existing.values():
        if not gone.is_retired:
            gone.is_retired = True
            report.retired += 1


def platform_bank(session: Session, course: Course, *, now: datetime) -> QuestionBank:
    bank = session.scalar(select(QuestionBank).where(QuestionBank.course_id == course.id,
                                                     QuestionBank.org_id.is_(None)))
    if bank is None:
        bank = QuestionBank(org_id=None, course_id=course.id, name=course.title, created_at=now)
        session.add(bank)
        session.flush()
    return bank


def _sync_questions(session: Session, course: Course, questions: list[ParsedQuestion], *, now: datetime,
                    report: SyncReport) -> None:
    bank = platform_bank(session, course, now=now)
    existing = {q.key: q for q in session.scalars(select(Question).where(Question.bank_id == bank.id))}
    for parsed in questions:
        question = existing.pop(parsed.key, None)
        if question is None:
            question = Question(bank_id=bank.id, key=parsed.key)
            session.add(question)
            session.flush()
        question.topic, question.lesson_slug, question.is_retired = parsed.topic, parsed.lesson_slug, False
        if question.current is not None and question.current.content_hash == parsed.content_hash:
            continue
        version = QuestionVersion(
            question_id=question.id, version=(question.current.version + 1) if question.current else 1,
            content_hash=parsed.content_hash, kind=parsed.kind, difficulty=parsed.difficulty, spec=parsed.spec,
            facts=parsed.facts, clause=parsed.clause, edition=parsed.edition, is_scenario=parsed.is_scenario,
            created_at=now)
        session.add(version)
        session.flush()
        question.current_version_id = version.id
        session.flush()
        session.refresh(question, ["current"])
        report.new_question_versions += 1
    for gone in existing.values():
        if not gone.is_retired:
            gone.is_retired = True
            report.retired += 1
