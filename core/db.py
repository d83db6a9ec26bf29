"""Database kernel: the declarative ``Base``, engines, sessions and ``transaction()``.

``transaction()`` is the only place that commits: one per request, job run or CLI command. Services
add and flush; they never commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
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
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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
