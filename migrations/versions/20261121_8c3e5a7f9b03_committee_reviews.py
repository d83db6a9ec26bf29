"""committee_reviews: committee reviews of 二级/一级 applications

Revision ID: 8c3e5a7f9b03
Revises: 8b2d4f6e8a02
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = '8c3e5a7f9b03'
down_revision = '8b2d4f6e8a02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_review_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=False),
    sa.Column('skill_code', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('panel_size', sa.Integer(), nullable=False),
    sa.Column('panel_draw_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['cert_certificates.id'], name=op.f('fk_roster_review_applications_certificate_id_cert_certificates')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['core_users.id'], name=op.f('fk_roster_review_applications_decided_by_id_core_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['core_users.id'], name=op.f('fk_roster_review_applications_opened_by_id_core_users')),
    sa.ForeignKeyConstraint(['panel_draw_id'], ['roster_panel_draws.id'], name=op.f('fk_roster_review_applications_panel_draw_id_roster_panel_draws')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['core_users.id'], name=op.f('fk_roster_review_applications_subject_user_id_core_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_review_applications')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_roster_review_applications_certificate_id'))
    )
    with op.batch_alter_table('roster_review_applications', schema=None) as batch_op:
        batch_op.create_index('ix_roster_review_applications_status_id', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_review_applications_subject_user_id'), ['subject_user_id'], unique=False)

    op.create_table('roster_review_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['roster_review_applications.id'], name=op.f('fk_roster_review_scores_application_id_roster_review_applications')),
    sa.ForeignKeyConstraint(['expert_id'], ['roster_experts.id'], name=op.f('fk_roster_review_scores_expert_id_roster_experts')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['core_users.id'], name=op.f('fk_roster_review_scores_reviewer_id_core_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_review_scores')),
    sa.UniqueConstraint('application_id', 'expert_id', name=op.f('uq_roster_review_scores_application_id_expert_id'))
    )


def downgrade() -> None:
    op.drop_table('roster_review_scores')
    with op.batch_alter_table('roster_review_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_review_applications_subject_user_id'))
        batch_op.drop_index('ix_roster_review_applications_status_id')

    op.drop_table('roster_review_applications')
