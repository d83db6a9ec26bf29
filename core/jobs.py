"""Jobs machinery: one scheduler process, leases so a second scheduler never runs a job twice.

Each job has a row in ``core_job_leases``. A scheduler claims a due run with one conditional UPDATE
(due and not leased by anyone else); only the process whose UPDATE changed the row runs the job.
Every job must be idempotent anyway: a crash after the work but before the lease is released means
the job runs again once the lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from core.db import transaction
from core.models import JobLease

log = logging.getLogger(__name__)

HEARTBEAT = "core.heartbeat"


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    run: Callable[[Session, datetime], object]
    lease: timedelta = timedelta(minutes=5)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _ensure_row(factory: sessionmaker[Session], job: Job, now: datetime) -> None:
    with factory() as session:
        if session.get(JobLease, job.name) is None:
            try:
                with transaction(session):
                    session.add(JobLease(name=job.name, next_run_at=now))
            except IntegrityError:
                pass  # another scheduler created it first


def claim(factory: sessionmaker[Session], job: Job, *, holder: str, now: datetime) -> bool:
    """Atomically take the due run of ``job``; True for exactly one claimant per run."""
    _ensure_row(factory, job, now)
    with factory() as session, transaction(session):
        result = session.execute(
            update(JobLease)
            .where(JobLease.name == job.name, JobLease.next_run_at <= now,
                   (JobLease.leased_until.is_(None)) | (JobLease.leased_until < now))
            .values(holder=holder, leased_until=now + job.lease, last_started_at=now)
        )
        return result.rowcount == 1


def run_if_due(factory: sessionmaker[Session], job: Job, *, holder: str,
               clock: Callable[[], datetime] = utcnow) -> bool:
    """Run ``job`` in its own transaction if this process wins the claim. Returns whether it ran."""
    now = clock()
    if not claim(factory, job, holder=holder, now=now):
        return False
    error = None
    try:
        with factory() as session, transaction(session):
            job.run(session, now)
    except Exception as exc:  # a failing job must not kill the scheduler
        log.exception("job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    with factory() as session, transaction(session):
        lease = session.get(JobLease, job.name)
        lease.holder = None
        lease.leased_until = None
        lease.last_finished_at = clock()
        lease.next_run_at = now + job.interval
        lease.last_error = error
        lease.runs += 1
    return error is None


def heartbeat(session: Session, now: datetime) -> None:
    """Proves the scheduler is alive; its lease row's ``last_finished_at`` is the pulse."""


HEARTBEAT_JOB = Job(HEARTBEAT, timedelta(seconds=30), heartbeat, lease=timedelta(seconds=60))


@dataclass(frozen=True)
class SchedulerHealth:
    is_healthy: bool
    last_beat_at: datetime | None
    jobs: list[JobLease]


def scheduler_health(session: Session, *, now: datetime) -> SchedulerHealth:
    leases = list(session.scalars(select(JobLease).order_by(JobLease.name)))
    beat = next((lease.last_finished_at for lease in leases if lease.name == HEARTBEAT), None)
    return SchedulerHealth(beat is not None and now - beat < timedelta(minutes=2), beat, leases)


def run_scheduler(factory: sessionmaker[Session], jobs: Sequence[Job], *, holder: str | None = None) -> None:
    """Block forever, running each job when due. Start exactly one per deployment (``flask jobs run``)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    holder = holder or default_holder()
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise
    scheduler = BlockingScheduler(timezone="UTC")
    for job in jobs:
        # Tick more often than the interval: the lease row, not the tick, decides when it is due.
        tick = max(5, min(60, int(job.interval.total_seconds() // 2) or 5))
        scheduler.add_job(run_if_due, "interval", seconds=tick, args=[factory, job], kwargs={"holder": holder},
                          id=job.name, max_instances=1, coalesce=True, next_run_time=utcnow())
    log.info("scheduler %s running %d jobs", holder, len(jobs))
    scheduler.start()
