"""the anonymous-question relay keeps the asker sealed and counts questions under a keyed hash

Revision ID: 0011_relay_sealed
Revises: 0006_member_counts
Create Date: 2026-12-06 21:40:00.000000

Questions still waiting for an answer have their asker sealed under the relay's key derived from
KINDRED_SECRET_KEY (the stored-secrets key when this revision was written: it seals with whatever
`AskerKeys` seals with), and the plain `asker_id` column is dropped. Without KINDRED_SECRET_KEY in the
environment of the upgrade (the release step has it), waiting questions cannot be sealed and are deleted:
their askers get no answer, but no plain ID survives the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011_relay_sealed'
down_revision: str | None = '0006_member_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'resource_question_count',
        sa.Column('workspace_id', sa.String(length=32), nullable=False),
        sa.Column('asker_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', 'asker_hash', 'day', name=op.f('pk_resource_question_count')),
    )
    op.add_column('resource_question', sa.Column('asker_sealed', sa.LargeBinary(), nullable=True))
    op.add_column('resource_question', sa.Column('asker_hash', sa.LargeBinary(length=32), nullable=True))
    _seal_waiting_questions()
    with op.batch_alter_table('resource_question') as batch:
        batch.drop_column('asker_id')
        batch.alter_column('asker_sealed', existing_type=sa.LargeBinary(), nullable=False)
        batch.alter_column('asker_hash', existing_type=sa.LargeBinary(length=32), nullable=False)
    op.create_index(op.f('ix_resource_question_asker_hash'), 'resource_question', ['asker_hash'], unique=False)


def _seal_waiting_questions() -> None:
    from slackapp.resources.relay import AskerKeys
    from slackapp.settings import Settings, SettingsError

    questions = sa.table(
        'resource_question',
        sa.column('id', sa.Uuid()),
        sa.column('asker_id', sa.String()),
        sa.column('asker_sealed', sa.LargeBinary()),
        sa.column('asker_hash', sa.LargeBinary()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(questions.c.id, questions.c.asker_id)).all()
    if not rows:
        return
    try:
        keys = AskerKeys(Settings.from_env().require_secret_key())
    except (SettingsError, ValueError):
        connection.execute(questions.delete())
        return
    for question_id, asker_id in rows:
        connection.execute(
            questions.update()
            .where(questions.c.id == question_id)
            .values(asker_sealed=keys.seal(asker_id), asker_hash=keys.hash(asker_id))
        )


def downgrade() -> None:
    # The plain asker cannot be brought back without the key; waiting questions are deleted.
    op.execute('DELETE FROM resource_question')
    op.drop_index(op.f('ix_resource_question_asker_hash'), table_name='resource_question')
    with op.batch_alter_table('resource_question') as batch:
        batch.add_column(sa.Column('asker_id', sa.String(length=32), nullable=False, server_default=''))
        batch.drop_column('asker_hash')
        batch.drop_column('asker_sealed')
    op.drop_table('resource_question_count')
