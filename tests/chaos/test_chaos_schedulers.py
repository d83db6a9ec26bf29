"""Two app processes and two scheduler processes (``flask jobs run``) start together on one PostgreSQL
database, while candidates press "submit" on both apps at once. Each attempt is submitted exactly once (by
its candidate or by one sweeper), each passed assessment and completed course gets exactly one certificate,
serial numbers have no gaps or duplicates, and the audit chain stays intact."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from certificates.models import Certificate, SerialCounter, SourceType
from certificates.serials import parse_serial
from core.audit import verify_chain
from core.clock import utcnow
from core.models import AuditEvent, JobLease
from exams.attempts import clear_caches, save_answer, start_attempt, submit_attempt
from exams.models import Attempt, AttemptEvent, Paper, SubmittedBy
from lms.models import Enrolment, QuestionVersion
from tests.certificates.cert_world import practical_setup, score_practical
from tests.chaos.harness import POSTGRES_PASS_ONLY, SHARED_PG_URL, call, wait_until
from tests.exams.world import build_world
from tests.factories import PASSWORD

pytestmark = POSTGRES_PASS_ONLY

PASSED, OVERDUE, FINISHING = 3, 4, 2
JOBS = ("exams.sweep_overdue", "certificates.issue")


def build(session, cipher, tmp_path):
    """Candidates who passed theory and practical; candidates whose attempt ran out an hour ago unsubmitted;
    candidates still within their time. Returns, per attempt, its role and phone number, and the passed
    registrations."""
    now = utcnow()
    starts_at = now - timedelta(hours=2)
    world = build_world(session, cipher, tmp_path, candidates=PASSED + OVERDUE + FINISHING, starts_at=starts_at,
                        duration_s=1800, window_s=3 * 3600)
    practical = practical_setup(session, cipher, world)
    roles, passed = {}, set()
    for n, user in enumerate(world.candidates):
        role = "passed" if n < PASSED else "overdue" if n < PASSED + OVERDUE else "finishing"
        started_at = now - timedelta(minutes=1) if role == "finishing" else starts_at + timedelta(minutes=1)
        attempt = start_attempt(session, exam_session=world.exam_session, candidate=user, device_id="d",
                                now=started_at).attempt
        for seq, item in enumerate(session.get(Paper, attempt.paper_id).items, start=1):
            save_answer(session, attempt_id=attempt.id, candidate=user, question_version_id=item["q"],
                        response=session.get(QuestionVersion, item["q"]).spec["answer"], seq=seq, device_id="d",
                        now=started_at + timedelta(seconds=30), grace_s=60)
        if role == "passed":
            submit_attempt(session, attempt_id=attempt.id, by=SubmittedBy.CANDIDATE,
                           now=starts_at + timedelta(minutes=3))
            score_practical(session, practical, user)
            passed.add(session.get(Paper, attempt.paper_id).registration_id)
        roles[attempt.id] = (role, cipher.decrypt(user.phone_enc, purpose="phone"))
    session.commit()
    return roles, passed


def submit_on_both_apps(apps, attempt_id: int, phone: str, replies: list) -> None:
    _status, body = call(apps[0].url, "POST", "/api/v1/auth/token", {"phone": phone, "password": PASSWORD})
    barrier = threading.Barrier(len(apps))

    def press(app) -> None:
        barrier.wait()
        replies.append((attempt_id, *call(app.url, "POST", f"/api/v1/attempts/{attempt_id}/submission", {},
                                          token=body["token"], timeout=30)))

    threads = [threading.Thread(target=press, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


def test_two_apps_and_two_schedulers_submit_each_attempt_and_certify_each_source_once(rig, tmp_path):
    url = rig.database(SHARED_PG_URL)
    session = rig.session(url)
    clear_caches()  # the attempts module caches rows by id: these are this database's ids
    roles, passed_registrations = build(session, rig.cipher(url), tmp_path / "bank")
    enrolments = {e.id for e in session.scalars(select(Enrolment).where(Enrolment.completed_at.is_not(None)))}
    session.rollback()

    apps = [rig.app_server(url, workers=1, start=False) for _ in range(2)]
    for app in apps:
        app.launch()
    schedulers = [rig.scheduler(url), rig.scheduler(url)]
    for app in apps:
        app.wait_ready()
    # Two phones press "submit" at once on different app processes: the finishing candidates, and one
    # overdue candidate who races the sweepers as well.
    pressing = [a for a, (role, _) in roles.items() if role == "finishing"]
    pressing.append(next(a for a, (role, _) in roles.items() if role == "overdue"))
    replies: list = []
    racers = [threading.Thread(target=submit_on_both_apps, args=(apps, a, roles[a][1], replies)) for a in pressing]
    for t in racers:
        t.start()

    def all_done() -> bool:
        submitted = session.query(Attempt).filter(Attempt.submitted_at.is_not(None)).count()
        runs = [x.runs for x in session.scalars(select(JobLease).where(JobLease.name.in_(JOBS)))]
        certified = session.query(Certificate).count()
        session.rollback()
        return submitted == len(roles) and len(runs) == len(JOBS) and all(runs) and \
            certified == PASSED + len(enrolments)

    wait_until(all_done, timeout=150, interval=0.5, what="both sweepers have run and every attempt is submitted")
    for t in racers:
        t.join(timeout=60)
    assert all(s.is_running() for s in schedulers), "a scheduler died"
    for process in (*schedulers, *apps):
        process.stop()

    assert [(a, status) for a, status, _body in replies if status != 200] == []
    assert len(replies) == 2 * len(pressing)
    kinds = defaultdict(list)
    for event in session.scalars(select(AttemptEvent).where(AttemptEvent.kind.in_(("submit", "auto_submit")))):
        kinds[event.attempt_id].append(event)
    attempts = {a.id: a for a in session.scalars(select(Attempt))}
    assert {a: len(events) for a, events in kinds.items()} == dict.fromkeys(attempts, 1), "submitted twice"
    for attempt_id, (role, _phone) in roles.items():
        attempt, (event,) = attempts[attempt_id], kinds[attempt_id]
        assert attempt.status == "submitted" and attempt.percent == Decimal(event.details["percent"])
        assert attempt.submitted_by == ("sweeper" if event.kind == "auto_submit" else "candidate")
        if role != "overdue":
            assert event.kind == "submit"
    for attempt_id, _status, body in replies:  # both presses got the one stored result
        assert body["status"] == "submitted" and body["attempt_id"] == attempt_id

    certificates = session.scalars(select(Certificate)).all()
    sources = Counter((c.source_type, c.source_id, c.generation) for c in certificates)
    assert [s for s, n in sources.items() if n > 1] == [], "a source was certified twice"
    assert set(sources) == ({(SourceType.REGISTRATION, r, 0) for r in passed_registrations}
                            | {(SourceType.ENROLMENT, e, 0) for e in enrolments})
    sequences = defaultdict(list)
    for c in certificates:
        serial = parse_serial(c.serial)
        sequences[f"{serial.year}-{serial.skill}"].append(serial.sequence)
    counters = {c.scope: c.last_value for c in session.scalars(select(SerialCounter))}
    assert {scope: sorted(seqs) for scope, seqs in sequences.items()} == \
        {scope: list(range(1, last + 1)) for scope, last in counters.items()}, "serials have gaps or duplicates"
    issued = Counter(e.target for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.issued")))
    assert issued == Counter(f"certificate:{c.id}" for c in certificates)
    assert verify_chain(session).ok
    leases = session.scalars(select(JobLease).where(JobLease.name.in_(JOBS))).all()
    assert [(x.name, x.last_error) for x in leases if x.last_error] == []
    print(f"chaos schedulers: submitted by {Counter(a.submitted_by for a in attempts.values())}, "
          f"job runs {({x.name: x.runs for x in leases})}, certificates {len(certificates)}")
    clear_caches()
