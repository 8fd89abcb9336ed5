"""rounds a publication has taken keep no histograms, and counts and comments only where it shows them

Revision ID: 0020_published_rounds_shredded
Revises: 0009_publications
Create Date: 2026-12-07 11:50:00
"""

from collections.abc import Sequence

from alembic import op

from slackapp.settings import Settings

revision: str = '0020_published_rounds_shredded'
down_revision: str | None = '0009_publications'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Publishing now deletes what it takes (slackapp/privacy/publish.py, `_shred_taken`); this does the same
# for the weeks published before it. A three-person team's histograms and counts, kept for good, told a
# copy of the database how each member answered (tests/privacy/test_database_holder.py). VACUUM cannot
# run inside the migration's transaction: the next publication's removes the rows from the files.
TAKEN = 'SELECT round_id FROM privacy_published_round'
SHOWN = 'SELECT round_id FROM privacy_published_cell WHERE round_id IS NOT NULL AND respondents IS NOT NULL'


def upgrade() -> None:
    minimum = int(Settings.from_env().min_comment_group_size)
    op.execute(f'DELETE FROM checkin_histogram WHERE round_id IN ({TAKEN})')
    readable = (
        'SELECT round_id FROM privacy_published_cell'
        f' WHERE round_id IS NOT NULL AND respondents >= {minimum}'
    )
    op.execute(f'DELETE FROM checkin_comment WHERE round_id IN ({TAKEN}) AND round_id NOT IN ({readable})')
    op.execute(
        'UPDATE checkin_round SET respondent_count = NULL, invited_count = NULL'
        f' WHERE id IN ({TAKEN}) AND id NOT IN ({SHOWN})'
    )


def downgrade() -> None:
    pass  # deleted means gone
