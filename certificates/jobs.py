"""Certificate jobs for the single scheduler process; each is idempotent."""

from __future__ import annotations

from core.jobs import Job


def make_jobs() -> list[Job]:
    return []
