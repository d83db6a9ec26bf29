"""Certificate jobs for the single scheduler process; each is idempotent.

- ``certificates.issue``: certify passed assessments and completed courses (every minute).
- ``certificates.render_pdfs``: render and store signed PDFs not yet stored, in batches.
- ``certificates.expiry_reminders``: in-app notices before expiry (per-kind reminder days).
- ``certificates.bulk_cleanup``: delete bulk-verification result files older than a day.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import timedelta

from certificates.awards import issue_final_awards
from certificates.config import CertConfig, config_from
from certificates.issuance import sweep_issuance
from certificates.lifecycle import send_expiry_reminders
from certificates.pdf import render_missing_pdfs
from certificates.storage import remove_old_bulk_results
from core.jobs import Job
from core.settings import Settings


def _resolver(config: CertConfig | None) -> Callable[[], CertConfig]:
    """The given config, or one read from the environment on first use (the scheduler's process)."""
    cache: list[CertConfig] = [config] if config else []

    def resolve() -> CertConfig:
        if not cache:
            cache.append(config_from(Settings.from_env()))
        return cache[0]

    return resolve


_heap_frozen = False


def _freeze_warm_heap() -> None:
    """Once per scheduler process, after the first renders: move the warm heap (fonts, templates, CSS) out of
    the collector's reach, so full collections stop adding 40-100 ms to renders (see docs/PERFORMANCE.md)."""
    global _heap_frozen
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen = True


def make_jobs(config: CertConfig | None = None) -> list[Job]:
    resolve = _resolver(config)

    def issue(session, now):
        config = resolve()
        issue_final_awards(session, config=config, now=now)
        return sweep_issuance(session, config=config, now=now)

    def render(session, now):
        done = render_missing_pdfs(session, config=resolve(), limit=300)
        _freeze_warm_heap()
        return done

    def remind(session, now):
        return send_expiry_reminders(session, config=resolve(), now=now)

    def cleanup(session, now):
        return remove_old_bulk_results(resolve(), now_ts=now.timestamp())

    return [
        Job("certificates.issue", timedelta(minutes=1), issue, lease=timedelta(minutes=5)),
        Job("certificates.render_pdfs", timedelta(minutes=2), render, lease=timedelta(minutes=10)),
        Job("certificates.expiry_reminders", timedelta(hours=6), remind, lease=timedelta(minutes=10)),
        Job("certificates.bulk_cleanup", timedelta(hours=1), cleanup, lease=timedelta(minutes=5)),
    ]
