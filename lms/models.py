"""Courses, versioned lessons and questions, media, enrolments, completions, practice attempts.

Content rows are versioned: a lesson or question keeps a stable identity (course + slug/key) and gets a
new ``*Version`` row whenever its content hash changes; old versions stay for attempts that used them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class Course(Base):
    __tablename__ = "lms_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    occupation: Mapped[str] = mapped_column(String(120), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    hours: Mapped[int] = mapped_column(default=0)
    practice_pass_percent: Mapped[int] = mapped_column(default=80)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]

    lessons: Mapped[list[Lesson]] = relationship(order_by="Lesson.position", lazy="selectin",
                                                 primaryjoin="and_(Course.id == Lesson.course_id, "
                                                             "Lesson.is_retired == False)", viewonly=True)


class Lesson(Base):
    __tablename__ = "lms_lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    is_retired: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_lesson_versions.id", use_alter=True, name="fk_lms_lessons_current_version"))

    current: Mapped[LessonVersion | None] = relationship(foreign_keys=[current_version_id], lazy="joined")


class LessonVersion(Base):
    __tablename__ = "lms_lesson_versions"
    __table_args__ = (UniqueConstraint("lesson_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id"), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int] = mapped_column(default=5)
    topic: Mapped[str] = mapped_column(String(80), default="")
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    clauses: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Media(Base):
    __tablename__ = "lms_media"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(60))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class QuestionBank(Base):
    """A set of questions. Platform banks (``org_id`` NULL) come from content files; others are a base's own."""

    __tablename__ = "lms_question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("core_organisations.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class Question(Base):
    __tablename__ = "lms_questions"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("lms_question_banks.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(80), default="", index=True)
    lesson_slug: Mapped[str] = mapped_column(String(80), default="")
    is_retired: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_question_versions.id", use_alter=True, name="fk_lms_questions_current_version"))

    current: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id], lazy="joined")


class QuestionVersion(Base):
    __tablename__ = "lms_question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("lms_questions.id"), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[int] = mapped_column(default=2)
    spec: Mapped[dict] = mapped_column(JSON)
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    clause: Mapped[str] = mapped_column(String(200), default="")
    edition: Mapped[str] = mapped_column(String(120), default="")
    is_scenario: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class Enrolment(Base):
    __tablename__ = "lms_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    enrolled_at: Mapped[datetime]
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lms_lessons.id"))
    completed_at: Mapped[datetime | None]


class LessonCompletion(Base):
    __tablename__ = "lms_lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id"), index=True)
    completed_at: Mapped[datetime]


class PracticeAttempt(Base):
    """One submitted practice quiz; the lesson's practice score is the best attempt."""

    __tablename__ = "lms_practice_attempts"
    __table_args__ = (Index("ix_lms_practice_user_lesson", "user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id"))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    answers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
