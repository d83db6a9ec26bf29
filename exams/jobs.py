"""Exam jobs for the single scheduler process; each is idempotent."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from core.jobs import Job
from exams.attempts import sweep_overdue


def make_jobs(*, grace_s: int) -> list[Job]:
    """The overdue sweeper submits every attempt past deadline + grace, even when no phone comes back."""
    sweep = partial(_sweep, grace_s=grace_s)
    return [Job("exams.sweep_overdue", timedelta(seconds=20), sweep, lease=timedelta(minutes=2))]


def _sweep(session, now, *, grace_s: int) -> None:
    sweep_overdue(session, now=now, grace_s=grace_s)
