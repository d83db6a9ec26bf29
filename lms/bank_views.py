"""Staff pages for a training base's question banks: import (Moodle XML, GIFT, Aiken) and export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("banks", __name__, template_folder="templates")
