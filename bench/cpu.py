"""Where the two cores go during a bench: CPU seconds of the app server, PostgreSQL and the generator.

Read from ``/proc`` (Linux): a process tree's user + system time (gunicorn's master and workers), every
``postgres`` process (all databases of the local cluster, so other clients' work counts too: the figure is an
upper bound), and the calling process itself (the load generator).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of one process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _all() -> dict[int, tuple[str, int, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(int(entry))) is not None:
            out[int(entry)] = found
    return out


def _delta(before: dict, after: dict, pids) -> float:
    """CPU used between two snapshots by the processes alive at both (one that exited took its count along)."""
    return sum(after[pid][2] - before[pid][2] for pid in pids if pid in before and pid in after)


def _tree(root: int, table: dict) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (_name, ppid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, pending = [], [root]
    while pending:
        pid = pending.pop()
        out.append(pid)
        pending.extend(children.get(pid, []))
    return out


@dataclass
class CpuMeter:
    """CPU seconds used between ``start()`` and ``stop()`` by the server tree (and each of its processes),
    PostgreSQL and this process."""

    server_pid: int
    server_s: float = 0.0
    postgres_s: float = 0.0
    generator_s: float = 0.0
    wall_s: float = 0.0
    per_process_s: tuple[float, ...] = ()

    def start(self) -> CpuMeter:
        self._before, self._mine, self._wall = _all(), time.process_time(), time.perf_counter()
        return self

    def stop(self) -> CpuMeter:
        after, before = _all(), self._before
        tree = _tree(self.server_pid, after)
        self.per_process_s = tuple(round(_delta(before, after, [pid]), 2) for pid in tree)
        self.server_s = _delta(before, after, tree)
        self.postgres_s = _delta(before, after, [pid for pid, (name, _p, _c) in after.items()
                                                 if name.startswith("postgres")])
        self.generator_s = time.process_time() - self._mine
        self.wall_s = time.perf_counter() - self._wall
        return self

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """CPU milliseconds per request of each part, the cores busy on average over the run, and each server
        process's share of a core (master first): a worker near 1.0 while another idles is a balance problem."""
        n = max(1, requests)
        return {"server_ms": round(self.server_s / n * 1000, 3), "postgres_ms": round(self.postgres_s / n * 1000, 3),
                "generator_ms": round(self.generator_s / n * 1000, 3),
                "cores_busy": round((self.server_s + self.postgres_s + self.generator_s) / max(self.wall_s, 1e-9), 2),
                "server_processes_cores": [round(s / max(self.wall_s, 1e-9), 2) for s in self.per_process_s]}
