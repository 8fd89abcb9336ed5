"""resource group member counts at each month's end (the engagement page shows only completed months)

Revision ID: 0015_member_months
Revises: 0013_channel_archived
Create Date: 2026-12-07 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015_member_months'
down_revision: str | None = '0013_channel_archived'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'resource_member_count',
        sa.Column('entry_id', sa.Uuid(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['entry_id'],
            ['resource_entry.id'],
            name=op.f('fk_resource_member_count_entry_id_resource_entry'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('entry_id', 'month', name=op.f('pk_resource_member_count')),
    )


def downgrade() -> None:
    op.drop_table('resource_member_count')
