"""A person's own support map: who they turn to for each kind of support, kept only for them."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.home.publish import publish_home
from slackapp.resources.ids import ResourceAction
from slackapp.resources.models import HowMany
from slackapp.resources.service import LifePart, MapLine, clear_support_map, get_support_map, save_support_map
from slackapp.resources.views import build_support_map_form, map_block_ids
from slackapp.settings import Settings
from slackapp.slack.forms import Submission, show_field_errors
from slackapp.support import SupportKind


def open_support_map(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """Open the person's own support map, filled in as they left it."""
    ack()
    with db() as session:
        support_map = get_support_map(
            session=session, workspace_id=str(context.team_id), user_id=str(context.user_id)
        )
    client.views_open(trigger_id=body["trigger_id"], view=build_support_map_form(support_map))


def save_map(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Save the person's support map (theirs alone) and draw it in their Home tab."""
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=ResourceAction.MAP_HOW_MANY)
    lines: dict[SupportKind, MapLine] = {}
    errors: dict[str, str] = {}
    for kind in SupportKind:
        how_block, from_block = map_block_ids(kind)
        how = form.selected(how_block)
        picked = form.checked(from_block, ResourceAction.MAP_FROM_WHERE)
        parts = tuple(LifePart(value) for value in picked if value in {p.value for p in LifePart})
        if how in {h.value for h in HowMany}:
            lines[kind] = MapLine(how_many=HowMany(how), from_where=parts)
        elif parts:
            errors[how_block] = "Choose how many people, or leave the parts of life empty."
    if show_field_errors(ack, errors):
        return
    with db.begin() as session:
        save_support_map(session=session, workspace_id=workspace_id, user_id=user_id, lines=lines)
    ack()
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def clear_map(
    ack: Ack, context: BoltContext, client: WebClient, db: SessionFactory, settings: Settings
) -> None:
    """One click, and the person's support map is gone."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        clear_support_map(session=session, workspace_id=workspace_id, user_id=user_id)
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)
