"""Exam-day load test: candidates start within a window, answer a question every 10 s, and submit.

    python -m bench.exam_day --db sqlite --candidates 1000 --duration 60
    python -m bench.exam_day --db postgres --candidates 1000 --duration 60

It builds a fresh database (SQLite file or a new PostgreSQL database), a question bank, an exam, a
session and N registered candidates with papers; serves the app with gunicorn (2 workers) on loopback;
drives the real API with an open-loop generator (``bench.loadgen``, raw asyncio: about a third of aiohttp's CPU
per request, which matters when it shares the two cores with the app); then serves the bare one-upsert Flask app the
same way and measures it with the same generator. Prints a JSON summary and a Markdown row.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.cpu import CpuMeter
from bench.loadgen import HttpPool, fire, run

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("PREFABSKILLS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_database(kind: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    name = f"prefab_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def environment(url: str, workdir: Path) -> dict[str, str]:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return {**os.environ, "PREFABSKILLS_DATABASE_URL": url, "PREFABSKILLS_INSTANCE_PATH": str(workdir),
            "PREFABSKILLS_SECRET_KEY": secrets.token_urlsafe(32), "PREFABSKILLS_PII_KEYS": f"b1:{key}",
            "PREFABSKILLS_PII_HASH_KEY": key, "PREFABSKILLS_RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}


def prepare(env: dict[str, str], candidates: int, workdir: Path) -> list[dict]:
    """Schema, bank, exam, session, candidates with papers; returns their tokens and session id."""
    os.environ.update(env)
    from app import create_app
    from core import accounts
    from core.api import issue_token
    from core.cli import upgrade_database
    from core.clock import utcnow
    from core.db import transaction
    from core.identity import id_check_char
    from core.models import OrgKind, User
    from core.orgs import create_organisation
    from exams.models import Registration, RegistrationStatus
    from exams.papers import create_exam, generate_papers
    from exams.sessions import create_session
    from lms.content import load_all
    from lms.sync import sync_courses

    upgrade_database(env["PREFABSKILLS_DATABASE_URL"])
    app = create_app()
    state = app.extensions["prefabskills"]
    bank = workdir / "content"
    write_bank(bank)
    now = utcnow()
    out = []
    with app.test_request_context(), state.session_factory() as session, transaction(session):
        sync_courses(session, load_all(bank), now=now, media_url=lambda s, n: "")
        from lms.models import Course

        course = session.query(Course).one()
        base = create_organisation(session, actor_id=None, kind=OrgKind.TRAINING_BASE, name="压测基地", region="",
                                   now=now)
        exam = create_exam(session, org_id=base.id, course_id=course.id, title="压测考试", level="五级",
                           blueprint=[{"topic": "t1", "count": 25, "points": "2"},
                                      {"topic": "t2", "count": 25, "points": "2"}], duration_s=3 * 3600, now=now)
        exam_session = create_session(session, exam=exam, starts_at=now - timedelta(minutes=5),
                                      ends_at=now + timedelta(hours=4), capacity=candidates, now=now)
        password_hash = accounts.hash_password("Bench12345")
        for n in range(candidates):
            first17 = f"1101051990{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
            user = User(name="考生", password_hash=password_hash, created_at=now, consent_at=now)
            accounts.set_phone(user, f"136{n:08d}", state.cipher)
            accounts.set_id_number(user, first17 + id_check_char(first17), state.cipher)
            session.add(user)
            session.flush()
            session.add(Registration(session_id=exam_session.id, user_id=user.id,
                                     status=RegistrationStatus.REGISTERED, created_at=now))
            token, _ = issue_token(user, now=now)
            out.append({"token": token, "session_id": exam_session.id})
        session.flush()
        generate_papers(session, exam_session=exam_session, now=now)
    state.engine.dispose()
    return out


def write_bank(root: Path) -> None:
    course = root / "benchbank"
    (course / "lessons").mkdir(parents=True, exist_ok=True)
    (course / "questions").mkdir(exist_ok=True)
    (course / "course.yaml").write_text("slug: benchbank\ntitle: 压测题库\n", encoding="utf-8")
    for t in ("t1", "t2"):
        (course / "lessons" / f"0{t[1]}-{t}.md").write_text(
            f"---\ntitle: {t}\nminutes: 5\ntopic: {t}\n---\n正文\n\n:::redline 红线\n- 注意\n:::\n", encoding="utf-8")
        lines = [f"topic: {t}", f"lesson: 0{t[1]}-{t}", "questions:"]
        for i in range(40):
            lines += [f"  - id: {t}-{i}", "    kind: single", "    facts: [H1]", f"    stem: 题目{t}-{i}",
                      "    options: {A: 甲, B: 乙, C: 丙, D: 丁}", "    answer: B", "    explanation: 因为",
                      "    clause: 条款"]
        (course / "questions" / f"{t}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


WORKER_CLASSES = ("gthread", "sync", "gevent")


def serve(target: str, env: dict[str, str], port: int, worker_class: str = "gthread") -> subprocess.Popen:
    """gunicorn with 2 workers on loopback: ``gthread`` with 8 threads each as deployed (docs/OPERATIONS.md); the
    other classes are for comparison (``gevent`` needs the package installed, it is not a dependency)."""
    threads = ["--threads", "8"] if worker_class == "gthread" else []
    ready = Path(tempfile.mkdtemp(prefix="prefab-bench-ready-"))
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", worker_class, *threads, "-b", f"127.0.0.1:{port}",
           "-c", "python:bench.gunicorn_ready", "--log-level", "warning", "--timeout", "60", target]
    proc = subprocess.Popen(cmd, env={**env, "BENCH_READY_DIR": str(ready)}, cwd=ROOT, start_new_session=True)
    deadline = time.time() + 60
    try:
        while time.time() < deadline:  # both workers have loaded the app, not only the master's port is open
            if len(list(ready.iterdir())) >= 2 and _accepts(port):
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        shutil.rmtree(ready, ignore_errors=True)
    raise RuntimeError(f"{target} did not start")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def save_result(name: str, summary: dict) -> Path:
    """Write a run's JSON summary to ``bench/results/<name>.json`` (gitignored) and return the path."""
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{name}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return path


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


async def run_exam_day(port: int, people: list[dict], start_window: float, duration: float,
                       server_pid: int | None = None) -> dict:
    """Every candidate starts at a random moment of the window, then saves an answer every 10 s on a fixed
    schedule (latency counts from the scheduled moment, so a slow server cannot slow the offered load) while
    the page's clock poll runs as ``core/static/exam.js`` runs it: every 10 s, skipped when a save reply came in
    the last 9.5 s; after the answering time each hands in at a random moment of a window as long as the start's."""
    starts, saves, steady, clocks, submits, errors = [], [], [], [], [], []
    pool = HttpPool("127.0.0.1", port, max_connections=512, timeout_s=30, keep_alive=False)
    t0 = time.perf_counter()
    steady_from, end = t0 + start_window + 10, t0 + start_window + duration
    meter = CpuMeter(server_pid) if server_pid else None

    async def measure_steady() -> None:
        await asyncio.sleep(max(0.0, steady_from - time.perf_counter()))
        meter.start()
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        meter.stop()

    async def candidate(person: dict) -> None:
        await asyncio.sleep(random.uniform(0, start_window))
        auth = {"Authorization": f"Bearer {person['token']}", "Content-Type": "application/json"}
        reply = await pool.request("POST", f"/api/v1/exam-sessions/{person['session_id']}/attempt", auth,
                                   b'{"device_id": "b"}')
        starts.append(reply.latency_s)
        if reply.status != 200:
            errors.append(("start", reply.status or reply.error))
            return
        body = json.loads(reply.body)
        opened, heard = time.perf_counter(), [0.0]  # heard: when the server last told the page its clock

        async def clock_poll() -> None:
            tick = opened
            while True:
                tick += 10
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                if time.perf_counter() >= end:
                    return
                if time.perf_counter() - heard[0] < 9.5:
                    continue
                answer = await pool.request("GET", f"/api/v1/attempts/{body['attempt_id']}?view=clock", auth)
                if answer.status == 200:
                    heard[0] = time.perf_counter()
                    clocks.append(answer.latency_s)
                else:
                    errors.append(("clock", answer.status or answer.error))

        poller = asyncio.create_task(clock_poll())
        questions, seq, due = body["questions"], 0, opened + random.uniform(0, 10)
        while due < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            seq += 1
            q = questions[seq % len(questions)]
            payload = json.dumps({"response": random.choice("ABCD"), "seq": seq, "device_id": "b"}).encode()
            answer = await pool.request("PUT", f"/api/v1/attempts/{body['attempt_id']}/answers/{q['id']}", auth,
                                        payload, scheduled_at=due)
            if answer.status == 200:
                heard[0] = time.perf_counter()
                saves.append(answer.latency_s)
                if due >= steady_from:  # every candidate has started and is saving
                    steady.append(answer.latency_s)
            else:
                errors.append(("save", answer.status or answer.error))
            due += 10
        await poller
        # Hand in at a random moment of a window as long as the start window (people finish at their own pace).
        await asyncio.sleep(max(0.0, end + random.uniform(0, start_window) - time.perf_counter()))
        answer = await pool.request("POST", f"/api/v1/attempts/{body['attempt_id']}/submission", auth)
        (submits.append(answer.latency_s) if answer.status == 200
         else errors.append(("submit", answer.status or answer.error)))

    tasks = [asyncio.create_task(candidate(p)) for p in people]
    if meter is not None:
        tasks.append(asyncio.create_task(measure_steady()))
    await asyncio.gather(*tasks)
    await pool.close()
    return {"starts": starts, "saves": saves, "steady": steady, "clocks": clocks, "submits": submits, "errors": errors,
            "save_window_s": duration, "cpu": meter.per_request_ms(len(steady)) if meter else None}


async def run_bare(port: int, rate: float, duration: float) -> dict:
    """The bare app's upsert (PUT /bare/<key>) offered at ``rate`` for ``duration`` s, open loop."""
    from bench.bare_app import upsert_request

    pool = HttpPool("127.0.0.1", port, max_connections=512, timeout_s=30, keep_alive=False)
    began = time.perf_counter()
    replies = await fire(pool, upsert_request, rate, duration)
    elapsed = time.perf_counter() - began
    await pool.close()
    return {"latencies": [r.latency_s for r in replies if r.status == 200],
            "errors": [r.status or r.error for r in replies if r.status != 200], "elapsed": elapsed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--start-window", type=float, default=60)
    parser.add_argument("--duration", type=float, default=60, help="seconds of answering after the start window")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default="gthread",
                        help="gunicorn's worker class for the app and the bare endpoint (comparison only)")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workdir = Path(tempfile.mkdtemp(prefix="prefab-bench-"))
    url, drop = make_database(args.db, workdir)
    try:
        env = environment(url, workdir)
        people = prepare(env, args.candidates, workdir)
        port = free_port()
        server = serve("app:create_app()", env, port, args.worker_class)
        load_before = round(os.getloadavg()[0], 2)
        try:
            day = run(run_exam_day(port, people, args.start_window, args.duration, server.pid))
        finally:
            stop(server)
        bare_port = free_port()
        bare_server = serve("bench.bare_app:create_app()", env, bare_port, args.worker_class)
        try:
            bare = run(run_bare(bare_port, args.candidates / 10, 20))
        finally:
            stop(bare_server)
    finally:
        drop()
    summary = {
        "db": args.db, "candidates": args.candidates, "cores": os.cpu_count(), "worker_class": args.worker_class,
        "starts": len(day["starts"]), "start_p95_ms": round(pct(day["starts"], 95), 1),
        "saves": len(day["saves"]), "saves_per_s": round(len(day["saves"]) / (args.start_window + args.duration), 1),
        "offered_saves_per_s": round(args.candidates / 10, 1),
        "save_p50_ms": round(pct(day["saves"], 50), 1), "save_p95_ms": round(pct(day["saves"], 95), 1),
        "save_p99_ms": round(pct(day["saves"], 99), 1), "errors": len(day["errors"]),
        # saves sent once every candidate had started (from start window + 10 s to the end): the sustained rate
        "steady_saves_per_s": round(len(day["steady"]) / max(1.0, args.duration - 10), 1),
        "steady_p50_ms": round(pct(day["steady"], 50), 1), "steady_p95_ms": round(pct(day["steady"], 95), 1),
        "steady_p99_ms": round(pct(day["steady"], 99), 1),
        "clock_polls": len(day["clocks"]), "clock_p95_ms": round(pct(day["clocks"], 95), 1),
        "submitted": len(day["submits"]), "submit_p95_ms": round(pct(day["submits"], 95), 1),
        "steady_cpu_per_save": day["cpu"],
        "bare_per_s": round(len(bare["latencies"]) / bare["elapsed"], 1),
        "bare_p95_ms": round(pct(bare["latencies"], 95), 1), "bare_errors": len(bare["errors"]),
    }
    summary["p95_ratio_to_bare"] = round(summary["save_p95_ms"] / summary["bare_p95_ms"], 2) \
        if summary["bare_p95_ms"] else None
    summary.update(date=started, load_avg_1m_before=load_before, load_avg_1m_after=round(os.getloadavg()[0], 2))
    print(json.dumps(summary, indent=2))
    cpu = summary["steady_cpu_per_save"] or {}
    print(f"| {args.db}, {args.candidates:,} candidates, {started} | {summary['starts']:,} "
          f"(p95 {summary['start_p95_ms']} ms) | {summary['steady_saves_per_s']}/s, "
          f"{summary['steady_p50_ms']} / {summary['steady_p95_ms']} / {summary['steady_p99_ms']} ms | "
          f"{summary['clock_polls']:,} (p95 {summary['clock_p95_ms']} ms) | {summary['submitted']:,} "
          f"(p95 {summary['submit_p95_ms']} ms) | {summary['errors']} | {summary['bare_p95_ms']} ms at "
          f"{summary['bare_per_s']}/s | {cpu.get('server_ms')} / {cpu.get('postgres_ms')} / "
          f"{cpu.get('generator_ms')} ms, "
          f"{cpu.get('cores_busy')} cores | {load_before} → {summary['load_avg_1m_after']} |")
    save_result(f"exam_day_{args.db}_{args.candidates}", summary)
    if day["errors"]:
        print("first errors:", day["errors"][:5], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
