"""Expert pool tables: experts, specialties, integrity log, declared relationships, panel draws."""

from __future__ import annotations
