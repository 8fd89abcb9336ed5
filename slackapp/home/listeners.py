"""App Home listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.home.publish import publish_home
from slackapp.settings import Settings


def register(app: App) -> None:
    app.event("app_home_opened")(show_home)


def show_home(
    event: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory, settings: Settings
) -> None:
    """Publish the App Home whenever someone opens its Home tab."""
    if event.get("tab", "home") != "home" or not context.team_id:
        return
    publish_home(
        client=client, db=db, settings=settings, workspace_id=context.team_id, user_id=str(event["user"])
    )
