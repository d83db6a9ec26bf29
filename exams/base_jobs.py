"""Exam-day jobs for the single scheduler process (registration windows, papers, reminders); idempotent."""

from __future__ import annotations

from core.jobs import Job


def make_jobs() -> list[Job]:
    return []
