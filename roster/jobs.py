"""Roster jobs for the single scheduler process; idempotent.

- ``roster.refresh``: rebuild changed roster entries (certificate statuses move with the clock).
"""

from __future__ import annotations

from datetime import timedelta

from certificates.config import config_from
from core.jobs import Job
from core.settings import Settings
from roster.build import refresh_roster


def make_jobs() -> list[Job]:
    def refresh(session, now):
        return refresh_roster(session, now=now, policies=config_from(Settings.from_env()).policies)

    return [Job("roster.refresh", timedelta(minutes=15), refresh, lease=timedelta(minutes=30))]
