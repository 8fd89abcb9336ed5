"""pacing slots shared by worker processes

Revision ID: 0007_pacing_slots
Revises: 0001
Create Date: 2026-11-24 08:19:04.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_pacing_slots'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pacing_slot',
        sa.Column('bucket', sa.String(length=100), nullable=False),
        sa.Column('next_free', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', name=op.f('pk_pacing_slot')),
    )


def downgrade() -> None:
    op.drop_table('pacing_slot')
