"""What this machine can serve at all: the HTTP floor under the budgets of DESIGN.md §8.

    python -m bench.floor --db postgres
    python -m bench.floor --db postgres --worker-class sync --rates 500,1000

Serves two reference apps with gunicorn (2 workers, as ``bench.exam_day`` and ``bench.verify`` serve the real
one) on loopback and drives each with the same open-loop generator (``bench.loadgen``, a new connection per
request, latency from the moment a request was due) at rising rates:

- ``hello``: a WSGI callable with no framework and no database (``bench.bare_app.hello``): the server, the kernel
  and the generator, nothing else;
- ``upsert``: the bare Flask endpoint doing one upsert (``bench.bare_app.create_app``), the reference the exam
  day's saves are compared with.

If ``hello`` misses the verification budget (1,000/s at p95 ≤ 20 ms) or ``upsert`` the save budget (500/s at
p95 ≤ 50 ms), no application served this way on this machine can meet it. Prints a JSON summary and Markdown rows,
and the CPU time of a fixed pure-Python loop, so that runs on different days (or machines) can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from bench.bare_app import upsert_request
from bench.cpu import CpuMeter
from bench.exam_day import WORKER_CLASSES, environment, free_port, make_database, pct, save_result, serve, stop
from bench.loadgen import HttpPool, fire, run

TARGETS = {"hello": "bench.bare_app:hello", "upsert": "bench.bare_app:create_app()"}


def python_speed_s() -> float:
    """CPU seconds of a fixed pure-Python loop (best of three): compares this machine with the one of another day."""
    best = float("inf")
    for _ in range(3):
        began, total = time.process_time(), 0
        for i in range(5_000_000):
            total += i * i
        best = min(best, time.process_time() - began)
    return round(best, 3)


def request_for(name: str):
    if name == "hello":
        return lambda n: ("GET", "/", None, None)
    return upsert_request


async def drive(port: int, make_request, rate: float, duration: float, server_pid: int | None = None) -> dict:
    """Open loop (``bench.loadgen.fire``): ``make_request(n)`` every 1/rate s for ``duration`` s whatever the answers
    do, a new connection each, timed from the moment it was due; with ``server_pid``, the CPU each part used."""
    pool = HttpPool("127.0.0.1", port, max_connections=256, timeout_s=10, keep_alive=False)
    meter = CpuMeter(server_pid).start() if server_pid else None
    began = time.perf_counter()
    replies = await fire(pool, make_request, rate, duration)
    elapsed = time.perf_counter() - began
    if meter is not None:
        meter.stop()
    await pool.close()
    latencies = [r.latency_s for r in replies if r.status == 200]
    out = {"offered": rate, "sent": len(replies), "served_per_s": round(len(latencies) / elapsed, 1),
           "p50_ms": round(pct(latencies, 50), 1), "p95_ms": round(pct(latencies, 95), 1),
           "p99_ms": round(pct(latencies, 99), 1), "errors": len(replies) - len(latencies)}
    if meter is not None:
        out["cpu"] = meter.per_request_ms(len(replies))
    return out


def saturated(result: dict) -> bool:
    """Served clearly below the offered rate, or answers queued for a second and more."""
    return result["served_per_s"] < 0.9 * result["offered"] or result["p95_ms"] > 1000


def measure(env: dict[str, str], name: str, rates: list[float], step: float, worker_class: str) -> list[dict]:
    """Serve one reference app and drive it at each rate in turn, up to its first saturated rate."""
    if name == "upsert":
        from bench.bare_app import metadata

        engine = create_engine(env["PREFABSKILLS_DATABASE_URL"])
        metadata.create_all(engine)  # before the two workers start: they would race to create it
        engine.dispose()
    port = free_port()
    server = serve(TARGETS[name], env, port, worker_class)
    rows = []
    try:
        run(drive(port, request_for(name), 100, 3, None))  # warm-up: imports, connections
        for rate in rates:
            rows.append(run(drive(port, request_for(name), rate, step, server.pid)))
            print(f"{name} {rate:g}/s: {rows[-1]}", flush=True)
            if saturated(rows[-1]):
                break  # a higher rate only piles up the same queue
            time.sleep(3)  # let the server finish what the client gave up on
    finally:
        stop(server)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rates", default="250,500,1000,1500", help="offered requests/s, comma-separated")
    parser.add_argument("--step", type=float, default=15, help="seconds per rate")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default="gthread")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="prefab-bench-floor-"))
    url, drop = make_database(args.db, workdir)
    try:
        env = environment(url, workdir)
        load_before = round(os.getloadavg()[0], 2)
        speed = python_speed_s()
        results = {name: measure(env, name, rates, args.step, args.worker_class) for name in TARGETS}
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "db": args.db,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "python_loop_5m_s": speed, "worker_class": args.worker_class, "step_s": args.step,
               "load_avg_1m_before": load_before, "load_avg_1m_after": round(os.getloadavg()[0], 2), **results}
    print(json.dumps(summary, indent=2))
    print(f"pure-Python reference loop: {speed} s")
    for name, rows in results.items():
        for r in rows:
            cpu = r.get("cpu", {})
            print(f"| {name}, {args.worker_class}, {args.db} | {r['offered']:g}/s | {r['served_per_s']:g}/s | "
                  f"{r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} ms | {r['errors']} | "
                  f"{cpu.get('server_ms')} / {cpu.get('postgres_ms')} / {cpu.get('generator_ms')} ms, "
                  f"{cpu.get('cores_busy')} cores |")
    save_result(f"floor_{args.db}_{args.worker_class}", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
