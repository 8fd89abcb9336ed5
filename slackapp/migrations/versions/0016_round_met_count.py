"""peer-support rounds keep how many people met, counted once when the round closed

Revision ID: 0016_round_met_count
Revises: 0003_pairing
Create Date: 2026-12-07 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016_round_met_count'
down_revision: str | None = '0003_pairing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('pairing_round', sa.Column('met_count', sa.Integer(), nullable=True))
    # Rounds closed before this revision: their meetings as reported so far, counted once now.
    op.execute(
        "UPDATE pairing_round SET met_count = (SELECT COALESCE(SUM(g.size), 0) FROM pairing_group g "
        "WHERE g.round_id = pairing_round.id AND g.met_at IS NOT NULL) WHERE state = 'closed'"
    )


def downgrade() -> None:
    with op.batch_alter_table('pairing_round') as batch:
        batch.drop_column('met_count')
