"""roster_cards_flags: special-trade cards, training hours, eligibility flags

Revision ID: 8a1c3e5d7f01
Revises: 4282c37bc3b6
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401

revision = '8a1c3e5d7f01'
down_revision = '4282c37bc3b6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
