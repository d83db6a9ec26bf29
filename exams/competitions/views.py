"""Competition pages: setup, judge score entry, locks, appeals, leaderboard and public results."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("competitions", __name__, template_folder="templates")
