"""Who may administer Kindred: workspace admins and owners (from Slack), and Kindred admins they add."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.admin.service import is_kindred_admin
from slackapp.database import SessionFactory

NOT_AN_ADMIN = "Only Kindred admins can do that. Ask your HR team or a workspace admin if you need access."


def can_administer(*, db: SessionFactory, client: WebClient, workspace_id: str, user_id: str) -> bool:
    """Checked on the server for every admin action and submission, not only by hiding buttons."""
    with db() as session:
        if is_kindred_admin(session=session, workspace_id=workspace_id, user_id=user_id):
            return True
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
