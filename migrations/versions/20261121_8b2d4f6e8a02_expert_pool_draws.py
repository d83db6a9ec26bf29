"""expert_pool_draws: expert pool, integrity log, panel draws

Revision ID: 8b2d4f6e8a02
Revises: 8a1c3e5d7f01
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = '8b2d4f6e8a02'
down_revision = '8a1c3e5d7f01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('nominated_by_org_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nominated_by_org_id'], ['core_organisations.id'], name=op.f('fk_roster_experts_nominated_by_org_id_core_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['core_users.id'], name=op.f('fk_roster_experts_user_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_experts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_roster_experts_user_id'))
    )

    with op.batch_alter_table('roster_experts', schema=None) as batch_op:
        batch_op.create_index('ix_roster_experts_status_region', ['status', 'region', 'id'], unique=False)

    op.create_table('roster_expert_specialties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('skill_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['roster_experts.id'], name=op.f('fk_roster_expert_specialties_expert_id_roster_experts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_expert_specialties')),
    sa.UniqueConstraint('expert_id', 'skill_code', name=op.f('uq_roster_expert_specialties_expert_id_skill_code'))
    )

    with op.batch_alter_table('roster_expert_specialties', schema=None) as batch_op:
        batch_op.create_index('ix_roster_expert_specialties_code', ['skill_code', 'expert_id'], unique=False)

    op.create_table('roster_expert_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_users.id'], name=op.f('fk_roster_expert_log_actor_id_core_users')),
    sa.ForeignKeyConstraint(['expert_id'], ['roster_experts.id'], name=op.f('fk_roster_expert_log_expert_id_roster_experts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_expert_log')),
    sa.UniqueConstraint('expert_id', 'seq', name=op.f('uq_roster_expert_log_expert_id_seq'))
    )

    op.create_table('roster_expert_relationships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('related_user_id', sa.Integer(), nullable=True),
    sa.Column('related_org_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(related_user_id IS NULL) <> (related_org_id IS NULL)', name=op.f('ck_roster_expert_relationships_one_party')),
    sa.ForeignKeyConstraint(['declared_by_id'], ['core_users.id'], name=op.f('fk_roster_expert_relationships_declared_by_id_core_users')),
    sa.ForeignKeyConstraint(['expert_id'], ['roster_experts.id'], name=op.f('fk_roster_expert_relationships_expert_id_roster_experts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_org_id'], ['core_organisations.id'], name=op.f('fk_roster_expert_relationships_related_org_id_core_organisations')),
    sa.ForeignKeyConstraint(['related_user_id'], ['core_users.id'], name=op.f('fk_roster_expert_relationships_related_user_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_expert_relationships'))
    )

    with op.batch_alter_table('roster_expert_relationships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_expert_relationships_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index('ix_roster_expert_relationships_org', ['related_org_id'], unique=False)
        batch_op.create_index('ix_roster_expert_relationships_user', ['related_user_id'], unique=False)

    op.create_table('roster_expert_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=120), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=True),
    sa.Column('rated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_roster_expert_ratings_score_range')),
    sa.ForeignKeyConstraint(['expert_id'], ['roster_experts.id'], name=op.f('fk_roster_expert_ratings_expert_id_roster_experts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['core_users.id'], name=op.f('fk_roster_expert_ratings_rater_id_core_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_expert_ratings')),
    sa.UniqueConstraint('expert_id', 'job', name=op.f('uq_roster_expert_ratings_expert_id_job'))
    )

    op.create_table('roster_panel_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=False),
    sa.Column('specialty', sa.String(length=8), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=40), nullable=False),
    sa.Column('candidate_ids', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('selected_ids', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_users.id'], name=op.f('fk_roster_panel_draws_actor_id_core_users')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['core_users.id'], name=op.f('fk_roster_panel_draws_subject_user_id_core_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_panel_draws'))
    )

    with op.batch_alter_table('roster_panel_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_panel_draws_subject_user_id'), ['subject_user_id'], unique=False)

    op.create_table('roster_panel_replacements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('replaced_expert_id', sa.Integer(), nullable=False),
    sa.Column('replacement_expert_id', sa.Integer(), nullable=False),
    sa.Column('unavailable', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seed', sa.String(length=80), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_users.id'], name=op.f('fk_roster_panel_replacements_actor_id_core_users')),
    sa.ForeignKeyConstraint(['draw_id'], ['roster_panel_draws.id'], name=op.f('fk_roster_panel_replacements_draw_id_roster_panel_draws'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaced_expert_id'], ['roster_experts.id'], name=op.f('fk_roster_panel_replacements_replaced_expert_id_roster_experts')),
    sa.ForeignKeyConstraint(['replacement_expert_id'], ['roster_experts.id'], name=op.f('fk_roster_panel_replacements_replacement_expert_id_roster_experts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_panel_replacements')),
    sa.UniqueConstraint('draw_id', 'seq', name=op.f('uq_roster_panel_replacements_draw_id_seq'))
    )


def downgrade() -> None:
    op.drop_table('roster_panel_replacements')
    with op.batch_alter_table('roster_panel_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_panel_draws_subject_user_id'))

    op.drop_table('roster_panel_draws')
    op.drop_table('roster_expert_ratings')
    with op.batch_alter_table('roster_expert_relationships', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_expert_relationships_user')
        batch_op.drop_index('ix_roster_expert_relationships_org')
        batch_op.drop_index(batch_op.f('ix_roster_expert_relationships_expert_id'))

    op.drop_table('roster_expert_relationships')
    op.drop_table('roster_expert_log')
    with op.batch_alter_table('roster_expert_specialties', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_expert_specialties_code')

    op.drop_table('roster_expert_specialties')
    with op.batch_alter_table('roster_experts', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_experts_status_region')

    op.drop_table('roster_experts')
