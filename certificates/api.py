"""Certificate JSON API (DESIGN.md §9): mine, one, bulk verification, Open Badges 3.0 credential."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates_api", __name__, url_prefix="/api/v1")
