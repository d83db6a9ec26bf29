"""Expert pool and panel draw pages (committee)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster_pool", __name__, template_folder="templates")
