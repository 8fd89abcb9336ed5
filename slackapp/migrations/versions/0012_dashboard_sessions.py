"""dashboard sessions kept on the server, so signing out ends every copy of the cookie

Revision ID: 0012_dashboard_sessions
Revises: 0001
Create Date: 2026-12-06 21:30:00.000000

Sessions started before this revision lived only in their cookies; they no longer open the dashboard,
so every leader signs in once more after the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0012_dashboard_sessions'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dashboard_session',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('workspace_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('workspace_admin', sa.Boolean(), nullable=False),
        sa.Column('role_checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_dashboard_session')),
    )
    op.create_index(op.f('ix_dashboard_session_user_id'), 'dashboard_session', ['user_id'], unique=False)
    op.create_index(op.f('ix_dashboard_session_expires_at'), 'dashboard_session', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dashboard_session_expires_at'), table_name='dashboard_session')
    op.drop_index(op.f('ix_dashboard_session_user_id'), table_name='dashboard_session')
    op.drop_table('dashboard_session')
