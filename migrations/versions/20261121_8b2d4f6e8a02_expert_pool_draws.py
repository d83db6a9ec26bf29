"""expert_pool_draws: expert pool, integrity log, panel draws

Revision ID: 8b2d4f6e8a02
Revises: 8a1c3e5d7f01
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401

revision = '8b2d4f6e8a02'
down_revision = '8a1c3e5d7f01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
