"""Learning pages: catalogue, course, lessons, practice, my courses, media.

Every page works without JavaScript; ``core/static/lms.js`` adds saving a course for offline reading and
an offline queue for "mark as read" on the course and lesson pages.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.clock import utcnow
from core.db import transaction
from core.errors import NotFound, ValidationFailed
from core.forms import ConfirmForm
from core.web import db
from lms import queries, services
from lms.forms import practice_responses
from lms.models import Course, Enrolment, Lesson, Media
from lms.queries import Progress

bp = Blueprint("lms", __name__, template_folder="templates")


# -- loading and presenting ----------------------------------------------------------------------------------

def _course_or_404(slug: str) -> Course:
    course = queries.course_by_slug(db(), slug)
    if course is None:
        raise NotFound(_("课程不存在。"))
    return course


def _lesson_or_404(slug: str, lesson_slug: str) -> tuple[Course, Lesson]:
    course = _course_or_404(slug)
    lesson = queries.lesson_by_slug(db(), course, lesson_slug)
    if lesson is None or lesson.current is None:
        raise NotFound(_("课文不存在。"))
    return course, lesson


def _my_progress(course: Course) -> tuple[Enrolment | None, Progress | None]:
    """The current user's enrolment and progress in ``course``; (None, None) when not enrolled."""
    if not current_user.is_authenticated:
        return None, None
    enrolment = queries.enrolment_of(db(), current_user.id, course.id)
    if enrolment is None:
        return None, None
    return enrolment, queries.progress(db(), user_id=current_user.id, course=course)


def _resume(course: Course, enrolment: Enrolment | None, progress: Progress | None) -> Lesson | None:
    """Where "continue" leads: the last lesson opened while it is not done, else the first one not done,
    else (all done) the last one opened or the first."""
    if enrolment is None or progress is None or not course.lessons:
        return None
    last = next((lesson for lesson in course.lessons if lesson.id == enrolment.last_lesson_id), None)
    if last is not None and last.id not in progress.completed_ids:
        return last
    return next((lesson for lesson in course.lessons if lesson.id not in progress.completed_ids),
                last or course.lessons[0])


def _neighbours(course: Course, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    lessons = course.lessons
    at = [ls.id for ls in lessons].index(lesson.id)
    return (lessons[at - 1] if at > 0 else None), (lessons[at + 1] if at + 1 < len(lessons) else None)


def _progress_by_course() -> dict[int, Progress]:
    if not current_user.is_authenticated:
        return {}
    return {course.id: queries.progress(db(), user_id=current_user.id, course=course)
            for _enrolment, course in queries.my_courses(db(), current_user.id)}


# -- pages ---------------------------------------------------------------------------------------------------

@bp.get("/courses")
def catalogue():
    """Every course, with my progress on the ones I am enrolled in."""
    return render_template("lms/catalogue.html", courses=queries.catalogue(db()), progress=_progress_by_course())


@bp.get("/courses/<slug>")
def course(slug: str):
    """Outline, my progress and the way in (enrol, or continue). 404 for an unknown course."""
    course = _course_or_404(slug)
    enrolment, progress = _my_progress(course)
    return render_template("lms/course.html", course=course, enrolment=enrolment, progress=progress,
                           resume=_resume(course, enrolment, progress), form=ConfirmForm())


@bp.post("/courses/<slug>/enrolment")
@login_required
def enrol(slug: str):
    """Enrol (idempotent). 404 for an unknown course; 400 without a valid CSRF token."""
    course = _course_or_404(slug)
    with transaction(db()):
        services.enrol(db(), user=current_user, course=course, now=utcnow())
    flash(_("已报名，开始学习吧。"), "success")
    return redirect(url_for("lms.course", slug=course.slug))


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    """A lesson. Opening it records the visit (and enrols); a copy saved for offline reading
    (``?offline=1``) does not. 404 for an unknown course or lesson."""
    course, lesson = _lesson_or_404(slug, lesson_slug)
    if request.args.get("offline") != "1":
        with transaction(db()):
            services.record_visit(db(), user=current_user, lesson=lesson, now=utcnow())
    is_done = lesson.id in queries.completed_lesson_ids(db(), current_user.id, course.id)
    previous, following = _neighbours(course, lesson)
    return render_template("lms/lesson.html", course=course, lesson=lesson, is_done=is_done, previous=previous,
                           following=following, form=ConfirmForm())


@bp.post("/courses/<slug>/lessons/<lesson_slug>/completion")
@login_required
def complete(slug: str, lesson_slug: str):
    """Mark a lesson as read (idempotent), then back to it. 404 for an unknown course or lesson."""
    course, lesson = _lesson_or_404(slug, lesson_slug)
    with transaction(db()):
        services.complete_lesson(db(), user=current_user, lesson=lesson, now=utcnow())
    flash(_("已标记为学完。"), "success")
    return redirect(url_for("lms.lesson", slug=course.slug, lesson_slug=lesson.slug))


@bp.route("/courses/<slug>/lessons/<lesson_slug>/practice", methods=["GET", "POST"])
@login_required
def practice(slug: str, lesson_slug: str):
    """The untimed practice quiz; POST grades it and shows the feedback and my course progress.
    A malformed answer re-shows the same questions with the message (422). 404 for an unknown lesson."""
    course, lesson = _lesson_or_404(slug, lesson_slug)
    if request.method == "POST":
        try:
            return _grade_practice(course, lesson, practice_responses(request.form))
        except ValidationFailed as exc:
            flash(exc.message, "error")
    attempt_no = queries.practice_attempt_count(db(), current_user.id, lesson.id)
    questions = services.draw_practice(db(), user=current_user, lesson=lesson, attempt_no=attempt_no)
    return render_template("lms/practice.html", course=course, lesson=lesson, questions=questions,
                           form=ConfirmForm()), 422 if request.method == "POST" else 200


def _grade_practice(course: Course, lesson: Lesson, responses: dict[int, object]):
    with transaction(db()):
        result = services.submit_practice(db(), user=current_user, lesson=lesson, responses=responses, now=utcnow())
    shown = list(responses)  # feedback in the order the questions were shown
    return render_template("lms/practice_result.html", course=course, lesson=lesson, attempt=result.attempt,
                           feedback=sorted(result.feedback, key=lambda f: shown.index(f.version.id)),
                           progress=queries.progress(db(), user_id=current_user.id, course=course),
                           following=_neighbours(course, lesson)[1])


@bp.get("/me/courses")
@login_required
def my_courses():
    """My enrolments, newest first, each with its progress."""
    rows = [(enrolment, course, queries.progress(db(), user_id=current_user.id, course=course))
            for enrolment, course in queries.my_courses(db(), current_user.id)]
    return render_template("lms/my_courses.html", rows=rows)


@bp.get("/media/<slug>/<name>")
def media(slug: str, name: str):
    """A course's SVG diagram; cached by content hash. 404 for an unknown course or file."""
    row = db().scalar(select(Media).join(Course, Course.id == Media.course_id)
                      .where(Course.slug == slug, Media.name == name))
    if row is None:
        abort(404)
    if request.if_none_match.contains(row.content_hash):
        return Response(status=304)
    resp = Response(row.data, mimetype=row.content_type)
    resp.set_etag(row.content_hash)
    resp.headers["Cache-Control"] = "public, max-age=86400"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return resp
