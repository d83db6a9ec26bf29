"""drop exam_attempts.last_save_at: the console reads the last applied save from the answers

Revision ID: 8d4f6b8c0a04
Revises: 8c3e5a7f9b03
Create Date: 2026-11-21 11:10:00

Every applied answer updated its attempt row only to keep this copy of ``max(exam_answers.saved_at)``: one
statement and one new row version per save on the exam day's hottest path.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = '8d4f6b8c0a04'
down_revision = '8c3e5a7f9b03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_column('last_save_at')


def downgrade() -> None:
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_save_at', core.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE exam_attempts SET last_save_at = (SELECT max(saved_at) FROM exam_answers "
               "WHERE exam_answers.attempt_id = exam_attempts.id)")
