"""Committee review tables: applications for 二级/一级, panel scores, the chair's decision."""

from __future__ import annotations
