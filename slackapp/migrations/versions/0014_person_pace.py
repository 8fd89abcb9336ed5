"""per-person request counts shared by web processes (fair use of Slack's limits)

Revision ID: 0014_person_pace
Revises: 0007_pacing_slots
Create Date: 2026-12-06 21:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014_person_pace'
down_revision: str | None = '0007_pacing_slots'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'person_pace',
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('window_started', sa.DateTime(timezone=True), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('person_key', name=op.f('pk_person_pace')),
    )
    op.create_index(op.f('ix_person_pace_window_started'), 'person_pace', ['window_started'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_person_pace_window_started'), table_name='person_pace')
    op.drop_table('person_pace')
