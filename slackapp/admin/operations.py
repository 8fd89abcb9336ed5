"""An admin's button on one item in the App Home (Pause, Resume, Send now, Delete…): the item's id read from
the button, the person checked on the server, the operation done in one transaction, the Home redrawn
on the same page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.admin.access import require_admin
from slackapp.database import SessionFactory
from slackapp.errors import NotFound
from slackapp.home.pages import pages_shown
from slackapp.home.publish import publish_home
from slackapp.settings import Settings
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import parse_uuid

# (session, workspace id, the item's id, settings): does one thing to one item, or raises a refusal.
AdminOperation = Callable[[Session, str, uuid.UUID, Settings], None]


def admin_operation_listener(
    operation: AdminOperation, *, gone: str, also_refused: tuple[type[Exception], ...] = ()
) -> Callable[..., None]:
    """A listener for an admin's button whose value is the id of the item it acts on.

    Args:
        gone: what to say when the button carries no readable id.
        also_refused: exceptions besides `NotFound` whose message is shown to the admin in a notice
            (nothing is done).
    """

    refusals: tuple[type[Exception], ...] = (NotFound, *also_refused)

    def run_admin_operation(
        ack: Ack,
        action: dict[str, Any],
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        db: SessionFactory,
        settings: Settings,
    ) -> None:
        """An admin's button on an item: checked on the server, done, and the App Home refreshed."""
        ack()
        if not require_admin(client, body, context, db):
            return
        workspace_id = str(context.team_id)
        item_id = parse_uuid(action.get("value"))
        try:
            if item_id is None:
                raise NotFound(gone)
            with db.begin() as session:
                operation(session, workspace_id, item_id, settings)
        except refusals as refused:
            client.views_open(trigger_id=body["trigger_id"], view=build_notice_view("Not done", str(refused)))
            return
        publish_home(
            client=client,
            db=db,
            settings=settings,
            workspace_id=workspace_id,
            user_id=str(context.user_id),
            pages=pages_shown(body.get("view")),  # stay on the page the button was on
        )

    return run_admin_operation
