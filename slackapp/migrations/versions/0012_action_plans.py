""""you said, we did" notes become action plans: an owner, a due date, a status, edits

Revision ID: 0012_action_plans
Revises: 0002_org
Create Date: 2026-12-06 21:40:00.000000

Existing notes become plans with no owner or due date, status "planned", last changed when written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_action_plans'
down_revision: str | None = '0002_org'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('team_action_note', sa.Column('owner', sa.String(length=120), nullable=True))
    op.add_column('team_action_note', sa.Column('due', sa.Date(), nullable=True))
    op.add_column(
        'team_action_note',
        sa.Column('status', sa.String(length=16), nullable=False, server_default='planned'),
    )
    op.add_column('team_action_note', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE team_action_note SET updated_at = written_at")
    with op.batch_alter_table('team_action_note') as batch:
        batch.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column('status', existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('team_action_note') as batch:
        batch.drop_column('updated_at')
        batch.drop_column('status')
        batch.drop_column('due')
        batch.drop_column('owner')
