import threading
from datetime import timedelta

from core.db import make_engine, make_session_factory
from core.jobs import HEARTBEAT, Job, claim, run_if_due, scheduler_health
from core.models import JobLease
from tests.factories import NOW


def test_two_schedulers_started_together_run_a_job_once(database_url):
    runs = []
    job = Job("test.count", timedelta(minutes=10), lambda session, now: runs.append(now))
    factories = [make_session_factory(make_engine(database_url)) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def scheduler(i):
        barrier.wait()
        results.append(run_if_due(factories[i], job, holder=f"s{i}", clock=lambda: NOW))

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs) == 1
    assert sorted(results) == [False, True]


def test_a_job_is_due_again_after_its_interval(session, engine):
    factory = make_session_factory(engine)
    runs = []
    job = Job("test.interval", timedelta(minutes=1), lambda s, now: runs.append(now))
    assert run_if_due(factory, job, holder="a", clock=lambda: NOW)
    assert not run_if_due(factory, job, holder="a", clock=lambda: NOW + timedelta(seconds=30))
    assert run_if_due(factory, job, holder="b", clock=lambda: NOW + timedelta(minutes=1))
    assert len(runs) == 2


def test_a_lease_held_by_a_live_scheduler_blocks_others_until_it_expires(engine):
    factory = make_session_factory(engine)
    job = Job("test.lease", timedelta(seconds=1), lambda s, now: None, lease=timedelta(minutes=5))
    assert claim(factory, job, holder="crashed", now=NOW)  # claimed, never finished
    assert not claim(factory, job, holder="other", now=NOW + timedelta(minutes=1))
    assert claim(factory, job, holder="other", now=NOW + timedelta(minutes=6))


def test_a_failing_job_records_its_error_and_keeps_the_schedule(engine, session):
    factory = make_session_factory(engine)

    def boom(s, now):
        raise RuntimeError("disk full")

    job = Job("test.fail", timedelta(minutes=1), boom)
    assert run_if_due(factory, job, holder="a", clock=lambda: NOW) is False
    lease = session.get(JobLease, "test.fail")
    assert "disk full" in lease.last_error and lease.next_run_at == NOW + timedelta(minutes=1)


def test_scheduler_health_follows_the_heartbeat(engine, session):
    factory = make_session_factory(engine)
    assert not scheduler_health(session, now=NOW).is_healthy
    session.rollback()  # end the read so the scheduler's connection may write (SQLite)
    run_if_due(factory, Job(HEARTBEAT, timedelta(seconds=30), lambda s, n: None), holder="a", clock=lambda: NOW)
    session.expire_all()
    assert scheduler_health(session, now=NOW + timedelta(seconds=40)).is_healthy
    assert not scheduler_health(session, now=NOW + timedelta(minutes=5)).is_healthy
