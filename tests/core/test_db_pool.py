"""PostgreSQL pool liveness without a round trip per checkout: a pooled connection is pinged only when its
socket has something to say (a terminated backend) or it sat idle long; a dead one is replaced before use."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from core import db as core_db
from core.db import make_engine

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(os.environ.get("PREFABSKILLS_TEST_BACKEND", "sqlite") != "postgres",
                       reason="PostgreSQL pool behaviour (PREFABSKILLS_TEST_BACKEND=postgres)"),
]


@pytest.fixture
def pool(database_url, monkeypatch):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    yield engine, pings
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_healthy_pooled_connection_is_used_without_a_ping(pool):
    engine, pings = pool
    first = _backend(engine)
    for _ in range(5):
        assert _backend(engine) == first
    assert pings == []


def test_a_terminated_backend_is_noticed_and_replaced_before_use(pool, database_url):
    engine, pings = pool
    victim = _backend(engine)
    admin = make_engine(database_url)
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": victim}).scalar()
    admin.dispose()
    fresh = _backend(engine)  # no error reaches the caller
    assert fresh != victim and pings  # the goodbye on the socket made the pool look, then reconnect


def test_a_long_idle_connection_is_pinged(pool, monkeypatch):
    engine, pings = pool
    first = _backend(engine)
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_S", -1.0)
    assert _backend(engine) == first and len(pings) == 1
