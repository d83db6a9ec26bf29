"""Certificate pages: public verification, enterprise bulk checks, the worker's wallet, JWKS."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__, template_folder="templates")
