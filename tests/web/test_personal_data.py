"""After a registration, no plaintext ID number or phone is anywhere in the database or the logs."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import text

from core.db import Base

ID_NUMBER = "11010519491231002X"
PHONE = "13812341234"


def _all_rows_as_text(engine) -> str:
    chunks = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_no_plaintext_identifiers_in_database_or_logs(client, engine, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    resp = client.post("/api/v1/auth/register", json={"phone": PHONE, "password": "Passw0rd!", "name": "王小明",
                                                      "id_number": ID_NUMBER, "consent": True})
    assert resp.status_code == 201
    client.post("/api/v1/auth/token", json={"phone": PHONE, "password": "Passw0rd!"})
    client.post("/api/v1/auth/token", json={"phone": PHONE, "password": "wrong-pass1"})

    dump = _all_rows_as_text(engine)
    assert "王小明" in dump  # the scan does see the row
    for secret in (ID_NUMBER, PHONE, ID_NUMBER.lower()):
        assert secret not in dump
        assert secret not in caplog.text

    if database_url.startswith("sqlite:///"):
        db_file = Path(database_url.removeprefix("sqlite:///"))
        raw_conn = sqlite3.connect(db_file)
        raw_conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        raw_conn.close()
        for path in (db_file, Path(str(db_file) + "-wal")):
            if path.exists():
                raw = path.read_bytes()
                assert ID_NUMBER.encode() not in raw and PHONE.encode() not in raw
