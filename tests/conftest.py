"""Test fixtures: a migrated database per run (SQLite or PostgreSQL), an app, a client, factories.

``PREFABSKILLS_TEST_BACKEND=postgres`` runs the suite against a database created for this run on
``PREFABSKILLS_TEST_PG_URL`` (dropped afterwards); the default is a SQLite file in a temp folder.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, load_models
from core.cli import upgrade_database
from core.db import Base, make_engine, make_session_factory
from core.settings import Settings

BACKEND = os.environ.get("PREFABSKILLS_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("PREFABSKILLS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FIXED_NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

load_models()


def pytest_report_header(config):
    return f"PrefabSkills database backend: {BACKEND}"


def _pg_database(worker: str):
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"prefab_test_{worker}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    if BACKEND == "postgres":
        url, drop = _pg_database(worker_id)
        upgrade_database(url)
        yield url
        drop()
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "gw0")


def make_settings(tmp_path, database_url: str, **overrides) -> Settings:
    values = dict(
        env="testing",
        instance_path=tmp_path,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        pii_keys={"t1": secrets.token_bytes(32)},
        pii_active_key_id="t1",
        pii_hash_key=secrets.token_bytes(32),
        ratelimit_enabled=False,
        storage_dir=tmp_path / "storage",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(tmp_path_factory, database_url) -> Settings:
    return make_settings(tmp_path_factory.mktemp("instance"), database_url)


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    application.config.update(TESTING=True)
    yield application
    application.extensions["prefabskills"].engine.dispose()


@pytest.fixture(autouse=True)
def _rate_limits_off():
    """``core.web.limiter`` is one object per process and ``init_app`` sets its switch for every app: each test
    starts with limits off, and a test that builds an app with limits on cannot leak them into the next one."""
    from core.web import limiter

    limiter.enabled = False
    yield
    limiter.enabled = False
    try:
        limiter.reset()
    except Exception:  # nothing stored yet
        pass


@pytest.fixture(autouse=True)
def _clean_tables(request, database_url):
    """Every test starts from empty tables (the schema stays: migrations ran once per run)."""
    yield
    from exams.attempts import clear_caches

    clear_caches()  # ids restart after the wipe; the per-process caches must not outlive it
    if "settings" in request.fixturenames:  # nor the stored PDFs and credentials, whose folders are named by id
        shutil.rmtree(request.getfixturevalue("settings").storage_dir, ignore_errors=True)
    engine = _cleanup_engine(database_url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if engine.dialect.name == "postgresql":
        _wipe_postgres(engine, tables)
        return
    raw = engine.raw_connection()  # SQLite: foreign keys off for the wipe (tables reference each other)
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("BEGIN IMMEDIATE")
        for t in tables:
            cur.execute(f'DELETE FROM "{t}"')
        cur.execute("COMMIT")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


# Every sequence a test advanced, back to 1 (ids restart as after TRUNCATE … RESTART IDENTITY).
_RESTART_USED_SEQUENCES = text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                               "FROM pg_sequences WHERE last_value IS NOT NULL")


def _wipe_postgres(engine, tables: list[str]) -> None:
    """Delete the rows of the tables the test wrote to, children first, and restart the sequences it used. A
    TRUNCATE of every table cost about 0.35 s a test (a new file per table); this costs a few milliseconds.
    The foreign keys that close a cycle (``use_alter``: a lesson's or question's current version) are set to
    NULL first, so the children-first order holds."""
    probe = text("SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{t}")' for t in tables))
    cycles = {t.name: [c.name for fk in t.foreign_key_constraints if fk.use_alter for c in fk.columns]
              for t in Base.metadata.sorted_tables}
    with engine.begin() as conn:
        full = [table for table, has_rows in zip(tables, conn.execute(probe).one(), strict=True) if has_rows]
        for table in full:
            if cycles.get(table):
                conn.execute(text(f'UPDATE "{table}" SET ' + ", ".join(f'"{c}" = NULL' for c in cycles[table])))
        for table in full:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(_RESTART_USED_SEQUENCES)


_engines: dict[str, object] = {}


def _cleanup_engine(url: str):
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@pytest.fixture
def engine(database_url):
    return _cleanup_engine(database_url)


@pytest.fixture
def session(engine):
    # Deferred BEGIN on SQLite: the test's own reads never block the app's writers. Commit before
    # calling the app when the test has written.
    factory = make_session_factory(engine, readonly=True)
    with factory() as s:
        yield s


@pytest.fixture
def cipher(app):
    return app.extensions["prefabskills"].cipher


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def b64key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def login_as(client, cipher, user, password: str = "Passw0rd!") -> str:
    """Log ``user`` in through the real form; returns a CSRF token for later posts."""
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                "phone": cipher.decrypt(user.phone_enc, purpose="phone"), "password": password})
    return csrf_token(client.get("/login").get_data(as_text=True))
