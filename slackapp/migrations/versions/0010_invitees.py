"""only a round's invitees answer it; one reminder in the channel, recorded, instead of a DM per person

Revision ID: 0010_invitees
Revises: 0008_round_departments
Create Date: 2026-12-06 21:30:00.000000

`checkin_invitee` holds HMAC(round secret, user ID) for each person in the round's channel when it
opened (docs/anonymity.md rule 5), erased with the secret at close. `checkin_reminder_sent` goes: the reminder
is now one message in the channel, the same for everyone (rule 6). `checkin_round.reminder_ts` and
`results_ts` are Kindred's records that it posted them: a retried job checks them instead of reading the
channel's history (Kindred no longer has a `*:history` scope, rule 8).

Rounds open when this revision runs have no invitees recorded yet. Their invitation job is queued again:
it records the channel's people as they are then (the nearest Kindred can come to "when it opened")
and, the invitation being posted already, posts nothing. Until the worker has run it, such a round
refuses answers as it would from anyone not invited.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_invitees'
down_revision: str | None = '0008_round_departments'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('checkin_invitee',
    sa.Column('round_id', sa.Uuid(), nullable=False),
    sa.Column('voter_hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['checkin_round.id'], name=op.f('fk_checkin_invitee_round_id_checkin_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'voter_hash', name=op.f('pk_checkin_invitee'))
    )
    op.add_column('checkin_round', sa.Column('reminder_ts', sa.String(length=32), nullable=True))
    op.add_column('checkin_round', sa.Column('results_ts', sa.String(length=32), nullable=True))
    op.drop_table('checkin_reminder_sent')
    open_rounds = "SELECT id FROM checkin_round WHERE state <> 'closed'"
    op.execute(f"UPDATE checkin_round SET invited_count = NULL WHERE id IN ({open_rounds})")
    op.execute(
        "UPDATE worker_job SET done_at = NULL, lease_until = NULL, attempts = 0, last_error = NULL"
        f" WHERE kind = 'checkin.post_invitation' AND subject_id IN ({open_rounds})"
    )


def downgrade() -> None:
    op.create_table('checkin_reminder_sent',
    sa.Column('round_id', sa.Uuid(), nullable=False),
    sa.Column('voter_hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['checkin_round.id'], name=op.f('fk_checkin_reminder_sent_round_id_checkin_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'voter_hash', name=op.f('pk_checkin_reminder_sent'))
    )
    op.drop_column('checkin_round', 'results_ts')
    op.drop_column('checkin_round', 'reminder_ts')
    op.drop_table('checkin_invitee')
