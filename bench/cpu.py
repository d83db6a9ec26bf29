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


def tree_cpu(root: int, table: dict | None = None) -> float:
    table = table if table is not None else _all()
    children: dict[int, list[int]] = {}
    for pid, (_name, ppid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][2]
        todo.extend(children.get(pid, []))
    return total


def postgres_cpu(table: dict | None = None) -> float:
    table = table if table is not None else _all()
    return sum(cpu for name, _ppid, cpu in table.values() if name.startswith("postgres"))


@dataclass
class CpuMeter:
    """CPU seconds used between ``start()`` and ``stop()`` by the server tree, PostgreSQL and this process."""

    server_pid: int
    server_s: float = 0.0
    postgres_s: float = 0.0
    generator_s: float = 0.0
    wall_s: float = 0.0

    def start(self) -> CpuMeter:
        table = _all()
        self._base = (tree_cpu(self.server_pid, table), postgres_cpu(table), time.process_time(), time.perf_counter())
        return self

    def stop(self) -> CpuMeter:
        table = _all()
        server, postgres, mine, wall = self._base
        self.server_s = tree_cpu(self.server_pid, table) - server
        self.postgres_s = postgres_cpu(table) - postgres
        self.generator_s = time.process_time() - mine
        self.wall_s = time.perf_counter() - wall
        return self

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """CPU milliseconds per request of each part, and the cores busy on average over the run."""
        n = max(1, requests)
        return {"server_ms": round(self.server_s / n * 1000, 3), "postgres_ms": round(self.postgres_s / n * 1000, 3),
                "generator_ms": round(self.generator_s / n * 1000, 3),
                "cores_busy": round((self.server_s + self.postgres_s + self.generator_s) / max(self.wall_s, 1e-9), 2)}
