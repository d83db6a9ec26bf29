"""Talent-roster search at scale: filtered, keyset-paginated search over N generated workers, over HTTP.

    python -m bench.roster_search                      # builds prefab_bench_roster_1m (1,000,000 workers): minutes
    python -m bench.roster_search --reuse              # reuses it (schema upgraded, statistics refreshed)
    python -m bench.roster_search --workers 20000 --db-name prefab_bench_roster_20k --drop
    python -m bench.roster_search --reuse --explain    # EXPLAIN ANALYZE of every filter shape, no load

The database is PostgreSQL, filled by ``flask demo generate --workers N`` (``roster.generate``); its instance
folder (secrets that encrypted the personal data) is ``instance/bench-<db name>``, kept with the database so a
``--reuse`` run can log in. A committee member logs in twice (a bearer token from ``POST /api/v1/auth/token``
and a browser session through the login form); the app runs under gunicorn (2 workers × 8 threads) on loopback;
an open-loop generator (aiohttp) offers ``--rate`` requests/s for ``--duration`` s, 70 % ``GET /api/v1/roster``
and 30 % ``GET /roster`` (HTML), over a mix of filters: skill + level, status, region prefix (province or city),
enterprise, training base, award, eligibility flag, age band, combinations, and deep keyset pages (``after``).
The bare one-upsert Flask app (``bench.bare_app``) is measured the same way in the same run. Budget (DESIGN.md
§8): HTTP p95 ≤ 50 ms with filters and keyset pagination at 1 M workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench.exam_day import PG_ADMIN, ROOT, free_port, pct, run_bare, save_result, serve, stop
from bench.loadgen import run

PHONE, PASSWORD = "13999990001", "Bench12345"
BUDGET_MS = 50


def database_url(name: str) -> str:
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def environment(name: str) -> dict[str, str]:
    """Development settings in a kept instance folder: ``instance/secrets.json`` holds the PII keys."""
    instance = ROOT / "instance" / f"bench-{name}"
    instance.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFABSKILLS_DATABASE_URL": database_url(name), "PREFABSKILLS_INSTANCE_PATH": str(instance),
            "PREFABSKILLS_RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", *args], env=env, cwd=ROOT, check=True)


def build(name: str, workers: int, seed: int, reuse: bool) -> dict[str, str]:
    """Create (or with ``reuse`` keep) the database, bring its schema up to date, refresh planner statistics."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and not reuse:
            raise SystemExit(f"database {name} exists: pass --reuse to use it, or drop it first")
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    env = environment(name)
    flask(env, "db", "upgrade")
    if not exists:
        started = time.perf_counter()
        flask(env, "demo", "generate", "--workers", str(workers), "--seed", str(seed))
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    engine = create_engine(database_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return env


def drop(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def prepare_bare(name: str) -> None:
    """The bare app's table, made before its two workers start (they would race to create it)."""
    from bench.bare_app import metadata

    engine = create_engine(database_url(name))
    metadata.create_all(engine)
    engine.dispose()


def committee_login(env: dict[str, str]) -> None:
    """A committee member with a known password (created once; the database keeps it)."""
    os.environ.update(env)
    from app import create_app
    from core import accounts, orgs
    from core.clock import utcnow
    from core.db import transaction
    from core.models import Organisation, OrgKind, Role, User

    app = create_app()
    state = app.extensions["prefabskills"]
    with app.app_context(), state.session_factory() as session, transaction(session):
        if accounts.find_by_phone(session, state.cipher, PHONE) is None:
            org = session.query(Organisation).filter_by(name="人才库压测专家委员会").one_or_none() or \
                orgs.create_organisation(session, actor_id=None, kind=OrgKind.COMMITTEE, name="人才库压测专家委员会",
                                         region="云南省昆明市", now=utcnow())
            user = User(name="压测专家", password_hash=accounts.hash_password(PASSWORD), created_at=utcnow())
            accounts.set_phone(user, PHONE, state.cipher)
            session.add(user)
            session.flush()
            orgs.grant_role(session, actor_id=None, org=org, user=user, role=Role.COMMITTEE_MEMBER, now=utcnow())
    state.engine.dispose()


def filter_mix(name: str, seed: int) -> list[tuple[str, dict]]:
    """(shape, query parameters) drawn from the data: real skills, enterprises, bases, awards and id ranges."""
    rng = random.Random(seed)
    engine = create_engine(database_url(name))
    with engine.connect() as conn:
        low, high = conn.execute(text("SELECT min(id), max(id) FROM roster_entries")).one()
        enterprises = conn.scalars(text("SELECT enterprise_org_id FROM roster_entries TABLESAMPLE SYSTEM (1) "
                                        "WHERE enterprise_org_id IS NOT NULL LIMIT 500")).all()
        bases = conn.scalars(text("SELECT id FROM core_organisations WHERE kind = 'training_base'")).all()
        regions = conn.scalars(text("SELECT DISTINCT region FROM core_organisations WHERE region <> ''")).all()
        awards = conn.scalars(text("SELECT DISTINCT award FROM roster_awards")).all()
        flags = conn.scalars(text("SELECT DISTINCT flag FROM roster_flags")).all() if _has(conn, "roster_flags") else []
    engine.dispose()
    provinces = sorted({re.match(r"^(.+?(省|自治区|市))", r).group(1) for r in regions})
    skills = ["ASSY", "GROUT", "HOIST", "REBAR", "CONC"]
    shapes = {
        "first page, no filter": lambda: {},
        "skill + level": lambda: {"skill": rng.choice(skills), "level": rng.randint(1, 5)},
        "skill + level + valid": lambda: {"skill": rng.choice(skills), "level": rng.randint(1, 3), "status": "valid"},
        "status": lambda: {"status": rng.choice(["expired", "revoked", "suspended", "pending", "superseded"])},
        "region (province)": lambda: {"region": rng.choice(provinces)},
        "region (city) + skill": lambda: {"region": rng.choice(regions), "skill": rng.choice(skills)},
        "enterprise": lambda: {"enterprise": rng.choice(enterprises)},
        "enterprise + level": lambda: {"enterprise": rng.choice(enterprises), "level": rng.randint(3, 5)},
        "training base": lambda: {"base": rng.choice(bases)},
        "award": lambda: {"award": rng.choice(awards or ["gold"])},
        "flag": lambda: {"flag": rng.choice(flags or ["next_level"])},
        "age band": lambda: {"age_min": (a := rng.choice([20, 30, 40, 50])), "age_max": a + 9},
        "age band + region": lambda: {"age_min": 30, "age_max": 45, "region": rng.choice(provinces)},
        "deep page, no filter": lambda: {"after": rng.randint(low, high)},
        "deep page, skill + level": lambda: {"skill": rng.choice(skills), "level": rng.randint(2, 5),
                                             "after": rng.randint(low, high)},
        "deep page, region": lambda: {"region": rng.choice(provinces), "after": rng.randint(low, high)},
    }
    return [(shape, make()) for _ in range(400) for shape, make in shapes.items()]


def _has(conn, table: str) -> bool:
    return bool(conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}))


async def login(http: aiohttp.ClientSession) -> str:
    async with http.post("/api/v1/auth/token", json={"phone": PHONE, "password": PASSWORD}) as resp:
        token = (await resp.json())["token"]
    async with http.get("/login") as resp:
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', await resp.text()).group(1)
    async with http.post("/login", data={"csrf_token": csrf, "phone": PHONE, "password": PASSWORD},
                         allow_redirects=False) as resp:
        assert resp.status == 302, f"login failed: {resp.status}"
    return token


async def run_search(base: str, mix: list[tuple[str, dict]], rate: float, duration: float) -> dict:
    """Open loop: a request every 1/rate s whatever the answers do; latencies per shape and channel."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list = []
    rng = random.Random(7)
    async with aiohttp.ClientSession(base_url=base, connector=aiohttp.TCPConnector(limit=64),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # cookies for 127.0.0.1
        auth = {"Authorization": f"Bearer {await login(http)}"}

        async def one(shape: str, params: dict, html: bool) -> None:
            began = time.perf_counter()
            try:
                async with http.get("/roster" if html else "/api/v1/roster", params=params,
                                    headers=None if html else auth, allow_redirects=False) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors.append((shape, params, resp.status))
                        return
            except aiohttp.ClientError as exc:
                errors.append((shape, params, type(exc).__name__))
                return
            elapsed = time.perf_counter() - began
            latencies["html" if html else "api"].append(elapsed)
            latencies[shape].append(elapsed)

        tasks, t0, n = [], time.perf_counter(), 0
        while time.perf_counter() - t0 < duration:
            shape, params = mix[n % len(mix)]
            tasks.append(asyncio.create_task(one(shape, params, rng.random() < 0.3)))
            n += 1
            await asyncio.sleep(max(0.0, t0 + n / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "sent": n, "elapsed": time.perf_counter() - t0}


def explain(env: dict[str, str], mix: list[tuple[str, dict]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the SQL ``search_roster`` sends for one example of every shape."""
    os.environ.update(env)
    from app import create_app
    from core.clock import utcnow
    from roster import search

    app = create_app()
    state = app.extensions["prefabskills"]
    captured: list[tuple[str, object]] = []
    event.listen(state.engine, "before_cursor_execute",
                 lambda conn, cur, statement, params, ctx, many: captured.append((statement, params)))
    seen = set()
    with app.app_context(), state.session_factory() as session:
        for shape, params in mix:
            if shape in seen:
                continue
            seen.add(shape)
            filters, after = search.parse_filters({k: str(v) for k, v in params.items()})
            captured.clear()
            search.search_roster(session, filters, scope=None, now=utcnow(), after=after)
            statement, values = captured[-1]
            plan = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, values).scalars()
            print(f"\n=== {shape} {params}\n" + "\n".join(plan))
    state.engine.dispose()


def summarise(result: dict, bare: dict, args, name: str) -> dict:
    lat = result["latencies"]
    every = lat["api"] + lat["html"]
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "database": name, "workers": args.workers,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg_1m": round(os.getloadavg()[0], 2), "offered_per_s": args.rate, "duration_s": args.duration,
        "sent": result["sent"], "served": len(every), "errors": len(result["errors"]),
        "p50_ms": round(pct(every, 50), 1), "p95_ms": round(pct(every, 95), 1), "p99_ms": round(pct(every, 99), 1),
        "api_p95_ms": round(pct(lat["api"], 95), 1), "html_p95_ms": round(pct(lat["html"], 95), 1),
        "bare_p95_ms": round(pct(bare["latencies"], 95), 1), "bare_errors": len(bare["errors"]),
        "by_shape_p95_ms": {k: round(pct(v, 95), 1) for k, v in sorted(lat.items()) if k not in ("api", "html")},
    }
    summary["p95_ratio_to_bare"] = round(summary["p95_ms"] / summary["bare_p95_ms"], 1) if summary["bare_p95_ms"] \
        else None
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--db-name", default="prefab_bench_roster_1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="use the existing database (kept between runs)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--rate", type=float, default=50, help="requests offered per second")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--explain", action="store_true", help="print query plans instead of measuring")
    args = parser.parse_args()
    env = build(args.db_name, args.workers, args.seed, args.reuse)
    try:
        mix = filter_mix(args.db_name, args.seed)
        if args.explain:
            explain(env, mix)
            return 0
        committee_login(env)
        port = free_port()
        server = serve("app:create_app()", env, port)
        try:
            asyncio.run(run_search(f"http://127.0.0.1:{port}", mix[::7], 10, 10))  # warm-up: caches, connections
            result = asyncio.run(run_search(f"http://127.0.0.1:{port}", mix, args.rate, args.duration))
        finally:
            stop(server)
        bare_port = free_port()
        prepare_bare(args.db_name)
        bare_server = serve("bench.bare_app:create_app()", env, bare_port)
        try:
            run(run_bare(bare_port, 50, 5))  # warm-up
            bare = run(run_bare(bare_port, args.rate, 20))
        finally:
            stop(bare_server)
    finally:
        if args.drop:
            drop(args.db_name)
    summary = summarise(result, bare, args, args.db_name)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if result["errors"]:
        print("first errors:", result["errors"][:5], file=sys.stderr)
    verdict = "met" if summary["p95_ms"] <= BUDGET_MS and not summary["errors"] else "not met"
    print(f"| roster search, {args.workers:,} workers, {args.rate:g}/s offered (load {summary['load_avg_1m']}) | "
          f"p50 {summary['p50_ms']} / p95 {summary['p95_ms']} / p99 {summary['p99_ms']} ms, "
          f"{summary['errors']} errors, {summary['p95_ratio_to_bare']}× bare | p95 ≤ {BUDGET_MS} ms | {verdict} |")
    save_result(f"roster_search_{args.workers}", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
