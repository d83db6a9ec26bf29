"""Training-base pages for exam days: venues, sessions, registrations, tickets, check-in, invigilation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bases", __name__, template_folder="templates")
