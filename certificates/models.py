"""Certificate tables (see the certificates issue)."""

from __future__ import annotations
