"""each closed round keeps the department its team was in when it closed

Revision ID: 0008_round_departments
Revises: 0002_org
Create Date: 2026-11-24 09:30:00.000000

Rounds closed before this revision are given the department their team is in when the migration
runs (and that department's name): the gate had been counting them that way until now, so what the
dashboard shows does not change on upgrade. From here on `close_round` records it, and moving a team
or deleting a department changes only rounds that close afterwards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008_round_departments'
down_revision: str | None = '0002_org'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = 'ix_checkin_round_workspace_id_opens_at'
_COVERED = ['channel_id', 'state', 'respondent_count', 'invited_count']


def upgrade() -> None:
    op.add_column('checkin_round', sa.Column('department_id', sa.Uuid(), nullable=True))
    op.add_column('checkin_round', sa.Column('department_name', sa.String(length=80), nullable=True))
    op.execute(
        """
        UPDATE checkin_round SET
            department_id = (
                SELECT t.department_id FROM org_team t
                WHERE t.workspace_id = checkin_round.workspace_id AND t.channel_id = checkin_round.channel_id
            ),
            department_name = (
                SELECT d.name FROM org_team t JOIN org_department d ON d.id = t.department_id
                WHERE t.workspace_id = checkin_round.workspace_id AND t.channel_id = checkin_round.channel_id
            )
        WHERE state = 'closed'
        """
    )
    # The privacy gate reads each round's department with its counts (slackapp/privacy/indexes.py).
    op.drop_index(_INDEX, table_name='checkin_round')
    op.create_index(
        _INDEX,
        'checkin_round',
        ['workspace_id', 'opens_at'],
        unique=False,
        postgresql_include=[*_COVERED, 'department_id'],
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name='checkin_round')
    with op.batch_alter_table('checkin_round') as batch:
        batch.drop_column('department_name')
        batch.drop_column('department_id')
    op.create_index(
        _INDEX, 'checkin_round', ['workspace_id', 'opens_at'], unique=False, postgresql_include=_COVERED
    )
