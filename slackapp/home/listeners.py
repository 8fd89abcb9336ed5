"""App Home listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.home.ids import HomeAction
from slackapp.home.pages import page_turn, pages_shown
from slackapp.home.publish import publish_home
from slackapp.settings import Settings


def register(app: App) -> None:
    app.event("app_home_opened")(show_home)
    app.action(HomeAction.PREVIOUS_PAGE)(turn_page)
    app.action(HomeAction.NEXT_PAGE)(turn_page)


def show_home(
    event: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory, settings: Settings
) -> None:
    """Publish the App Home whenever someone opens its Home tab."""
    if event.get("tab", "home") != "home" or not context.team_id:
        return
    publish_home(
        client=client, db=db, settings=settings, workspace_id=context.team_id, user_id=str(event["user"])
    )


def turn_page(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """A list's Previous or Next: the same Home, with that list on the page asked for."""
    ack()
    pages = pages_shown(body.get("view"))
    if (turn := page_turn(action.get("value"))) is not None:
        home_list, number = turn
        pages[home_list] = number
    publish_home(
        client=client,
        db=db,
        settings=settings,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        pages=pages,
    )
