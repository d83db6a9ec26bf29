"""roster_cards_flags: special-trade cards, training hours, eligibility flags

Revision ID: 8a1c3e5d7f01
Revises: 4282c37bc3b6
Create Date: 2026-11-21 08:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision = '8a1c3e5d7f01'
down_revision = '4282c37bc3b6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_trade_authorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=False),
    sa.Column('renewal_window_months', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('renewal_window_months >= 0 AND renewal_window_months < validity_months', name=op.f('ck_roster_trade_authorities_window_inside_validity')),
    sa.CheckConstraint('validity_months > 0', name=op.f('ck_roster_trade_authorities_validity_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_trade_authorities')),
    sa.UniqueConstraint('name', name=op.f('uq_roster_trade_authorities_name'))
    )
    op.create_table('roster_trade_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('trade_name', sa.String(length=60), nullable=False),
    sa.Column('card_number', sa.String(length=40), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('has_stated_expiry', sa.Boolean(), nullable=False),
    sa.Column('base_org_id', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['roster_trade_authorities.id'], name=op.f('fk_roster_trade_cards_authority_id_roster_trade_authorities')),
    sa.ForeignKeyConstraint(['base_org_id'], ['core_organisations.id'], name=op.f('fk_roster_trade_cards_base_org_id_core_organisations')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['core_users.id'], name=op.f('fk_roster_trade_cards_entered_by_id_core_users')),
    sa.ForeignKeyConstraint(['user_id'], ['core_users.id'], name=op.f('fk_roster_trade_cards_user_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_trade_cards')),
    sa.UniqueConstraint('authority_id', 'card_number', name=op.f('uq_roster_trade_cards_authority_id_card_number'))
    )
    with op.batch_alter_table('roster_trade_cards', schema=None) as batch_op:
        batch_op.create_index('ix_roster_trade_cards_base', ['base_org_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_trade_cards_user_id'), ['user_id'], unique=False)

    op.create_table('roster_bases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['roster_entries.id'], name=op.f('fk_roster_bases_entry_id_roster_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['core_organisations.id'], name=op.f('fk_roster_bases_org_id_core_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_bases')),
    sa.UniqueConstraint('entry_id', 'org_id', name=op.f('uq_roster_bases_entry_id_org_id'))
    )
    with op.batch_alter_table('roster_bases', schema=None) as batch_op:
        batch_op.create_index('ix_roster_bases_org', ['org_id', 'entry_id'], unique=False)

    op.create_table('roster_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['roster_entries.id'], name=op.f('fk_roster_flags_entry_id_roster_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_flags')),
    sa.UniqueConstraint('entry_id', 'flag', name=op.f('uq_roster_flags_entry_id_flag'))
    )
    with op.batch_alter_table('roster_flags', schema=None) as batch_op:
        batch_op.create_index('ix_roster_flags_flag', ['flag', 'entry_id'], unique=False)

    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('trade_cards', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('flags', sa.JSON(), server_default='[]', nullable=False))

    # The default validity rule (DESIGN.md §5): the provincial construction department's cards are valid
    # 24 months with renewal in the last 3. roster.cards.ensure_default_authorities creates it too.
    authorities = sa.table('roster_trade_authorities', sa.column('name', sa.String), sa.column('region', sa.String),
                           sa.column('validity_months', sa.Integer), sa.column('renewal_window_months', sa.Integer),
                           sa.column('created_at', core.db.UTCDateTime()))
    op.bulk_insert(authorities, [{'name': '云南省住房和城乡建设厅', 'region': '云南省', 'validity_months': 24,
                                  'renewal_window_months': 3, 'created_at': datetime(2026, 11, 21, tzinfo=UTC)}])

    # roster search indexes (P1): on PostgreSQL the region is compared byte-wise (collation "C"), so the
    # prefix filter (region LIKE '云南省%') is a range scan of ix_roster_entries_region_id whatever the
    # database's collation; SQLite compares byte-wise already.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE roster_entries ALTER COLUMN region TYPE VARCHAR(60) COLLATE "C"')



def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':  # roster search indexes (P1)
        op.execute('ALTER TABLE roster_entries ALTER COLUMN region TYPE VARCHAR(60) COLLATE "default"')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_column('flags')
        batch_op.drop_column('trade_cards')
        batch_op.drop_column('training_minutes')

    with op.batch_alter_table('roster_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_flags_flag')

    op.drop_table('roster_flags')
    with op.batch_alter_table('roster_bases', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_bases_org')

    op.drop_table('roster_bases')
    with op.batch_alter_table('roster_trade_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_trade_cards_user_id'))
        batch_op.drop_index('ix_roster_trade_cards_base')

    op.drop_table('roster_trade_cards')
    op.drop_table('roster_trade_authorities')
