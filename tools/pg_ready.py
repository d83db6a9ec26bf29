"""Exit 0 when the test PostgreSQL answers, 1 otherwise (used by ``make test``)."""

from __future__ import annotations

import os
import sys

from sqlalchemy import create_engine, text

url = os.environ.get("PREFABSKILLS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
try:
    with create_engine(url, connect_args={"connect_timeout": 5}).connect() as conn:
        conn.execute(text("SELECT 1"))
except Exception as exc:  # any failure means "not reachable" here
    print(f"PostgreSQL at {url} is not reachable: {exc.__class__.__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
