"""resource group channel archived in Slack

Revision ID: 0013_channel_archived
Revises: 0006_member_counts
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_channel_archived'
down_revision: str | None = '0006_member_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('resource_entry', sa.Column('channel_archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resource_entry') as batch:
        batch.drop_column('channel_archived_at')
