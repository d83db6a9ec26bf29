"""Competition jobs for the single scheduler process; each is idempotent."""

from __future__ import annotations

from datetime import timedelta

from core.jobs import Job
from exams.competitions.results import finalise_due


def make_jobs() -> list[Job]:
    """Final results as soon as an event's appeal window has closed (and nothing holds it back)."""
    return [Job("competitions.finalise_results", timedelta(minutes=1), _finalise, lease=timedelta(minutes=5))]


def _finalise(session, now) -> None:
    finalise_due(session, now=now)
