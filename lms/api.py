"""Learning JSON API (DESIGN.md §9): catalogue, outline, enrolment, completion, progress, offline manifest."""

from __future__ import annotations

from flask import Blueprint, url_for

from core.api import doc, ok, require_user
from core.clock import utcnow
from core.db import transaction
from core.errors import NotFound
from core.i18n import lazy
from core.web import db
from lms import queries, services
from lms.markdown import media_refs
from lms.models import Course, Enrolment, Lesson

bp = Blueprint("lms_api", __name__, url_prefix="/api/v1")

TAGS = ("courses",)


def _course(slug: str) -> Course:
    course = queries.course_by_slug(db(), slug)
    if course is None:
        raise NotFound(str(lazy("课程不存在。")))
    return course


def _lesson(lesson_id: int) -> Lesson:
    lesson = db().get(Lesson, lesson_id)
    if lesson is None or lesson.is_retired:
        raise NotFound(str(lazy("课文不存在。")))
    return lesson


def _course_json(course: Course) -> dict:
    return {"slug": course.slug, "title": course.title, "title_en": course.title_en, "summary": course.summary,
            "occupation": course.occupation, "level": course.level, "hours": course.hours,
            "practice_pass_percent": course.practice_pass_percent, "lesson_count": len(course.lessons),
            "url": url_for("lms.course", slug=course.slug)}


def _lesson_json(course: Course, lesson: Lesson) -> dict:
    return {"id": lesson.id, "slug": lesson.slug, "position": lesson.position, "title": lesson.current.title,
            "minutes": lesson.current.minutes, "url": url_for("lms.lesson", slug=course.slug, lesson_slug=lesson.slug)}


def _enrolment_json(course: Course, enrolment: Enrolment) -> dict:
    return {"course": course.slug, "enrolled_at": enrolment.enrolled_at.isoformat(),
            "completed_at": enrolment.completed_at.isoformat() if enrolment.completed_at else None}


def offline_urls(course: Course) -> tuple[list[str], list[str]]:
    """(pages, other files) a phone needs to read the course offline. Lesson pages carry ``offline=1`` so
    saving them is not taken for a visit; the service worker matches them ignoring the query."""
    pages = [url_for("lms.course", slug=course.slug)] + [
        url_for("lms.lesson", slug=course.slug, lesson_slug=lesson.slug, offline=1) for lesson in course.lessons]
    names = sorted({name for lesson in course.lessons if lesson.current for name in media_refs(lesson.current.body_md)})
    files = [url_for("lms.media", slug=course.slug, name=name) for name in names]
    return pages, [*files, url_for("static", filename="lms.js")]


@bp.get("/courses")
@doc("Course catalogue", auth="none", tags=TAGS)
def courses():
    return ok({"courses": [_course_json(course) for course in queries.catalogue(db())]})


@bp.get("/courses/<slug>")
@doc("Course outline with its lessons and their ids", auth="none", responses={200: "outline", 404: "unknown course"},
     tags=TAGS)
def course(slug: str):
    course = _course(slug)
    return ok({**_course_json(course), "lessons": [_lesson_json(course, lesson) for lesson in course.lessons]})


@bp.post("/courses/<slug>/enrolment")
@doc("Enrol in a course (idempotent)", responses={201: "enrolled", 200: "already enrolled", 404: "unknown course"},
     tags=TAGS)
def enrol(slug: str):
    user, course = require_user(), _course(slug)
    existed = queries.enrolment_of(db(), user.id, course.id) is not None
    with transaction(db()):
        enrolment = services.enrol(db(), user=user, course=course, now=utcnow())
    return ok(_enrolment_json(course, enrolment), 200 if existed else 201)


@bp.post("/lessons/<int:lesson_id>/completion")
@doc("Mark a lesson as read (idempotent; enrols in its course)",
     responses={200: "completed, with the course progress", 404: "unknown lesson"}, tags=TAGS)
def complete(lesson_id: int):
    user, lesson = require_user(), _lesson(lesson_id)
    with transaction(db()):
        done = services.complete_lesson(db(), user=user, lesson=lesson, now=utcnow())
    progress = queries.progress(db(), user_id=user.id, course=db().get(Course, lesson.course_id))
    return ok({"lesson_id": lesson.id, "completed_at": done.completed_at.isoformat(), "progress": progress.as_json()})


@bp.get("/courses/<slug>/progress")
@doc("The caller's progress in a course", responses={200: "progress", 404: "unknown course"}, tags=TAGS)
def progress(slug: str):
    user, course = require_user(), _course(slug)
    return ok(queries.progress(db(), user_id=user.id, course=course).as_json())


@bp.get("/courses/<slug>/offline-manifest")
@doc("URLs the service worker saves to read a course offline", responses={200: "manifest", 404: "unknown course"},
     tags=TAGS)
def offline_manifest(slug: str):
    require_user()
    course = _course(slug)
    pages, files = offline_urls(course)
    return ok({"key": f"course:{course.slug}", "pages": len(pages), "urls": pages + files})
