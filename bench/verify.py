"""Public verification under load: the QR page and the API lookup, open loop at increasing rates.

    python -m bench.verify --db sqlite
    python -m bench.verify --db postgres --rates 250,500,1000,1500 --step 20

Builds a fresh database (SQLite file or a new PostgreSQL database, dropped afterwards) with ``--workers``
generated workers (``roster.generate``: about 1.4 certificates each, every state represented: valid, expiring,
expired, suspended, revoked, superseded) and an enterprise API key; serves the app with gunicorn (2 workers ×
8 threads) on loopback; then for each offered rate drives, for ``--step`` seconds each, ``GET /verify/<serial>?t=
<token>`` (the page a QR code opens) and ``GET /api/v1/certificates/<serial>`` with the API key, over random
public certificates. The bare one-upsert Flask app (``bench.bare_app``) is driven at the same rates in the same
run. Rate limits are off for the load (every request comes from 127.0.0.1); their cost per request with the
default in-memory storage is measured in process, limits on against off, with a different client address per
request. Budget (DESIGN.md §8): ≥ 1,000 verifications/s at p95 ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.exam_day import WORKER_CLASSES, environment, free_port, make_database, save_result, serve, stop
from bench.floor import drive as drive_requests
from bench.floor import measure as measure_reference
from bench.floor import saturated
from bench.loadgen import run as run_loop


def prepare(env: dict[str, str], workers: int,
            key_used_recently: bool = False) -> tuple[list[tuple[str, str]], str, float]:
    """Schema, generated workers and certificates, an API key; returns the public (serial, token) pairs, the key
    and the in-process cost of the rate limiter per page request (ms)."""
    os.environ.update(env)
    from app import create_app
    from certificates.models import Certificate
    from certificates.status import PUBLIC_STATES
    from core import apikeys
    from core.cli import upgrade_database
    from core.clock import utcnow
    from core.db import transaction
    from core.models import OrgKind, User
    from core.orgs import create_organisation
    from roster.generate import generate_workers

    upgrade_database(env["PREFABSKILLS_DATABASE_URL"])
    app = create_app()
    state = app.extensions["prefabskills"]
    with app.app_context(), state.session_factory() as session, transaction(session):
        report = generate_workers(session, cipher=state.cipher, config=app.extensions["certificates"],
                                  workers=workers, seed=1, now=utcnow())
        print(f"generated {report.workers:,} workers, {report.certificates:,} certificates", flush=True)
        org = create_organisation(session, actor_id=None, kind=OrgKind.ENTERPRISE, name="核验压测企业",
                                  region="云南省昆明市", now=utcnow())
        staff = session.scalar(select(User.id).order_by(User.id).limit(1))
        key, secret = apikeys.create_api_key(session, actor_id=staff, org=org, name="bench", scopes=["verify"],
                                             now=utcnow())
        if key_used_recently:  # diagnosis: authenticate_api_key then has no last_used_at to write
            key.last_used_at = utcnow()
    with state.session_factory() as session:
        targets = session.execute(select(Certificate.serial, Certificate.token)
                                  .where(Certificate.state.in_([str(s) for s in PUBLIC_STATES]))).tuples().all()
    limiter_ms = limiter_cost(targets)
    state.engine.dispose()
    return targets, secret, limiter_ms


def limiter_cost(targets: list[tuple[str, str]], n: int = 500) -> float:
    """Extra CPU time (best of three rounds each) of a page request with rate limits on (in-memory storage,
    one client address per request, as many phones scanning) over the same requests with limits off."""
    from app import create_app
    from core.web import limiter

    os.environ["PREFABSKILLS_RATELIMIT_ENABLED"] = "1"
    app = create_app()
    os.environ["PREFABSKILLS_RATELIMIT_ENABLED"] = "0"
    client = app.test_client()
    serial, token = targets[0]
    statuses = [client.get(f"/verify/{serial}?t={token}", environ_base={"REMOTE_ADDR": "10.255.0.1"}).status_code
                for _ in range(61)]
    assert statuses[-1] == 429, "rate limits are not active: the measurement would be void"
    timings = {}
    for round_ in range(6):
        enabled = bool(round_ % 2)
        limiter.enabled = enabled
        began = time.process_time()
        for i in range(n):
            serial, token = targets[i % len(targets)]
            client.get(f"/verify/{serial}?t={token}",
                       environ_base={"REMOTE_ADDR": f"10.{round_}.{i // 250}.{i % 250}"})
        spent = (time.process_time() - began) / n * 1000
        timings[enabled] = min(timings.get(enabled, spent), spent)
    limiter.enabled = False
    app.extensions["prefabskills"].engine.dispose()
    return round(timings[True] - timings[False], 2)


async def drive(port: int, paths: list[str], rate: float, duration: float, headers: dict | None = None,
                server_pid: int | None = None) -> dict:
    """Open loop (``bench.floor.drive``): GET over ``paths`` at ``rate`` for ``duration`` s, a new connection per
    request, each timed from the moment it was due; with ``server_pid``, the CPU each part used per request."""
    return await drive_requests(port, lambda n: ("GET", paths[n % len(paths)], headers, None), rate, duration,
                                server_pid)


def run(env: dict[str, str], targets: list[tuple[str, str]], secret: str, rates: list[float],
        step: float, worker_class: str = "gthread") -> dict:
    rng = random.Random(3)
    picked = rng.sample(targets, min(len(targets), 5000))
    pages = [f"/verify/{serial}?t={token}" for serial, token in picked]
    api = [f"/api/v1/certificates/{serial}" for serial, _t in picked]
    key = {"Authorization": f"Bearer {secret}"}
    out = {"page": [], "api": [], "bare": []}
    port = free_port()
    server = serve("app:create_app()", env, port, worker_class)
    try:
        run_loop(drive(port, pages, 100, 5))  # warm-up: imports, templates, connections
        run_loop(drive(port, api, 100, 5, key))
        for rate in rates:
            for name, paths, headers in (("page", pages, None), ("api", api, key)):
                if out[name] and saturated(out[name][-1]):
                    continue  # a higher rate only piles up the same queue
                out[name].append(run_loop(drive(port, paths, rate, step, headers, server.pid)))
                print(f"{rate:g}/s {name}: {out[name][-1]}", flush=True)
                time.sleep(3)  # let the server finish what the client gave up on
    finally:
        stop(server)
    out["bare"] = measure_reference(env, "upsert", rates, step, worker_class)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--rates", default="100,200,300,500,1000,1500",
                        help="offered requests/s, comma-separated; an endpoint stops at its first saturated rate")
    parser.add_argument("--step", type=float, default=15, help="seconds per rate and endpoint")
    parser.add_argument("--key-used-recently", action="store_true",
                        help="diagnosis: the API key's last use is recent, so no request writes it")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default="gthread",
                        help="gunicorn's worker class (comparison only; production runs gthread)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="prefab-bench-verify-"))
    url, drop = make_database(args.db, workdir)
    try:
        env = environment(url, workdir)
        targets, secret, limiter_ms = prepare(env, args.workers, args.key_used_recently)
        load_before = os.getloadavg()[0]
        results = run(env, targets, secret, rates, args.step, args.worker_class)
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "db": args.db,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load_avg_1m_before": round(load_before, 2), "load_avg_1m_after": round(os.getloadavg()[0], 2),
               "certificates": len(targets), "step_s": args.step, "worker_class": args.worker_class,
               "key_used_recently": args.key_used_recently,
               "limiter_cost_ms": limiter_ms, **results}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    for rate in rates:
        cells = []
        for name in ("page", "api", "bare"):
            r = next((r for r in results[name] if r["offered"] == rate), None)
            cells.append("saturated below" if r is None else
                         f"{r['served_per_s']:g}/s, p50 {r['p50_ms']} / p95 {r['p95_ms']} ms"
                         + (f", {r['errors']} errors" if r["errors"] else ""))
        print(f"| {args.db}, {rate:g}/s offered | " + " | ".join(cells) + " |")
    save_result(f"verify_{args.db}", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
