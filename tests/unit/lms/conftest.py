"""Shared fixtures for the pure question-bank tests."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def moodle_fixtures() -> Path:
    """The third-party Moodle test files under $PREFABSKILLS_SHARED (default: <repo>/../shared)."""
    shared = Path(os.environ.get("PREFABSKILLS_SHARED", REPO.parent / "shared"))
    folder = shared / "fixtures" / "moodle"
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Moodle fixtures not found at {folder}; CI must have shared/ beside the repo")
        pytest.skip(f"Moodle fixtures not found at {folder}; set PREFABSKILLS_SHARED")
    return folder
