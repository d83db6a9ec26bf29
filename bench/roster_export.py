"""Roster export benchmark: 100,000 roster rows exported as CSV and as XLSX through the real routes.

    python -m bench.roster_export                   # SQLite file in a temp dir
    python -m bench.roster_export --db postgres     # a fresh PostgreSQL database, dropped afterwards
    python -m bench.roster_export --rows 10000      # fewer rows (the memory figure should not change)

Builds N workers with a roster entry (two skills, a trade card, flags), a roster credential and a certificate
each, by bulk inserts, plus one committee member. Then, for each format, a fresh Python process creates the
app, logs the committee member in (session cookie), reads ``/roster/export.<fmt>?purpose=…`` to the end
through Flask's test client without buffering, and reports the wall time, the bytes and the process's peak
RSS (``resource.getrusage``) next to its RSS just before the export. One process per format, because peak
RSS is a high-water mark for the process's whole life. Finally the statistics page is timed once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS = 100_000
BATCH = 10_000
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
SKILLS = [{"code": "HOIST", "name": "建筑起重信号司索工", "level": 4, "level_name": "四级/中级工", "status": "valid",
           "issuer": "基准测试培训基地"},
          {"code": "GROUT", "name": "钢筋套筒灌浆连接工", "level": 5, "level_name": "五级/初级工", "status": "expiring",
           "issuer": "基准测试培训基地"}]
CARDS = [{"trade": "建筑起重信号司索工", "number": "云A0420260000", "authority": "云南省住房和城乡建设厅",
          "issued_on": "2025-01-01", "expires_on": "2027-01-01", "status": "valid"}]
REGIONS = ["云南省昆明市", "云南省曲靖市", "陕西省西安市", "广东省深圳市", "四川省成都市"]


def populate(url: str, rows: int) -> None:
    """Workers, their roster rows, credentials and certificates, and one committee member (bulk inserts)."""
    from app import load_models
    from core.db import make_engine, make_session_factory
    from core.models import Membership, Organisation, OrgKind, Role, User

    load_models()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        base = Organisation(kind=OrgKind.TRAINING_BASE, name="基准测试培训基地", region="云南省昆明市", created_at=NOW)
        committee = Organisation(kind=OrgKind.COMMITTEE, name="基准测试专家委员会", region="", created_at=NOW)
        session.add_all([base, committee])
        session.flush()
        chair = User(name="陈主任", phone_enc="x", phone_hash="bench-chair", phone_masked="x", password_hash="x",
                     created_at=NOW)
        session.add(chair)
        session.flush()
        session.add(Membership(user_id=chair.id, org_id=committee.id, role=Role.COMMITTEE_MEMBER, created_at=NOW))
        for start in range(0, rows, BATCH):
            _batch(session, base.id, start, min(BATCH, rows - start))
        session.commit()
    engine.dispose()


def _batch(session, base_id: int, start: int, count: int) -> None:
    from sqlalchemy import insert, select

    from certificates.models import Certificate
    from core.models import User
    from roster.models import RosterCredential, RosterEntry

    numbers = range(start, start + count)
    session.execute(insert(User), [
        {"name": f"工人{n:06d}", "phone_enc": "x", "phone_hash": f"bench-{n}", "phone_masked": "x",
         "id_number_masked": f"530102********{n % 10000:04d}", "birth_year": 1970 + n % 35, "password_hash": "x",
         "created_at": NOW, "is_active": True, "failed_logins": 0, "auth_version": 1} for n in numbers])
    ids = session.scalars(select(User.id).where(User.phone_hash.in_([f"bench-{n}" for n in numbers]))
                          .order_by(User.id)).all()
    session.execute(insert(RosterEntry), [
        {"user_id": uid, "name": f"工人{n:06d}", "id_number_masked": f"530102********{n % 10000:04d}",
         "birth_year": 1970 + n % 35, "region": REGIONS[n % len(REGIONS)], "enterprise_org_id": None,
         "enterprise_name": f"装配式建筑企业{n % 200:03d}", "base_org_ids": [base_id], "skills": SKILLS,
         "top_level": 4, "certificate_count": 2, "valid_count": 2, "expired_count": 0, "revoked_count": 0,
         "award_codes": ["silver"] if n % 97 == 0 else [], "placings": [], "training_minutes": 1_200,
         "trade_cards": CARDS, "flags": [{"code": "next_level", "reasons": []}] if n % 5 == 0 else [],
         "fingerprint": "0" * 64, "updated_at": NOW} for n, uid in zip(numbers, ids, strict=True)])
    entry_ids = session.scalars(select(RosterEntry.id).where(RosterEntry.user_id.in_(ids))
                                .order_by(RosterEntry.id)).all()
    session.execute(insert(RosterCredential), [
        {"entry_id": eid, "skill_code": "HOIST", "level": 4, "status": "valid"} for eid in entry_ids])
    session.execute(insert(Certificate), [
        {"serial": f"BENCH-{n:08d}", "token": "t", "kind": "special_trade", "state": "issued", "holder_id": uid,
         "holder_name": f"工人{n:06d}", "issuer_org_id": base_id, "issuer_name": "基准测试培训基地",
         "title": "特种作业操作资格证书", "skill_code": "SIGNAL", "skill_name": "建筑起重信号司索工", "level": "",
         "award": "", "details": {}, "source_type": "registration", "source_id": n, "generation": 0,
         "created_at": NOW - timedelta(days=n % 700), "issued_at": NOW - timedelta(days=n % 700),
         "valid_from": NOW - timedelta(days=n % 700), "expires_at": NOW + timedelta(days=30 + n % 700),
         "approval_note": "", "state_reason": ""} for n, uid in zip(numbers, ids, strict=True)])


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def measure(file_format: str) -> dict:
    """In this process: the app, a logged-in committee member, one export read to the end."""
    from sqlalchemy import select

    from app import create_app
    from core.models import User
    from core.web import db

    app = create_app()
    client = app.test_client()
    with app.app_context():
        chair = db().scalar(select(User).where(User.phone_hash == "bench-chair"))
        user_key = f"{chair.id}:{chair.auth_version}"
    with client.session_transaction() as flask_session:
        flask_session["_user_id"], flask_session["_fresh"] = user_key, True
    assert client.get("/roster").status_code == 200  # warm: templates, queries, translations
    before = _rss_mb()
    started = time.perf_counter()
    resp = client.get(f"/roster/export.{file_format}?purpose=基准测试", buffered=False)
    size = 0
    for chunk in resp.response:
        size += len(chunk)
    resp.close()
    seconds = time.perf_counter() - started
    assert resp.status_code == 200, resp.status_code
    result = {"format": file_format, "seconds": round(seconds, 2), "bytes": size, "rss_before_mb": before,
              "rss_peak_mb": _rss_mb()}
    if file_format == "csv":
        stats_started = time.perf_counter()
        assert client.get("/roster/stats").status_code == 200
        result["stats_page_s"] = round(time.perf_counter() - stats_started, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--measure", choices=("csv", "xlsx"), help=argparse.SUPPRESS)  # child process
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.populate:
        populate(os.environ["PREFABSKILLS_DATABASE_URL"], args.rows)
        return
    # This process stays small and starts every step as a child: Linux keeps a process's peak RSS across
    # exec, so a child started from a big parent would report the parent's peak as its own.
    from bench.exam_day import environment, make_database

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = make_database(args.db, Path(tmp))
        env = environment(url, Path(tmp))
        try:
            subprocess.run([sys.executable, "-c", "from core.cli import upgrade_database; import os; "
                            "upgrade_database(os.environ['PREFABSKILLS_DATABASE_URL'])"], env=env, cwd=ROOT,
                           check=True)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bench.roster_export", "--populate", "--rows", str(args.rows)],
                           env=env, cwd=ROOT, check=True)
            populate_s = time.perf_counter() - started
            results = []
            for file_format in ("csv", "xlsx"):
                out = subprocess.run([sys.executable, "-m", "bench.roster_export", "--measure", file_format], env=env,
                                     cwd=ROOT, check=True, capture_output=True, text=True).stdout
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            drop()
    summary = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "db": args.db, "rows": args.rows,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "load_avg_1m": round(os.getloadavg()[0], 2), "populate_s": round(populate_s, 1), "exports": results}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    for r in results:
        print(f"| roster export {r['format'].upper()}, {args.rows:,} rows ({args.db}) | {r['seconds']} s, "
              f"{r['bytes'] / 1e6:.1f} MB, peak RSS {r['rss_peak_mb']} MB (before {r['rss_before_mb']} MB) |")


if __name__ == "__main__":
    main()
