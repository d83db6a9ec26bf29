"""Competition jobs (appeal windows closing, final snapshots); idempotent."""

from __future__ import annotations

from core.jobs import Job


def make_jobs() -> list[Job]:
    return []
