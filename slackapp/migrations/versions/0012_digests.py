"""results digests: which manager was sent which week's digest

Revision ID: 0012_digests
Revises: 0001
Create Date: 2026-12-06 22:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_digests'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digest_sent',
    sa.Column('workspace_id', sa.String(length=32), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'week', 'user_id', name=op.f('pk_digest_sent'))
    )


def downgrade() -> None:
    op.drop_table('digest_sent')
