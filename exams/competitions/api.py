"""Competition JSON API (DESIGN.md §9): scores and results."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("competitions_api", __name__, url_prefix="/api/v1")
