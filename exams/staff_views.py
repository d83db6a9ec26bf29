"""Staff pages of the exam engine: attempt logs, item analysis and regrades, practical scoring."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exam_staff", __name__, template_folder="templates")
