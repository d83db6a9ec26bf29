"""Training-base pages for exam days: venues, sessions, registrations, tickets, check-in, invigilation,
calendar and reports. The routes live in three modules on one blueprint (``exams.base_blueprint``)."""

from __future__ import annotations

from exams import base_admin_views, base_day_views, base_worker_views  # noqa: F401  (they add the routes)
from exams.base_blueprint import bp

__all__ = ["bp"]
