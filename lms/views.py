"""Learning pages: catalogue, course, lessons, practice, media."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from core.web import db
from lms.models import Course, Media

bp = Blueprint("lms", __name__, template_folder="templates")


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
