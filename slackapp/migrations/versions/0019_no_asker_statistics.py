"""PostgreSQL keeps no statistics of the anonymous-question relay's askers

Revision ID: 0019_no_asker_statistics
Revises: 0011_relay_sealed
Create Date: 2026-12-07 11:15:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0019_no_asker_statistics'
down_revision: str | None = '0011_relay_sealed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0018_no_secret_statistics for the round secrets: ANALYZE kept sample values of the sealed askers and
# their keyed hashes in pg_statistic after the answer had deleted the link, and with KINDRED_SECRET_KEY
# they said who had asked anonymous questions (tests/privacy/test_database_holder.py).
UNSAMPLED = (
    ('resource_question', 'asker_sealed'),
    ('resource_question', 'asker_hash'),
    ('resource_question_count', 'asker_hash'),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite's ANALYZE keeps row counts only
    for table, column in UNSAMPLED:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0')
        # Changing a column to the type it has drops the samples already taken, and rewrites nothing.
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in UNSAMPLED:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1')
