"""What every resource listener shares: the notices it shows, its DMs, and finding the entry it is about."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from slackapp.database import SessionFactory
from slackapp.resources.ids import DM_EVENT
from slackapp.resources.models import ResourceEntry
from slackapp.resources.service import ENTRY_GONE, get_active_entry
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import required_uuid
from slackapp.slack.posting import post_once

GONE = ("Not available", ENTRY_GONE)
TRY_AGAIN = "Slack didn't take that just now. Please try again in a moment."

# After a failure that leaves it open whether Slack delivered a DM. Kindred does not read DMs to find out
# (no *:history scope, docs/anonymity.md rule 8), so it says so, and a second try may deliver it twice.
UNCONFIRMED = (
    "Slack didn't confirm that your {what} arrived, though it may have. Send it again only if you want "
    "to be sure: it may then arrive twice."
)


def send_dm(client: WebClient, person: str, text: str, blocks: Sequence[Block], *, tries: int = 1) -> None:
    """A DM, by default tried once: someone waits for the answer and can try again themselves.

    The key is made for this one message, so its metadata names nothing.
    """
    post_once(
        client,
        channel=person,
        text=text,
        blocks=blocks,
        event_type=DM_EVENT,
        key=uuid.uuid4().hex,
        tries=tries,
    )


def show_notice(client: WebClient, body: dict[str, Any], title: str, text: str) -> None:
    """A notice on top of the modal the click came from, or in a new one from the Home tab or a message."""
    notice = build_notice_view(title, text)
    if (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=notice)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=notice)


def required_id(value: object) -> uuid.UUID:
    """The id a button or form carries. Raises NotFound (GONE's words) when it carries none."""
    return required_uuid(value, gone=ENTRY_GONE)


def find_active_entry(db: SessionFactory, *, workspace_id: str, value: object) -> ResourceEntry:
    """The entry whose id a button carries, while it is in the directory. Raises NotFound (GONE's words)."""
    with db() as session:
        return get_active_entry(session=session, workspace_id=workspace_id, entry_id=required_id(value))
