"""Submitting a form that saves something the App Home shows: saved and the Home redrawn, or told why not.

A problem the person can fix stays in the form, next to its field (`response_action: errors`, keyed by
block id), and nothing is saved; something that has gone in the meantime replaces the form with a notice.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.errors import InvalidInput, NotFound
from slackapp.home.publish import publish_home
from slackapp.settings import Settings
from slackapp.slack.notice import build_notice_view


def save_then_refresh_home(
    ack: Ack,
    save: Callable[[], None],
    *,
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Run `save` and answer the submission; on success close the form and re-publish the App Home.

    Args:
        save: reads the form and saves it in its own transaction. It raises `InvalidInput` whose keys are
            the form's block ids, or `NotFound` with a message in plain words (and its title).
    """
    try:
        save()
    except InvalidInput as invalid:
        ack(response_action="errors", errors=invalid.errors)
        return
    except NotFound as missing:
        ack(response_action="update", view=build_notice_view(missing.title, str(missing)))
        return
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)
