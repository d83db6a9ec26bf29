"""committee_reviews: committee reviews of 二级/一级 applications

Revision ID: 8c3e5a7f9b03
Revises: 8b2d4f6e8a02
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401

revision = '8c3e5a7f9b03'
down_revision = '8b2d4f6e8a02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
