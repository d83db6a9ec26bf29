"""Start-up checks that tell the operator clearly what the machine is missing."""

from __future__ import annotations

import ctypes.util
import logging


def missing_pdf_libraries() -> list[str]:
    """Native libraries WeasyPrint needs for fast Chinese PDFs (see DESIGN.md §4)."""
    wanted = {"pango-1.0": "libpango-1.0-0", "harfbuzz-subset": "libharfbuzz-subset0"}
    return [pkg for lib, pkg in wanted.items() if ctypes.util.find_library(lib) is None]


def check_pdf_stack(log: logging.Logger) -> None:
    for pkg in missing_pdf_libraries():
        log.warning("PDF stack: Debian package %s is missing; certificates render slowly or not at all "
                    "(run `make deps` or `apt-get install %s`)", pkg, pkg)
