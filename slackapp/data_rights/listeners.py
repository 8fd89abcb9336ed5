"""Data-rights listeners: show a person what Kindred holds about them, and delete it on request."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from slackapp.data_rights.ids import DataRightsAction
from slackapp.data_rights.service import forget_person, what_kindred_holds
from slackapp.data_rights.views import build_held_data_view
from slackapp.database import SessionFactory
from slackapp.home.publish import publish_home
from slackapp.resources.relay import AskerKeys
from slackapp.settings import Settings


def register(app: App) -> None:
    app.action(DataRightsAction.SHOW_MY_DATA)(show_my_data)
    app.action(DataRightsAction.DELETE_MY_DATA)(delete_my_data)


def show_my_data(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Show the person everything Kindred holds that is tied to them."""
    ack()
    with db() as session:
        lines = what_kindred_holds(
            session=session,
            workspace_id=str(context.team_id),
            user_id=str(context.user_id),
            keys=AskerKeys(settings.require_secret_key()),
        )
    client.views_open(trigger_id=body["trigger_id"], view=build_held_data_view(lines))


def delete_my_data(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Delete everything tied to the person (after Slack's confirm dialog) and say so."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        forget_person(
            session=session,
            workspace_id=workspace_id,
            user_id=user_id,
            keys=AskerKeys(settings.require_secret_key()),
        )
    client.views_open(trigger_id=body["trigger_id"], view=build_held_data_view([], deleted=True))
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)
