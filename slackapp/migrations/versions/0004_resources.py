"""Resource groups: the directory, its audit log, join counts, regions, anonymous questions, support maps.

Revision ID: 0004_resources
Revises: 0001
Create Date: 2026-11-24 06:08:23.453338
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004_resources'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('resource_audit',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('entry_name', sa.String(length=150), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_audit'))
    )
    op.create_index(op.f('ix_resource_audit_workspace_id'), 'resource_audit', ['workspace_id'], unique=False)
    op.create_table('resource_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('employee_group', 'support_group', 'professional', name='entrykind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('contact_id', sa.String(length=32), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('support_kinds', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_entry'))
    )
    op.create_index('ix_resource_entry_workspace_id_archived_at', 'resource_entry', ['workspace_id', 'archived_at'], unique=False)
    op.create_table('resource_person_region',
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'user_id', name=op.f('pk_resource_person_region'))
    )
    op.create_table('resource_support_map',
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('support_kind', sa.String(length=16), nullable=False),
    sa.Column('how_many', sa.Enum('none', 'one', 'a_few', 'many', name='howmany', native_enum=False, length=16), nullable=False),
    sa.Column('from_where', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'user_id', 'support_kind', name=op.f('pk_resource_support_map'))
    )
    op.create_table('resource_join_count',
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['resource_entry.id'], name=op.f('fk_resource_join_count_entry_id_resource_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'month', name=op.f('pk_resource_join_count'))
    )
    op.create_table('resource_question',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('asker_id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['resource_entry.id'], name=op.f('fk_resource_question_entry_id_resource_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_question'))
    )
    op.create_index(op.f('ix_resource_question_expires_at'), 'resource_question', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resource_question_expires_at'), table_name='resource_question')
    op.drop_table('resource_question')
    op.drop_table('resource_join_count')
    op.drop_table('resource_support_map')
    op.drop_table('resource_person_region')
    op.drop_index('ix_resource_entry_workspace_id_archived_at', table_name='resource_entry')
    op.drop_table('resource_entry')
    op.drop_index(op.f('ix_resource_audit_workspace_id'), table_name='resource_audit')
    op.drop_table('resource_audit')
