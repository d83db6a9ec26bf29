"""gunicorn settings for the benches (``-c python:bench.gunicorn_ready``): each worker, once it has loaded the
app, leaves a file named by its pid in ``$BENCH_READY_DIR``. gunicorn's master opens the port before its workers
have imported the app (about 3 s each on the development VM), so a bench that starts as soon as the port answers
measures the boot: the first seconds of requests wait in the listen queue."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def post_worker_init(worker) -> None:
    folder = os.environ.get("BENCH_READY_DIR")
    if folder:
        with contextlib.suppress(OSError):  # the bench removes the folder once it started: a restarted worker
            (Path(folder) / str(os.getpid())).touch()
