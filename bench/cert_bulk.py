"""Bulk verification benchmark: 10,000 rows in an XLSX crew list, and the same through the JSON API.

    python -m bench.cert_bulk                  # SQLite file in a temp dir
    python -m bench.cert_bulk --db postgres    # a fresh PostgreSQL database, dropped afterwards

Builds 10,000 workers and certificates (bulk inserts), writes a 10,000-row XLSX (2 % bad rows: typos in the
serial, unknown serials, malformed ID numbers), then times (1) read the file + verify every row + write the
result file, as the upload page does; (2) POST /api/v1/verifications with 10,000 items and an API key, in
process through Flask's test client (JSON both ways). Budget (DESIGN.md §8): 10,000 rows in ≤ 20 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert, select

from bench.exam_day import make_database

ROWS = 10_000


def _id_number(n: int) -> str:
    from core.identity import id_check_char

    first17 = f"5301021985{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def populate(session, cipher, rows: int) -> list[tuple[str, str, str]]:
    """Workers and issued certificates; returns (serial, name, id number) per certificate."""
    from certificates.models import Certificate
    from certificates.serials import make_serial
    from core.models import Organisation, OrgKind, User

    now = datetime(2026, 3, 2, tzinfo=UTC)
    org = Organisation(kind=OrgKind.TRAINING_BASE, name="基准测试培训基地", region="", created_at=now)
    session.add(org)
    session.flush()
    people = []
    for n in range(1, rows + 1):
        id_number = _id_number(n)
        people.append({"name": f"工人{n:05d}", "phone_enc": "x", "phone_hash": f"bench-{n}", "phone_masked": "x",
                       "id_number_hash": cipher.lookup_hash(id_number, purpose="id_number"),
                       "password_hash": "x", "created_at": now, "is_active": True, "failed_logins": 0,
                       "auth_version": 1})
    session.execute(insert(User), people)
    user_ids = session.scalars(select(User.id).where(User.phone_hash.like("bench-%")).order_by(User.id)).all()
    certs, crew = [], []
    for n, user_id in enumerate(user_ids, start=1):
        serial = make_serial(year=2026, skill="HOIST", sequence=n)
        certs.append({"serial": serial, "token": secrets.token_urlsafe(16), "kind": "skill_level",
                      "state": "revoked" if n % 50 == 0 else "issued", "holder_id": user_id,
                      "holder_name": f"工人{n:05d}", "issuer_org_id": org.id, "issuer_name": org.name,
                      "title": "职业技能等级证书", "skill_code": "HOIST", "skill_name": "建筑起重信号司索工",
                      "level": "五级/初级工", "award": "", "details": {}, "source_type": "registration",
                      "source_id": n, "generation": 0, "created_at": now, "issued_at": now, "valid_from": now,
                      "approval_note": "", "state_reason": ""})
        crew.append((serial, f"工人{n:05d}", _id_number(n)))
    session.execute(insert(Certificate), certs)
    session.commit()
    return crew


def crew_rows(crew: list[tuple[str, str, str]]) -> list[list[str]]:
    rows = []
    for n, (serial, name, id_number) in enumerate(crew):
        if n % 100 == 1:
            serial = serial[:-1] + ("0" if serial[-1] != "0" else "1")  # typo: caught by the check character
        elif n % 100 == 2:
            id_number = id_number[:-1]  # malformed ID number
        elif n % 100 == 3:
            name = "别人"
        rows.append([serial, name, id_number])
    return rows


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["证书编号", "姓名", "身份证号"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    from app import create_app, load_models
    from certificates.bulkfile import read_file, result_csv
    from certificates.verification import bulk_verify
    from core import apikeys
    from core.db import Base, make_engine, make_session_factory
    from core.models import Organisation, OrgKind, User
    from core.settings import Settings

    load_models()
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = make_database(args.db, Path(tmp))
        try:
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            key = secrets.token_bytes(32)
            settings = Settings(env="testing", instance_path=Path(tmp), database_url=url,
                                secret_key=secrets.token_urlsafe(32), pii_keys={"b1": key}, pii_active_key_id="b1",
                                pii_hash_key=key, ratelimit_enabled=False, storage_dir=Path(tmp) / "storage")
            app = create_app(settings)
            cipher = app.extensions["prefabskills"].cipher
            config = app.extensions["certificates"]
            factory = make_session_factory(engine)
            with factory() as session:
                crew = populate(session, cipher, args.rows)
                enterprise = Organisation(kind=OrgKind.ENTERPRISE, name="基准测试企业", region="",
                                          created_at=datetime.now(UTC))
                hr = session.scalars(select(User).limit(1)).one()
                session.add(enterprise)
                session.flush()
                _key, secret = apikeys.create_api_key(session, actor_id=hr.id, org=enterprise, name="bench",
                                                      scopes=["verify"], now=datetime.now(UTC))
                session.commit()
            rows = crew_rows(crew)
            data = xlsx(rows)

            upload_started = time.perf_counter()
            items = read_file("crew.xlsx", data)
            parsed = time.perf_counter()
            with factory() as session:
                results = bulk_verify(session, cipher=cipher, items=items, config=config, actor_id=None,
                                      org_id=enterprise.id, channel="upload", now=datetime.now(UTC))
                session.commit()
            verified = time.perf_counter()
            out = result_csv(results)
            upload_total = time.perf_counter() - upload_started

            body = {"items": [{"serial": s, "name": n, "id_number": i} for s, n, i in rows]}
            client = app.test_client()
            started = time.perf_counter()
            resp = client.post("/api/v1/verifications", json=body, headers={"Authorization": f"Bearer {secret}"})
            api_total = time.perf_counter() - started
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            api_items = resp.get_json()["items"]
        finally:
            engine.dispose()
            app.extensions["prefabskills"].engine.dispose()
            drop()
    errors = sum(1 for r in results if r.error_code)
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "db": args.db,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg_1m": round(os.getloadavg()[0], 2), "rows": len(rows), "xlsx_bytes": len(data),
        "upload_parse_xlsx_s": round(parsed - upload_started, 2), "upload_verify_s": round(verified - parsed, 2),
        "upload_result_file_s": round(upload_total - (verified - upload_started), 2),
        "upload_total_s": round(upload_total, 2), "upload_rows_with_errors": errors, "result_file_bytes": len(out),
        "api_total_s": round(api_total, 2), "api_items": len(api_items),
        "api_rows_with_errors": sum(1 for i in api_items if i["error"]),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"| bulk verification, {len(rows):,} rows ({args.db}) | XLSX upload {summary['upload_total_s']} s, "
          f"API {summary['api_total_s']} s | ≤ 20 s |")


if __name__ == "__main__":
    main()
