"""Posting a message at most once, though Slack may fail after it took the message.

Slack has no idempotency key for chat.postMessage, and a 5xx, a `fatal_error` or a connection dropped
while waiting for the answer can all come after the message was posted ("it's possible some aspect of the
operation succeeded"). So the Web API client never repeats a post by itself (see
`slack_client.NOT_SAFE_TO_REPEAT`); instead each message carries metadata naming what it is, and before a
post is tried again Kindred looks for it in the conversation's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse

# `ok: false` answers that leave it open whether Slack acted (common errors in Slack's method reference).
UNSURE_ERRORS = frozenset({"fatal_error", "internal_error", "service_unavailable"})
# How many of a conversation's newest messages to search right after a post failed: the one just tried,
# if Slack took it, is among them.
RECENT_MESSAGES = 100


def may_have_taken_effect(error: BaseException) -> bool:
    """Whether Slack may have acted on a call that failed with `error` (so repeating it could double it)."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or error.response.get("error") in UNSURE_ERRORS
    if isinstance(error, URLError):
        return False  # urllib could not connect or send: Slack never had the request
    # Dropped, reset or timed out while waiting for the answer, after the whole request was sent.
    return isinstance(error, OSError | HTTPException)


def post_once(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: Sequence[Block],
    event_type: str,
    key: str,
    may_have_posted: bool = False,
    since: datetime | None = None,
    tries: int = 3,
) -> str:
    """Post a message at most once, even if an earlier attempt died after Slack accepted it.

    Args:
        client: the workspace's Web API client.
        channel: a conversation id, or a user id for Kindred's DM with them.
        event_type, key: the message's metadata, by which it is found again.
        may_have_posted: an earlier attempt (a crashed or failed run of the same job) may have posted it:
            look first.
        since: with `may_have_posted`, no later than that earlier attempt (the search starts a minute
            before).
        tries: how many times to post when Slack's answer leaves it open and its history shows no message
            (1 where a person waits for the answer and can try again themselves).

    Returns:
        The message's ts: of the post, or of the message found.

    Raises:
        SlackApiError, OSError: the message was not posted (as far as Slack's history shows), or the
            history could not be read.
    """
    if may_have_posted:
        if since is None:
            raise ValueError("may_have_posted needs since: when the earlier attempt could have posted")
        found = find_posted(client, channel=channel, event_type=event_type, key=key, since=since)
        if found is not None:
            return found
    for attempt in range(1, tries + 1):
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=[block.to_dict() for block in blocks],
                metadata={"event_type": event_type, "event_payload": {"key": key}},
            )
            return str(response["ts"])
        except (SlackApiError, OSError, HTTPException) as error:
            if not may_have_taken_effect(error):
                raise
            found = find_posted(client, channel=channel, event_type=event_type, key=key)
            if found is not None:
                return found
            if attempt == tries:
                raise
    raise ValueError("tries must be at least 1")


def find_posted(
    client: WebClient, *, channel: str, event_type: str, key: str, since: datetime | None = None
) -> str | None:
    """The ts of Kindred's message with this metadata in the conversation, or None.

    With `since`, every message from a minute before it; without, the newest `RECENT_MESSAGES`.
    """
    if channel[:1] in ("U", "W"):  # a person: their DM with Kindred
        channel = str(client.conversations_open(users=channel)["channel"]["id"])
    pages: Iterable[SlackResponse]
    if since is None:
        pages = [
            client.conversations_history(channel=channel, include_all_metadata=True, limit=RECENT_MESSAGES)
        ]
    else:
        oldest = f"{since.timestamp() - 60:.6f}"
        pages = client.conversations_history(
            channel=channel, include_all_metadata=True, oldest=oldest, limit=200
        )
    for page in pages:
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == event_type
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return str(message["ts"])
    return None
