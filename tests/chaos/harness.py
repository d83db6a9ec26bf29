"""Chaos harness: throw-away databases, the real app under gunicorn, schedulers, a private PostgreSQL cluster.

Every process here is started in its own process group and stopped by that group's id; ``Rig`` keeps the
clean-ups on one stack so servers stop before their database is dropped, even when a test fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from http.client import HTTPException
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.cli import upgrade_database
from core.crypto import PiiCipher
from core.db import make_engine, make_session_factory
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def _pg_bin() -> Path:
    """PostgreSQL 15's programs (Debian's layout), or the newest other major version installed."""
    preferred = Path("/usr/lib/postgresql/15/bin")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3].zfill(6))
    return preferred if (preferred / "initdb").exists() or not found else found[-1].parent


PG_BIN = _pg_bin()
SHARED_PG_URL = os.environ.get("PREFABSKILLS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POSTGRES_PASS_ONLY = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(os.environ.get("PREFABSKILLS_TEST_BACKEND", "sqlite") != "postgres",
                       reason="chaos tests run in the PostgreSQL pass only (PREFABSKILLS_TEST_BACKEND=postgres)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def children_of(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return [c.pid for c in psutil.Process(pid).children()]
        except psutil.NoSuchProcess:
            return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields after the last ")" are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def stop_group(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop the process group we started with ``proc`` (SIGKILL when it does not leave in ``timeout``)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed master
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


# -- HTTP ---------------------------------------------------------------------------------------------------------

class Unreachable(Exception):
    """No HTTP answer: refused, reset, timed out."""


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def call(base: str, method: str, path: str, body: dict | None = None, *, token: str | None = None,
         timeout: float = 10) -> tuple[int, dict]:
    """One JSON request on a fresh connection; (status, body) for any HTTP answer, ``Unreachable`` otherwise."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (OSError, HTTPException) as exc:  # URLError, ConnectionReset, RemoteDisconnected, timeouts
        raise Unreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from None
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {"raw": raw[:200].decode(errors="replace")}


def wait_until(predicate, *, timeout: float, interval: float = 0.25, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(interval)


# -- processes ----------------------------------------------------------------------------------------------------

class AppServer:
    """The real app under gunicorn (gthread workers) on a loopback port; start, stop, kill -9 a worker."""

    def __init__(self, env: dict[str, str], log_path: Path, *, workers: int = 2, threads: int = 8) -> None:
        self.env, self.log_path, self.workers, self.threads = env, log_path, workers, threads
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        """Start the master without waiting (``wait_ready`` waits)."""
        cmd = [str(BIN / "gunicorn"), "-w", str(self.workers), "-k", "gthread", "--threads", str(self.threads),
               "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5",
               "--log-level", "warning", "app:create_app()"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{log_tail(self.log_path)}")
            with contextlib.suppress(Unreachable):
                if call(self.url, "GET", "/healthz", timeout=5)[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready on {self.url} within {timeout:.0f} s:\n{log_tail(self.log_path)}")

    def start(self) -> AppServer:
        self.launch()
        self.wait_ready()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None

    def restart(self) -> None:
        """Stop master and workers, start again on the same port."""
        self.stop()
        self.start()

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc else []

    def kill_worker(self) -> int:
        """``kill -9`` one worker; the master forks a replacement."""
        pids = self.worker_pids()
        assert pids, f"gunicorn has no workers:\n{log_tail(self.log_path)}"
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]


class Scheduler:
    """``flask jobs run``: the scheduler process, with the same settings as the app."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Scheduler:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(BIN / "flask"), "--app", "app", "jobs", "run"], env=self.env, cwd=ROOT,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc, timeout=10)
            self.proc = None


class ClusterUnavailable(RuntimeError):
    """The private PostgreSQL cluster could not be made or started on this machine."""


class PrivateCluster:
    """A PostgreSQL 15 cluster of our own in a temp dir, so restarting it never touches the shared server.

    PostgreSQL refuses to run as root: when we are root, its commands run as the ``postgres`` OS user,
    which owns the temp dir.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="prefab-chaos-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.started = False

    def _as_owner(self, *cmd: str) -> list[str]:
        if os.geteuid() != 0:
            return list(cmd)
        return ["runuser", "-u", "postgres", "--", *cmd]

    def _run(self, *cmd: str, timeout: float = 90) -> None:
        try:
            done = subprocess.run(self._as_owner(*cmd), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ClusterUnavailable(f"{' '.join(cmd[:2])} did not finish in {timeout:.0f} s") from None
        if done.returncode != 0:
            raise ClusterUnavailable(f"{' '.join(cmd[:2])} failed ({done.returncode}): {done.stderr.strip()}\n"
                                     f"{log_tail(self.log, 20)}")

    def _options(self) -> str:
        return (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base} "
                "-c fsync=off -c full_page_writes=off -c max_connections=80 -c shared_buffers=32MB")

    def start(self) -> PrivateCluster:
        initdb = PG_BIN / "initdb"
        if not initdb.exists():
            raise ClusterUnavailable(f"{initdb} is missing (Debian package postgresql-15)")
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterUnavailable("running as root and there is no 'postgres' OS user") from None
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        os.chmod(self.base, 0o700)
        self._run(str(initdb), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-w", "-t", "60", "start")
        self.started = True
        return self

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut and open transactions roll back."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-m", "fast", "-w", "-t", "60", "restart")

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def destroy(self) -> None:
        if self.started:
            with contextlib.suppress(ClusterUnavailable):
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


# -- the rig -------------------------------------------------------------------------------------------------------

class Rig:
    """One test's databases, settings and processes; ``close()`` undoes everything, newest first."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.stack = contextlib.ExitStack()
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.secrets = {"PREFABSKILLS_SECRET_KEY": secrets.token_urlsafe(32), "PREFABSKILLS_PII_KEYS": f"c1:{key}",
                        "PREFABSKILLS_PII_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
        self._names = iter(range(1, 1000))

    def close(self) -> None:
        self.stack.close()

    def database(self, admin_url: str) -> str:
        """A new, migrated database on the server of ``admin_url``; dropped at the end."""
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"prefab_chaos_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with contextlib.suppress(Exception), admin.connect() as conn:  # a stopped cluster takes it along
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                             {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()

        self.stack.callback(drop)
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        upgrade_database(url)
        return url

    def env(self, database_url: str) -> dict[str, str]:
        instance = self.workdir / "instance"
        return {**os.environ, **self.secrets, "PREFABSKILLS_DATABASE_URL": database_url,
                "PREFABSKILLS_INSTANCE_PATH": str(instance), "PREFABSKILLS_STORAGE_DIR": str(instance / "storage"),
                "PREFABSKILLS_RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}

    def cipher(self, database_url: str) -> PiiCipher:
        settings = Settings.from_env(self.env(database_url))
        return PiiCipher(settings.pii_keys, settings.pii_active_key_id, settings.pii_hash_key)

    def session(self, database_url: str):
        """A read-write session on ``database_url`` (the test commits itself)."""
        engine = make_engine(database_url)
        self.stack.callback(engine.dispose)
        session = make_session_factory(engine)()
        self.stack.callback(session.close)
        return session

    def app_server(self, database_url: str, *, workers: int = 2, start: bool = True) -> AppServer:
        server = AppServer(self.env(database_url), self.workdir / f"gunicorn-{next(self._names)}.log",
                           workers=workers)
        self.stack.callback(server.stop)
        return server.start() if start else server

    def scheduler(self, database_url: str) -> Scheduler:
        scheduler = Scheduler(self.env(database_url), self.workdir / f"scheduler-{next(self._names)}.log")
        self.stack.callback(scheduler.stop)
        return scheduler.start()

    def cluster(self) -> PrivateCluster:
        cluster = PrivateCluster()
        self.stack.callback(cluster.destroy)
        return cluster.start()
