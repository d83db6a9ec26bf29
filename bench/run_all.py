"""``make bench``: every benchmark in turn, each bounded in time, loopback only. Figures go to stdout and
bench/results/; copy them with the machine, date and load into docs/PERFORMANCE.md."""

from __future__ import annotations

import subprocess
import sys

RUNS = [
    ["-m", "bench.exam_day", "--db", "sqlite", "--candidates", "1000", "--start-window", "60", "--duration", "60"],
    ["-m", "bench.exam_day", "--db", "postgres", "--candidates", "1000", "--start-window", "60", "--duration", "60"],
    ["-m", "bench.cert_pdf", "--single", "60", "--batch-seconds", "60"],
    ["-m", "bench.cert_bulk", "--db", "sqlite"],
    ["-m", "bench.cert_bulk", "--db", "postgres"],
]


def main() -> int:
    failed = 0
    for args in RUNS:
        print("==", " ".join(args), flush=True)
        failed += subprocess.call([sys.executable, *args]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
