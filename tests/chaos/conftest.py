"""Chaos fixtures: a ``Rig`` per test (databases, gunicorn, schedulers, a private PostgreSQL), a browser.

These tests run in the PostgreSQL pass only (``PREFABSKILLS_TEST_BACKEND=postgres``): they need real row
locks under several processes, a server that can be restarted, and one of them waits out a 60 s network
cut, so running them twice would only cost time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chaos.harness import ClusterUnavailable, PrivateCluster, Rig

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def rig(tmp_path):
    """Databases and processes for one test, all stopped and dropped afterwards (newest first)."""
    chaos = Rig(tmp_path)
    try:
        yield chaos
    finally:
        chaos.close()


@pytest.fixture
def private_cluster(rig) -> PrivateCluster:
    """A PostgreSQL cluster of this test's own; the shared server on :5432 is never restarted."""
    try:
        return rig.cluster()
    except ClusterUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the private PostgreSQL cluster for the restart test could not be started: {exc}")
        pytest.skip(f"private PostgreSQL cluster unavailable on this machine: {exc}")


@pytest.fixture(scope="session")
def chaos_browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
