"""HR's "delete all of this workspace's data": every row that belongs to the workspace, in one transaction."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from slackapp.database import Base

# Slack's own tables (install and uninstall manage tokens) and tables that hold no workspace data
# (the job queue; the pacer's buckets: a digest of a token and when its next call may go; fair use's
# per-person counts: a keyed hash and a minute, gone within minutes).
KEPT_TABLES = {
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
    "worker_job",
    "pacing_slot",
    "person_pace",
}


def workspace_tables() -> list[str]:
    """Every table with a workspace_id column; the others hang off them with ON DELETE CASCADE."""
    return [
        t.name for t in Base.metadata.sorted_tables if "workspace_id" in t.c and t.name not in KEPT_TABLES
    ]


def purge_workspace(*, session: Session, workspace_id: str) -> int:
    """Delete every row that belongs to the workspace (children first). Returns the rows deleted.

    Pending worker jobs whose subject is gone finish as nothing to do.
    """
    deleted = 0
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT_TABLES or "workspace_id" not in table.c:
            continue
        result = session.execute(delete(table).where(table.c.workspace_id == workspace_id))
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
    return deleted
