"""PostgreSQL keeps no statistics of the round secrets, the ledger or the invitees

Revision ID: 0018_no_secret_statistics
Revises: 0010_invitees
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0018_no_secret_statistics'
down_revision: str | None = '0010_invitees'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ANALYZE (autovacuum runs it on its own once 50 rows of a table change) keeps sample values of each
# column in pg_statistic: every voter hash of the open rounds' ledger and invitees, and their sealed
# secrets. Closing a round erases the rows, not the samples; with KINDRED_SECRET_KEY they said who had
# answered a round long closed (tests/privacy/test_database_holder.py).
UNSAMPLED = (
    ('checkin_round', 'secret_ciphertext'),
    ('checkin_participation', 'voter_hash'),
    ('checkin_invitee', 'voter_hash'),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite's ANALYZE keeps row counts only
    for table, column in UNSAMPLED:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0')
        # Samples already taken go too: changing a column's type drops its statistics, and changing it
        # to the type it has rewrites nothing (no superuser needed, unlike deleting from pg_statistic).
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in UNSAMPLED:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1')
