"""check-in rounds no longer keep the participation count the invitation once showed

Revision ID: 0017_no_shown_count
Revises: 0014_person_pace
Create Date: 2026-12-07 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017_no_shown_count'
down_revision: str | None = '0014_person_pace'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A lower bound on a small team's answers, visible to every leader in the channel: never shown again.
    with op.batch_alter_table('checkin_round') as batch:
        batch.drop_column('shown_count')


def downgrade() -> None:
    with op.batch_alter_table('checkin_round') as batch:
        batch.add_column(sa.Column('shown_count', sa.Integer(), nullable=False, server_default='0'))
