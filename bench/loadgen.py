"""A lean open-loop HTTP/1.1 load generator on raw asyncio, so that a bench measures the app, not its client.

Each keep-alive connection is one ``asyncio.Protocol`` with at most one request in flight (no pipelining). Latency
counts from when a request was *scheduled*, so waiting for a free connection is part of it (no coordinated
omission, unlike ``wrk``). On loopback it spends 0.12-0.20 ms of CPU per request where aiohttp spends 0.2-0.45 ms,
about a quarter of it the kernel's TCP work that any client pays.

    async def main(port: int) -> list[Reply]:
        pool = HttpPool("127.0.0.1", port, max_connections=256, timeout_s=10)
        try:
            return await fire(pool, lambda n: ("GET", f"/verify/{n}", None, None), rate=1000, duration_s=10)
        finally:
            await pool.close()
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
Request = tuple[str, str, dict[str, str] | None, bytes | None]  # method, path, headers, body
MAX_LINE = 65536  # a status line and headers, or a chunk size line, longer than this is not HTTP we want
TIMER_GRAIN_S = 0.001  # epoll and libuv sleep in whole milliseconds, and uvloop's clock moves by milliseconds


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer; ``status`` 0 and an ``error`` ("timeout", "refused", "reset", "bad response: ...") if none came."""

    status: int
    body: bytes
    latency_s: float
    error: str | None = None


class _Parser:
    """One HTTP/1.1 response at a time, fed in pieces split anywhere; ValueError on what is not HTTP."""

    def __init__(self) -> None:
        self.buf, self.no_body = bytearray(), False  # no_body: the request was a HEAD
        self._start()

    def _start(self) -> None:
        self.state, self.status, self.keep_alive, self.body, self.length = "head", 0, True, bytearray(), 0

    def feed(self, data: bytes) -> tuple[int, bytes, bool] | None:
        """Adds ``data``; returns (status, body, keep_alive) once the response is complete."""
        buf = self.buf
        buf += data
        while True:
            if self.state == "length":
                if len(buf) < self.length:
                    return None
                self.body = buf[:self.length]
                del buf[:self.length]
                return self._finish()
            if self.state == "eof":  # no length given: the body runs until the server closes
                return None
            end = buf.find(b"\r\n\r\n" if self.state == "head" else b"\r\n")
            if end < 0:
                if len(buf) > MAX_LINE:
                    raise ValueError("line too long")
                return None
            if self.state == "head":
                self._head(bytes(buf[:end]))
                del buf[:end + 4]
                continue
            size = int(bytes(buf[:end]).split(b";", 1)[0], 16)  # chunked: a size line, then data and CRLF
            if size > 0:
                if len(buf) < end + size + 4:
                    return None
                if buf[end + size + 2:end + size + 4] != b"\r\n":
                    raise ValueError("chunk not followed by CRLF")
                self.body += buf[end + 2:end + size + 2]
                del buf[:end + size + 4]
            elif size == 0:  # the last chunk, then trailer lines and an empty line
                tail = end + 4 if buf[end + 2:end + 4] == b"\r\n" else buf.find(b"\r\n\r\n", end) + 4
                if tail < 4:
                    return None
                del buf[:tail]
                return self._finish()
            else:
                raise ValueError("negative chunk size")

    def _head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        if not version.startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP/1.x status line: {lines[0][:40]!r}")
        self.status = int(rest[:3])
        length, chunked, connection = None, False, b""
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                connection = value.lower()
        self.keep_alive = b"close" not in connection if version == b"HTTP/1.1" else b"keep-alive" in connection
        if self.status < 200:  # 1xx interim answer: the real one follows
            return
        if self.no_body or self.status in (204, 304):
            self.state, self.length = "length", 0
        elif chunked:
            self.state = "chunked"
        elif length is not None:
            if length < 0:
                raise ValueError("negative Content-Length")
            self.state, self.length = "length", length
        else:
            self.state, self.keep_alive = "eof", False

    def feed_eof(self) -> tuple[int, bytes, bool] | None:
        """The server closed: completes a body that ran until then; None if a response was cut short."""
        if self.state != "eof":
            return None
        self.body, self.buf = self.buf, bytearray()
        return self._finish()

    def _finish(self) -> tuple[int, bytes, bool]:
        done = (self.status, bytes(self.body), self.keep_alive)
        self._start()
        return done


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, pool: HttpPool) -> None:
        self.pool, self.parser, self.dropped, self.idle_since = pool, _Parser(), False, 0.0
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None

    def exchange(self, payload: bytes, no_body: bool) -> asyncio.Future:
        if self.dropped:  # closed by the server while being handed from one request to the next
            raise ConnectionResetError("closed by the server")
        self.parser.no_body = no_body
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return self.waiter

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # bytes nobody asked for: the stream can no longer be trusted
            self.pool._drop(self)
            return
        try:
            done = self.parser.feed(data)
        except ValueError as exc:
            self._settle(None, exc)
            return
        if done is not None:
            self._settle(done, None)
            if self.parser.buf:  # more than one answer to one request
                self.pool._drop(self)

    def eof_received(self) -> None:
        self._settle(self.parser.feed_eof(), ConnectionResetError("closed by the server"))
        self.pool._drop(self)  # at once: a request must not pick it up before connection_lost

    def connection_lost(self, exc: Exception | None) -> None:
        self._settle(None, exc or ConnectionResetError("closed by the server"))
        self.pool._drop(self)

    def _settle(self, done: tuple[int, bytes, bool] | None, exc: BaseException | None) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is None or waiter.done():
            return
        if done is not None:
            waiter.set_result(done)
        else:
            waiter.set_exception(exc)


class HttpPool:
    """Keep-alive connections to one host: idle ones reused newest first, at most ``max_connections`` open, and
    requests beyond that wait in line (FIFO) for the next one freed.

    A connection idle for ``idle_timeout_s`` is closed rather than reused: the server may be closing it at that very
    moment (gunicorn does after 2 s), and a request sent into that race comes back reset."""

    def __init__(self, host: str, port: int, max_connections: int = 64, timeout_s: float = 10.0, *,
                 idle_timeout_s: float = 1.0, keep_alive: bool = True) -> None:
        self.host, self.port, self.max_connections, self.timeout_s = host, port, max_connections, timeout_s
        self.idle_timeout_s = idle_timeout_s
        # keep_alive=False: every request on a new connection (``Connection: close``), as many phones each
        # sending a request every few seconds do; a few reused connections would all land on whichever server
        # process accepted them first.
        self.keep_alive = keep_alive
        self._host_line = f"Host: {host}:{port}\r\n"
        self._idle: list[_Connection] = []
        self._waiters: deque[asyncio.Future] = deque()  # each gets a connection, or None: a slot to open one
        self._open: set[_Connection] = set()
        self._slots = 0  # connections open or being opened
        self._closed = False

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes | None = None, *, scheduled_at: float | None = None) -> Reply:
        """Never raises for network trouble: a refused, reset or timed-out exchange is a ``Reply`` with status 0.

        Latency and the ``timeout_s`` budget count from ``scheduled_at`` (a ``time.perf_counter()`` value) when
        given and past, else from this call; waiting for a connection is included."""
        now = time.perf_counter()
        start = now if scheduled_at is None else min(scheduled_at, now)
        payload = self._encode(method, path, headers, body)
        conn = None
        try:
            async with asyncio.timeout(self.timeout_s - (now - start)):
                conn = await self._acquire()
                if conn is None:
                    conn = await self._connect()
                status, data, keep_alive = await conn.exchange(payload, method == "HEAD")
        except BaseException as exc:
            if conn is not None:
                self._drop(conn)  # its answer may still come: never reuse it
            if not isinstance(exc, OSError | ValueError):  # OSError includes TimeoutError
                raise
            return Reply(0, b"", time.perf_counter() - start, _describe(exc))
        self._release(conn, keep_alive)
        return Reply(status, data, time.perf_counter() - start)

    async def close(self) -> None:
        """Closes every connection; requests still waiting for one get an error reply."""
        self._closed = True
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionAbortedError("pool closed"))
        for conn in list(self._open):
            self._drop(conn)
        await asyncio.sleep(0)  # let the transports finish closing

    def _encode(self, method: str, path: str, headers: dict[str, str] | None, body: bytes | None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1\r\n", self._host_line]
        if headers:
            lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if body is not None:
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append("Connection: keep-alive\r\n\r\n" if self.keep_alive else "Connection: close\r\n\r\n")
        head = "".join(lines).encode("latin-1")
        return head + body if body else head

    async def _acquire(self) -> _Connection | None:
        """An idle connection, or None with a slot reserved to open one, or what is freed next after a wait."""
        if self._closed:
            raise ConnectionAbortedError("pool closed")
        while self._idle:
            conn = self._idle.pop()
            if time.perf_counter() - conn.idle_since < self.idle_timeout_s:
                return conn
            self._drop(conn)  # and the ones under it, older still, on the next turns
        if self._slots < self.max_connections:
            self._slots += 1
            return None
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed over just as we gave up: pass it on
                if (conn := waiter.result()) is not None:
                    self._release(conn, True)
                else:
                    self._free_slot()
            raise

    async def _connect(self) -> _Connection:
        try:
            _, conn = await asyncio.get_running_loop().create_connection(lambda: _Connection(self), self.host,
                                                                         self.port)
        except BaseException:
            self._free_slot()
            raise
        self._open.add(conn)
        return conn

    def _release(self, conn: _Connection, keep_alive: bool) -> None:
        if not keep_alive or not self.keep_alive or conn.dropped or self._closed:
            self._drop(conn)
        elif not self._hand_over(conn):
            conn.idle_since = time.perf_counter()
            self._idle.append(conn)

    def _drop(self, conn: _Connection) -> None:
        """Forgets a connection (once) and passes its slot on."""
        if not conn.dropped:
            conn.dropped = True
            conn.transport.abort()
            self._open.discard(conn)
            if conn in self._idle:
                self._idle.remove(conn)
            self._free_slot()

    def _free_slot(self) -> None:
        if not self._hand_over(None):
            self._slots -= 1

    def _hand_over(self, conn: _Connection | None) -> bool:
        """Gives a connection (or None: a slot to open one) to the longest waiting request, if any."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False


def _describe(exc: BaseException) -> str:
    for kind, name in ((TimeoutError, "timeout"), (ConnectionRefusedError, "refused"), (ConnectionResetError, "reset")):
        if isinstance(exc, kind):
            return name
    return f"bad response: {exc}" if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


async def fire(pool: HttpPool, make_request: Callable[[int], Request], rate: float, duration_s: float) -> list[Reply]:
    """Open loop: request n (``make_request(n)``) is due at t0 + n / rate whatever earlier ones are doing, and its
    latency counts from then. One ticker sends what is due (no task sleeping per request), waking a millisecond
    ahead since timers are that coarse; replies come back in request order, each bounded by the pool's timeout."""
    loop = asyncio.get_running_loop()
    total = round(rate * duration_s)
    replies: list[Reply] = [None] * total  # type: ignore[list-item]  # all filled in before returning
    finished = loop.create_future()
    tasks: list[asyncio.Task] = []
    t0, sent, left, ticker = time.perf_counter(), 0, total, None

    async def one(n: int) -> None:
        nonlocal left
        try:
            method, path, headers, body = make_request(n)
            replies[n] = await pool.request(method, path, headers, body, scheduled_at=t0 + n / rate)
        except Exception as exc:  # make_request failed, say: the run stops with it
            if not finished.done():
                finished.set_exception(exc)
            return
        left -= 1
        if not left:
            finished.set_result(None)

    def tick() -> None:
        nonlocal sent, ticker
        now = time.perf_counter()
        while sent < total and t0 + sent / rate <= now + TIMER_GRAIN_S:
            tasks.append(loop.create_task(one(sent)))
            sent += 1
        # Never sooner than the grain: uvloop runs a shorter delay at once, and would spin until the next is due.
        wait = max(t0 + sent / rate - now - TIMER_GRAIN_S, TIMER_GRAIN_S)
        ticker = loop.call_later(wait, tick) if sent < total else None

    if not total:
        return []
    tick()
    try:
        await finished
    finally:
        if ticker is not None:
            ticker.cancel()
        for task in tasks:
            task.cancel()
    return replies


def run(coro: Coroutine[Any, Any, T], *, use_uvloop: bool = True) -> T:
    """Runs ``coro`` on uvloop when it is installed (an optional extra, never required), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        uvloop = None
    if uvloop is None or not use_uvloop:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
