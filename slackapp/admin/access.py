"""Who may administer Kindred: workspace admins and owners (from Slack), and Kindred admins they add."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.admin.service import is_kindred_admin
from slackapp.database import SessionFactory
from slackapp.slack.notice import build_notice_view

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


def require_admin(client: WebClient, body: dict[str, Any], context: BoltContext, db: SessionFactory) -> bool:
    """True for an admin; anyone else is shown, in a modal, that only admins can do this."""
    if can_administer(db=db, client=client, workspace_id=str(context.team_id), user_id=str(context.user_id)):
        return True
    client.views_open(trigger_id=body["trigger_id"], view=build_notice_view("Admins only", NOT_AN_ADMIN))
    return False


def require_admin_submission(ack: Ack, client: WebClient, context: BoltContext, db: SessionFactory) -> bool:
    """True for an admin; anyone else's submitted form turns into a notice that only admins can do this."""
    if can_administer(db=db, client=client, workspace_id=str(context.team_id), user_id=str(context.user_id)):
        return True
    ack(response_action="update", view=build_notice_view("Admins only", NOT_AN_ADMIN))
    return False
