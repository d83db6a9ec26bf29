"""Database kernel: the declarative ``Base``, engines, sessions and ``transaction()``.

``transaction()`` is the only place that commits: one per request, job run or CLI command. Services
add and flush; they never commit.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use UTC-aware instants")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # Let SQLAlchemy (not pysqlite) decide when transactions begin, so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        writer = threading.Lock()  # one writer per process at a time: no busy-wait back-off between threads

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # Writers take the lock up front (no "database is locked" on upgrading a read snapshot to a
            # write); read-only factories ask for a deferred BEGIN so readers never queue behind writers.
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            if mode == "IMMEDIATE":
                if not writer.acquire(timeout=30):
                    raise TimeoutError("SQLite writer lock not acquired within 30 s")
                conn.info["prefab_writer"] = True
            try:
                conn.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                _release(conn)
                raise

        def _release(conn) -> None:
            if conn.info.pop("prefab_writer", False):
                writer.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        return engine
    # A gunicorn worker runs 8 threads and a request may hold two connections (its session and a point read):
    # below that, connections beyond the pool are opened and closed per request (a new backend each time).
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_in_doubt(engine)
    return engine


PING_AFTER_IDLE_S = 30.0


def _ping_when_in_doubt(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use only when it may be dead: its socket has something to
    read (an idle connection never should: a restarted or terminated server sends its goodbye and closes), or it
    sat unused for ``PING_AFTER_IDLE_S``. ``pool_pre_ping`` would spend a round trip on every checkout, a sixth
    of an answer save's; a dead connection raises ``DisconnectionError`` and the pool opens a fresh one."""

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn, record) -> None:
        record.info["prefab_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.get("prefab_idle_since")
        if idle_since is None:  # just opened
            return
        try:
            poller = select.poll()
            poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            doubtful = bool(poller.poll(0)) or time.monotonic() - idle_since > PING_AFTER_IDLE_S
            if doubtful and not engine.dialect.do_ping(dbapi_conn):
                raise exc.DisconnectionError("the connection did not answer a ping")
        except exc.DisconnectionError:
            raise
        except Exception as error:  # closed socket, server gone: the same as a failed ping
            raise exc.DisconnectionError(str(error)) from error


def make_session_factory(engine: Engine, *, readonly: bool = False, point_reads: bool = False) -> sessionmaker[Session]:
    """Sessions for ``engine``; ``readonly`` ones never take SQLite's write lock. ``point_reads`` (implies
    read-only) runs each statement in its own transaction on PostgreSQL (autocommit: no BEGIN and ROLLBACK
    round trips), for requests that read a row or two that need no common snapshot (a verification)."""
    bind = engine.execution_options(sqlite_begin="DEFERRED") if readonly or point_reads else engine
    if point_reads and engine.dialect.name == "postgresql":
        bind = bind.execution_options(isolation_level="AUTOCOMMIT")
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block succeeds, roll back when it raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"
