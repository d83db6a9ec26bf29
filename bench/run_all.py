"""``make bench``: every benchmark in turn, each bounded in time, loopback only. Figures go to stdout and
bench/results/; copy them with the machine, date and load into docs/PERFORMANCE.md.

Lighthouse runs last and needs npm (it installs the pinned package with ``npm ci`` before going offline);
``--no-lighthouse`` leaves it out, and without npm it is skipped with a message saying so."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

RUNS = [
    ["-m", "bench.floor", "--db", "postgres"],  # what any app served this way can reach here: read the rest against it
    ["-m", "bench.exam_day", "--db", "sqlite", "--candidates", "1000", "--start-window", "60", "--duration", "60"],
    ["-m", "bench.exam_day", "--db", "postgres", "--candidates", "1000", "--start-window", "60", "--duration", "60"],
    ["-m", "bench.cert_pdf", "--single", "60", "--batch-seconds", "60"],
    ["-m", "bench.cert_bulk", "--db", "sqlite"],
    ["-m", "bench.cert_bulk", "--db", "postgres"],
    ["-m", "bench.verify", "--db", "sqlite"],
    ["-m", "bench.verify", "--db", "postgres"],
    # builds prefab_bench_roster_1m (1,000,000 generated workers, ~half an hour) the first time, then reuses it
    ["-m", "bench.roster_search", "--reuse"],
]
LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"


def lighthouse() -> bool:
    """Install the pinned Lighthouse and run it; True when it ran and met the budget (or was skipped)."""
    npm = shutil.which("npm")
    if npm is None:
        print("\n!!!!!! npm not found: the Lighthouse run is SKIPPED (`make lighthouse` installs Node.js and "
              "npm 10, or pass --no-lighthouse) !!!!!!\n", flush=True)
        return True
    print("== npm ci (bench/lighthouse)", flush=True)
    if subprocess.call([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LIGHTHOUSE_DIR) != 0:
        return False
    print("== -m bench.lighthouse", flush=True)
    return subprocess.call([sys.executable, "-m", "bench.lighthouse"]) == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-lighthouse", action="store_true", help="leave out the Lighthouse run")
    args = parser.parse_args()
    failed = 0
    for run in RUNS:
        print("==", " ".join(run), flush=True)
        failed += subprocess.call([sys.executable, *run]) != 0
    if not args.no_lighthouse:
        failed += not lighthouse()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
