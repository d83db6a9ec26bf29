"""Learning JSON API (DESIGN.md §9): catalogue, outline, enrolment, completion, progress."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lms_api", __name__, url_prefix="/api/v1")
