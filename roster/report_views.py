"""Roster exports, printable roster and public notice, statistics dashboard."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster_reports", __name__, template_folder="templates")
