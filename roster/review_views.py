"""Committee review pages for 二级/一级 applications."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster_reviews", __name__, template_folder="templates")
