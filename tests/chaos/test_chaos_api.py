"""Candidates keep saving answers through the real API while the app loses a worker to ``kill -9``, is restarted
as a whole, and its PostgreSQL is restarted (under load, then while idle). Afterwards every acknowledged answer
is stored with the highest acknowledged sequence number, no (attempt, question, seq) was applied twice, and no
request failed once the database was back (DESIGN.md §6)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from exams.models import Answer, AttemptEvent
from tests.chaos.harness import POSTGRES_PASS_ONLY, Unreachable, call, wait_until
from tests.exams.world import build_world
from tests.factories import PASSWORD

pytestmark = POSTGRES_PASS_ONLY

CANDIDATES = 8
SAVE_GIVE_UP_S = 90  # one save retried this long means the app did not come back


@dataclass(frozen=True)
class Ack:
    attempt_id: int
    question_id: int
    seq: int
    response: object
    applied: bool
    is_replay: bool
    at: float


def random_response(question: dict, rng: random.Random) -> object:
    keys = [o["key"] for o in question["options"]]
    if question["kind"] == "multiple":
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    if question["kind"] == "truefalse":
        return rng.random() < 0.5
    return rng.choice(keys)


@dataclass
class Run:
    """What the candidates share with the test: switches, and what they saw."""

    stop: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event = field(default_factory=threading.Event)  # pause between saves
    acks: list[Ack] = field(default_factory=list)
    refusals: list[tuple[float, str]] = field(default_factory=list)  # (request began, what came back)
    errors: list[str] = field(default_factory=list)


class Candidate(threading.Thread):
    """Plays the phone's protocol: a per-attempt increasing seq, each save retried with the same seq until
    the server acknowledges it; now and then an old save is replayed, as a phone's queue may do."""

    def __init__(self, base: str, phone: str, exam_session_id: int, index: int, run: Run) -> None:
        super().__init__(name=f"candidate-{index}", daemon=True)
        self.base, self.phone, self.exam_session_id, self.shared = base, phone, exam_session_id, run
        self.rng = random.Random(index)
        self.device = f"chaos-{index}"
        self.holding = False

    def run(self) -> None:
        try:
            self._play()
        except Exception as exc:  # reported by the test, which fails on any
            self.shared.errors.append(f"{self.name}: {type(exc).__name__}: {exc}")

    def _send(self, method: str, path: str, body: dict, token: str | None = None) -> dict:
        deadline = time.monotonic() + SAVE_GIVE_UP_S
        while True:
            began = time.monotonic()
            try:
                status, reply = call(self.base, method, path, body, token=token)
            except Unreachable:
                status, reply = None, {}
            if status == 200:
                return reply
            if status is not None and status < 500:
                raise AssertionError(f"{method} {path} {body} -> {status} {reply}")
            self.shared.refusals.append((began, "unreachable" if status is None else f"http_{status}"))
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path} not acknowledged within {SAVE_GIVE_UP_S} s")
            time.sleep(0.1)

    def _play(self) -> None:
        token = self._send("POST", "/api/v1/auth/token", {"phone": self.phone, "password": PASSWORD})["token"]
        started = self._send("POST", f"/api/v1/exam-sessions/{self.exam_session_id}/attempt",
                             {"device_id": self.device}, token)
        attempt_id, questions, seq, sent = started["attempt_id"], started["questions"], 0, []
        while not self.shared.stop.is_set():
            self.holding = self.shared.hold.is_set()
            if self.holding:
                time.sleep(0.05)
                continue
            if sent and self.rng.random() < 0.1:
                self._save(token, attempt_id, *self.rng.choice(sent), is_replay=True)
            question = self.rng.choice(questions)
            seq += 1
            item = (question["id"], seq, random_response(question, self.rng))
            self._save(token, attempt_id, *item, is_replay=False)
            sent.append(item)
            time.sleep(0.03)

    def _save(self, token: str, attempt_id: int, question_id: int, seq: int, response: object, *,
              is_replay: bool) -> None:
        reply = self._send("PUT", f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
                           {"response": response, "seq": seq, "device_id": self.device}, token)
        assert reply["seq"] == seq, reply
        self.shared.acks.append(Ack(attempt_id, question_id, seq, response, reply["applied"], is_replay,
                                    time.monotonic()))


def test_acknowledged_answers_survive_worker_kill_app_restart_and_database_restart(rig, private_cluster, tmp_path):
    url = rig.database(private_cluster.admin_url)
    cipher = rig.cipher(url)
    with rig.session(url) as session:
        world = build_world(session, cipher, tmp_path / "bank", candidates=CANDIDATES,
                            starts_at=utcnow() - timedelta(minutes=1), duration_s=3600, window_s=7200)
        phones = [cipher.decrypt(u.phone_enc, purpose="phone") for u in world.candidates]
        exam_session_id = world.exam_session.id
    server = rig.app_server(url)

    run = Run()
    acks, refusals, errors = run.acks, run.refusals, run.errors
    players = [Candidate(server.url, phone, exam_session_id, i, run) for i, phone in enumerate(phones)]
    for player in players:
        player.start()

    t0, timeline = time.monotonic(), []

    def saves_flow_after(mark: float, what: str) -> None:
        timeline.append(f"{what} {mark - t0:.1f}s")
        wait_until(lambda: errors or sum(a.at > mark for a in acks[-4 * CANDIDATES:]) >= 2 * CANDIDATES,
                   timeout=60, what=f"saves are acknowledged again after {what}")
        assert not errors, errors
        timeline.append(f"flowing {time.monotonic() - t0:.1f}s")

    try:
        saves_flow_after(time.monotonic(), "the start")
        killed, mark = server.kill_worker(), time.monotonic()
        wait_until(lambda: len(server.worker_pids()) == 2 and killed not in server.worker_pids(), timeout=60,
                   what="gunicorn replaces the killed worker")
        saves_flow_after(mark, "kill -9 of a worker")
        mark = time.monotonic()
        server.restart()
        saves_flow_after(mark, "the app restart")
        private_cluster.restart()
        saves_flow_after(time.monotonic(), "a PostgreSQL restart under load")
        run.hold.set()  # a restart while nobody saves: every pooled connection is stale when saves resume
        wait_until(lambda: all(p.holding for p in players), timeout=SAVE_GIVE_UP_S, what="the candidates pause")
        private_cluster.restart()
        database_back = time.monotonic()
        run.hold.clear()
        saves_flow_after(database_back, "a PostgreSQL restart while idle")
    finally:
        run.stop.set()
        for player in players:
            player.join(timeout=SAVE_GIVE_UP_S + 30)
    assert not errors, errors
    assert refusals, "no request was ever refused: the chaos did not reach the clients"
    # The pooled connections died with the database: the app must notice before use (core.db looks
    # at a pooled connection's socket at checkout).
    assert [kind for began, kind in refusals if began > database_back] == [], "stale connections reached requests"
    server.stop()

    with rig.session(url) as session:
        stored = {(a.attempt_id, a.question_version_id): a for a in session.scalars(select(Answer))}
        applied = Counter((e.attempt_id, e.question_version_id, e.seq) for e in session.scalars(
            select(AttemptEvent).where(AttemptEvent.kind == "save_applied")))
    assert [key for key, n in applied.items() if n > 1] == [], "a save was applied twice"
    fresh = [a for a in acks if not a.is_replay]
    # Every fresh seq is newer than anything stored for its question: it must have been applied, once.
    assert [a for a in fresh if applied[(a.attempt_id, a.question_id, a.seq)] != 1] == []
    assert [a for a in acks if a.is_replay and a.applied] == [], "a replayed old save overwrote a newer one"
    latest: dict[tuple[int, int], Ack] = {}
    for ack in fresh:
        key = (ack.attempt_id, ack.question_id)
        if key not in latest or ack.seq > latest[key].seq:
            latest[key] = ack
    wrong = [(key, ack.seq, ack.response, stored[key].seq if key in stored else None,
              stored[key].response if key in stored else None)
             for key, ack in latest.items()
             if key not in stored or (stored[key].seq, stored[key].response) != (ack.seq, ack.response)]
    assert wrong == [], "acknowledged answers missing or not the newest"
    assert set(stored) == set(latest)
    retried = Counter(kind for _began, kind in refusals)
    print(f"chaos api: {len(acks)} acknowledged saves, {len(latest)} answers, retried: {retried}; {timeline}")
