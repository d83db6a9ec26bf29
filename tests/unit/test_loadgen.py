"""bench.loadgen against a scripted asyncio server on loopback: parsing, connection reuse, errors, open-loop timing."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bench.loadgen import HttpPool, _Parser, fire

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
           b"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3;ext=1\r\nxyz\r\n0\r\nX-Trailer: t\r\n\r\n")


@dataclass
class Seen:
    """A request as the server read it."""

    connection: int  # 1 for the first connection accepted, and so on
    head: bytes
    body: bytes
    at: float  # perf_counter


Answer = Callable[[int, bytes, asyncio.StreamWriter], Awaitable[bool]]  # request index, head, writer


class Server:
    """Reads requests and lets ``answer(request_index, head, writer)`` reply; it returns False to stop serving that
    connection (which is then left open, unread)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[Seen] = []

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                body = await reader.readexactly(int(length[1])) if length else b""
                self.requests.append(Seen(connection, head, body, time.perf_counter()))
                if not await self.answer(len(self.requests) - 1, head, writer):
                    await asyncio.Event().wait()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the loop is shutting down: a cancelled handler only logs noise
        finally:
            writer.close()


def run_isolated(coro):
    """``asyncio.run`` on a thread of its own: another test in this process (Playwright's sync API) may have left
    an event loop running on the main thread, where ``asyncio.run`` refuses to start."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def reply_with(data: bytes, *, pause_s: float = 0.0, keep_serving: bool = True) -> Answer:
    async def answer(_n: int, _head: bytes, writer: asyncio.StreamWriter) -> bool:
        if pause_s:
            await asyncio.sleep(pause_s)
        writer.write(data)
        return keep_serving

    return answer


async def write_in_pieces(writer: asyncio.StreamWriter, pieces: list[bytes]) -> None:
    for piece in pieces:
        writer.write(piece)
        await writer.drain()
        await asyncio.sleep(0.002)  # long enough for the client to read each piece on its own


def with_server(answer: Answer, scenario: Callable[[Server], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Server(answer) as server:
            await asyncio.wait_for(scenario(server), 10)  # a client that hangs fails instead of stalling the suite

    run_isolated(main())


def test_parser_completes_the_same_reply_whatever_the_split_point():
    for raw, body in ((OK, b"hello world"), (CHUNKED, b"abcdefghijklmnopqrstuvwxyzxyz")):
        for cut in range(1, len(raw)):
            parser = _Parser()
            assert parser.feed(raw[:cut]) is None, (raw, cut)
            assert parser.feed(raw[cut:]) == (200, body, True), (raw, cut)
        parser = _Parser()
        assert [parser.feed(raw[i:i + 1]) for i in range(len(raw))][-1] == (200, body, True)


@pytest.mark.parametrize(("raw", "no_body", "expected"), [
    (b"HTTP/1.1 204 No Content\r\n\r\n", False, (204, b"", True)),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", True, (200, b"", True)),  # the answer to a HEAD
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", False, (200, b"ok", True)),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", False, (200, b"ok", False)),
    (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", False, (200, b"ok", True)),
    (b"HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nContent-Length: 2\r\n\r\nok", False, (200, b"ok", False)),
])
def test_parser_knows_when_a_reply_ends_and_whether_the_connection_stays(raw, no_body, expected):
    parser = _Parser()
    parser.no_body = no_body
    assert parser.feed(raw) == expected


def test_parser_reads_a_body_without_length_until_the_server_closes():
    parser = _Parser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\n\r\nhel") is None
    assert parser.feed(b"lo") is None
    assert parser.feed_eof() == (200, b"hello", False)
    cut_short = _Parser()
    assert cut_short.feed(OK[:-3]) is None and cut_short.feed_eof() is None


def test_content_length_body_arriving_byte_by_byte():
    async def answer(_n: int, _head: bytes, writer: asyncio.StreamWriter) -> bool:
        await write_in_pieces(writer, [OK[i:i + 1] for i in range(len(OK))])
        return True

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=5)
        reply = await pool.request("GET", "/x")
        await pool.close()
        assert (reply.status, reply.body, reply.error) == (200, b"hello world", None)

    with_server(answer, scenario)


def test_chunked_body_with_size_lines_split_then_keep_alive_continues():
    head = CHUNKED[:CHUNKED.index(b"\r\n\r\n") + 4]
    pieces = [head, b"1", b"a\r", b"\nabcdefghij", b"klmnopqrstuvwxyz\r", b"\n3;e", b"xt=1\r\nxyz\r\n0", b"\r\n",
              b"X-Trailer: t\r\n", b"\r", b"\n"]
    assert b"".join(pieces) == CHUNKED

    async def answer(n: int, _head: bytes, writer: asyncio.StreamWriter) -> bool:
        if n == 0:
            await write_in_pieces(writer, pieces)
        else:
            writer.write(OK)
        return True

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=5)
        first, second = await pool.request("GET", "/a"), await pool.request("GET", "/b")
        await pool.close()
        assert (first.status, first.body) == (200, b"abcdefghijklmnopqrstuvwxyzxyz")
        assert (second.status, second.body) == (200, b"hello world")
        assert server.connections == 1

    with_server(answer, scenario)


def test_sequential_requests_reuse_one_keep_alive_connection():
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=4, timeout_s=5)
        replies = [await pool.request("PUT", f"/bare/{i}", {"X-Seq": str(i)}, b'{"seq": %d}' % i) for i in range(5)]
        await pool.close()
        assert [r.status for r in replies] == [200] * 5
        assert server.connections == 1
        head, body = server.requests[3].head, server.requests[3].body
        assert head.startswith(b"PUT /bare/3 HTTP/1.1\r\n")
        assert f"\r\nHost: 127.0.0.1:{server.port}\r\n".encode() in head
        assert b"\r\nConnection: keep-alive\r\n" in head and b"\r\nX-Seq: 3\r\n" in head
        assert b"\r\nContent-Length: 10\r\n" in head and body == b'{"seq": 3}'

    with_server(reply_with(OK), scenario)


def test_connection_close_reply_is_not_reused():
    # The server keeps the socket open but reads no more from it: reusing it would hang until the timeout.
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=1)
        replies = [await pool.request("GET", "/") for _ in range(2)]
        await pool.close()
        assert [(r.status, r.body, r.error) for r in replies] == [(200, b"ok", None)] * 2
        assert server.connections == 2

    with_server(reply_with(closing, keep_serving=False), scenario)


def test_connection_closed_by_the_server_while_idle_is_replaced():
    async def answer(_n: int, _head: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(OK)
        await writer.drain()
        writer.close()  # as gunicorn does once its keep-alive delay has passed
        return False

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=1)
        first = await pool.request("GET", "/")
        await asyncio.sleep(0.05)
        second = await pool.request("GET", "/")
        await pool.close()
        assert (first.status, second.status, second.error) == (200, 200, None)
        assert server.connections == 2

    with_server(answer, scenario)


def test_a_connection_idle_too_long_is_closed_rather_than_reused():
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=1, idle_timeout_s=0.3)
        replies = [await pool.request("GET", "/"), await pool.request("GET", "/")]  # back to back: reused
        await asyncio.sleep(0.4)
        replies.append(await pool.request("GET", "/"))
        await pool.close()
        assert [r.status for r in replies] == [200] * 3
        assert [seen.connection for seen in server.requests] == [1, 1, 2]

    with_server(reply_with(OK), scenario)


def test_a_server_that_never_answers_gives_a_timeout_reply_and_frees_the_connection():
    async def answer(n: int, _head: bytes, writer: asyncio.StreamWriter) -> bool:
        if n == 0:
            return False  # silence
        writer.write(OK)
        return True

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=0.2)
        silent = await pool.request("GET", "/silent")
        after = await pool.request("GET", "/after")
        await pool.close()
        assert (silent.status, silent.error) == (0, "timeout")
        assert 0.19 <= silent.latency_s < 1
        assert (after.status, after.error) == (200, None)  # the one slot came back, on a new connection
        assert server.connections == 2

    with_server(answer, scenario)


def test_connection_refused_is_an_error_reply_not_an_exception():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed

    async def main() -> None:
        pool = HttpPool("127.0.0.1", port, max_connections=1, timeout_s=2)
        replies = [await pool.request("GET", "/") for _ in range(2)]  # the failed connect gave its slot back
        await pool.close()
        assert [(r.status, r.error) for r in replies] == [(0, "refused")] * 2

    run_isolated(asyncio.wait_for(main(), 10))


def test_the_connection_freed_last_is_reused_first():
    async def pause_by_path(_n: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.1 if head.startswith(b"GET /slow ") else 0.0)
        writer.write(OK)
        return True

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=2, timeout_s=5)
        await asyncio.gather(pool.request("GET", "/quick"), pool.request("GET", "/slow"))
        for _ in range(3):
            await pool.request("GET", "/next")
        await pool.close()
        slow = next(seen.connection for seen in server.requests if seen.head.startswith(b"GET /slow "))
        assert server.connections == 2
        assert [seen.connection for seen in server.requests[2:]] == [slow] * 3

    with_server(pause_by_path, scenario)


def test_latency_counts_from_the_scheduled_time():
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=5)
        late = await pool.request("GET", "/", scheduled_at=time.perf_counter() - 0.3)
        await pool.close()
        assert late.status == 200 and 0.3 <= late.latency_s < 1

    with_server(reply_with(OK), scenario)


def test_requests_beyond_max_connections_wait_for_a_free_one():
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=2, timeout_s=5)
        replies = await asyncio.gather(*(pool.request("GET", f"/{i}") for i in range(6)))
        await pool.close()
        assert [r.status for r in replies] == [200] * 6
        assert server.connections == 2
        assert sorted(r.latency_s for r in replies)[-1] >= 0.14  # the last pair waited for two others

    with_server(reply_with(OK, pause_s=0.05), scenario)


def test_fire_sends_at_the_offered_rate_and_returns_replies_in_order():
    async def echo_path(_n: int, head: bytes, writer: asyncio.StreamWriter) -> bool:
        path = head.split(b" ")[1]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(path), path))
        return True

    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=8, timeout_s=5)
        replies = await fire(pool, lambda n: ("GET", f"/{n}", None, None), rate=200, duration_s=0.25)
        await pool.close()
        assert [r.body for r in replies] == [f"/{n}".encode() for n in range(50)]
        arrivals = [seen.at for seen in server.requests]
        gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
        assert 0.0035 < gaps[len(gaps) // 2] < 0.0065  # one every 5 ms, not all at once nor at another rate

    with_server(echo_path, scenario)


def test_fire_counts_queueing_from_the_schedule_not_the_send():
    # 40 requests/s offered, one connection, 50 ms per answer: request n waits about n * 25 ms for its turn.
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=5)
        replies = await fire(pool, lambda n: ("GET", "/", None, None), rate=40, duration_s=0.25)
        await pool.close()
        latencies = [r.latency_s for r in replies]
        assert len(latencies) == 10 and all(r.status == 200 for r in replies)
        assert all(b > a for a, b in zip(latencies, latencies[1:], strict=False)), latencies
        assert latencies[-1] - latencies[0] > 0.15  # 9 * 25 ms of waiting for the connection, counted

    with_server(reply_with(OK, pause_s=0.05), scenario)


@pytest.mark.parametrize("raw", [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"])
def test_a_reply_that_is_not_http_is_an_error_reply(raw):
    async def scenario(server: Server) -> None:
        pool = HttpPool("127.0.0.1", server.port, max_connections=1, timeout_s=1)
        reply = await pool.request("GET", "/")
        await pool.close()
        assert reply.status == 0 and reply.error.startswith("bad response")

    with_server(reply_with(raw), scenario)


def test_without_keep_alive_every_request_gets_its_own_connection():
    async def scenario() -> tuple[int, list[int]]:
        connections, statuses = [], []

        async def handle(reader, writer):
            connections.append(1)
            head = await reader.readuntil(b"\r\n\r\n")
            assert b"Connection: close" in head
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = HttpPool("127.0.0.1", port, max_connections=4, timeout_s=5, keep_alive=False)
        for _ in range(3):
            statuses.append((await pool.request("GET", "/")).status)
        await pool.close()
        server.close()
        await server.wait_closed()
        return len(connections), statuses

    opened, statuses = run_isolated(scenario())
    assert opened == 3 and statuses == [200, 200, 200]
