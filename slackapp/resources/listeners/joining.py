"""Joining a group: straight in where it is open, or a request to its contact where it is private."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.database import SessionFactory, utcnow
from slackapp.errors import NotFound
from slackapp.resources.listeners.shared import (
    GONE,
    TRY_AGAIN,
    UNCONFIRMED,
    find_active_entry,
    required_id,
    send_dm,
    show_notice,
)
from slackapp.resources.models import ResourceEntry
from slackapp.resources.service import get_active_entry, record_join
from slackapp.resources.views import build_added_message, build_join_request_message, build_welcome_message
from slackapp.slack.mrkdwn import escape
from slackapp.slack.posting import may_have_taken_effect

JOIN_FAILURES = {
    "not_in_channel": "Kindred isn't a member of <#{channel}> itself, so it can't add you. "
    "Open the channel and join it from there{contact}.",
    "channel_not_found": "Kindred can't see <#{channel}> any more, so it can't add you{contact}.",
    "already_in_channel": "You're already in <#{channel}> - see you there.",
    "is_archived": "<#{channel}> has been archived, so nobody can join it right now{contact}.",
}


def _archived_message(entry: ResourceEntry) -> str:
    contact = f", or ask <@{entry.contact_id}>" if entry.contact_id else ""
    return JOIN_FAILURES["is_archived"].format(channel=entry.channel_id, contact=contact)


def join_group(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """ "Join" on a group with a public channel: Kindred adds the person to it."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    try:
        entry = find_active_entry(db, workspace_id=workspace_id, value=action.get("value"))
    except NotFound:
        show_notice(client, body, *GONE)
        return
    if not entry.channel_id or entry.needs_approval:
        show_notice(client, body, "Ask to join", "This group's channel is private: use Ask to join instead.")
        return
    if entry.channel_archived_at is not None:
        # A Join button from before the worker found the channel archived (an old directory message or
        # Home tab): Slack would refuse the invite anyway, so it isn't asked.
        show_notice(client, body, "Unavailable for now", _archived_message(entry))
        return
    try:
        client.conversations_invite(channel=entry.channel_id, users=user_id)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        contact = f", or ask <@{entry.contact_id}>" if entry.contact_id else ""
        message = JOIN_FAILURES.get(code, TRY_AGAIN).format(channel=entry.channel_id, contact=contact)
        show_notice(
            client, body, "You're already in" if code == "already_in_channel" else "Couldn't add you", message
        )
        return
    with db.begin() as session:
        record_join(session=session, entry_id=entry.id, now=utcnow())
    show_notice(
        client, body, "You're in", f"You've joined <#{entry.channel_id}>. Welcome to *{escape(entry.name)}*!"
    )


def ask_to_join(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """ "Ask to join" on a private group: a DM to its contact, with no reason asked or given."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    try:
        entry = find_active_entry(db, workspace_id=workspace_id, value=action.get("value"))
    except NotFound:
        show_notice(client, body, *GONE)
        return
    if entry.channel_archived_at is not None:
        # The contact could not add anyone to an archived channel: don't send them a request they
        # can't act on.
        show_notice(client, body, "Unavailable for now", _archived_message(entry))
        return
    if not entry.contact_id or not entry.channel_id:
        show_notice(
            client,
            body,
            "No contact yet",
            "This group has no contact person to ask yet. Your HR team can add one.",
        )
        return
    text, blocks = build_join_request_message(entry, user_id)
    try:
        send_dm(client, entry.contact_id, text, blocks)
    except (SlackApiError, OSError) as error:
        if may_have_taken_effect(error):
            show_notice(client, body, "Not confirmed", UNCONFIRMED.format(what="request"))
        else:
            show_notice(
                client,
                body,
                "Not sent",
                "Your request couldn't be sent just now. Please try again in a moment.",
            )
        return
    show_notice(
        client,
        body,
        "Request sent",
        f"Your request to join *{escape(entry.name)}* was sent to <@{entry.contact_id}>. "
        "They'll add you to the channel - no need to explain anything.",
    )


ADD_FAILURES = {
    "not_in_channel": "Kindred isn't a member of <#{channel}>, so it can't add <@{user}>. "
    "Add them yourself with `/invite <@{user}>` in the channel.",
    "channel_not_found": "Kindred can't see <#{channel}>, so it can't add <@{user}>. "
    "Add them yourself with `/invite <@{user}>` in the channel.",
    "already_in_channel": "<@{user}> is already in <#{channel}>.",
    "is_archived": "<#{channel}> has been archived, so nobody can be added to it.",
}


def add_requester(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The contact's "Add them to the channel" on a request to join: only that contact may do it."""
    ack()
    workspace_id, contact_id = str(context.team_id), str(context.user_id)
    try:
        request = json.loads(str(action.get("value") or "{}"))
        requester = str(request["user_id"])[:32]
        with db() as session:
            entry = get_active_entry(
                session=session,
                workspace_id=workspace_id,
                entry_id=required_id(request["entry_id"]),
            )
    except (ValueError, KeyError, TypeError, NotFound):
        show_notice(client, body, *GONE)
        return
    if entry.contact_id != contact_id or not entry.channel_id:
        show_notice(
            client, body, "Not yours to approve", "Only the group's contact person can approve this request."
        )
        return
    try:
        client.conversations_invite(channel=entry.channel_id, users=requester)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        show_notice(
            client,
            body,
            "Couldn't add them",
            ADD_FAILURES.get(code, TRY_AGAIN).format(channel=entry.channel_id, user=requester),
        )
        return
    with db.begin() as session:
        record_join(session=session, entry_id=entry.id, now=utcnow())
    text, blocks = build_added_message(entry, requester)
    respond(replace_original=True, text=text, blocks=[b.to_dict() for b in blocks])
    welcome, welcome_blocks = build_welcome_message(entry)
    send_dm(client, requester, welcome, welcome_blocks, tries=3)  # the contact has their answer already
