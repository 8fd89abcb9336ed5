"""Posting a message once, by Kindred's own record of what it sent, without reading any conversation.

Slack has no idempotency key for chat.postMessage, and a 5xx, a `fatal_error` or a connection dropped
while waiting for the answer can all come after the message was posted ("it's possible some aspect of the
operation succeeded"). Kindred could look for the message in the conversation's history, but that needs a
`*:history` scope, which would let a leaked token (or an operator) read every channel, peer-support
group DM and DM Kindred is in (docs/anonymity.md rule 8). So it does not:

- each caller keeps its own record of what it posted (a round's `invitation_ts`, `reminder_ts`, a
  programme's `announcement_ts`...) and checks it before posting, so a job that runs again after its post
  went through never posts a second time;
- after an answer that leaves it open whether Slack posted, the post is tried again: in that rare case a
  duplicate message is the price, and a duplicate is better than a token that can read conversations.

The Web API client never repeats a post by itself (see `slack_client.NOT_SAFE_TO_REPEAT`); this does, at
most `tries` times in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

# `ok: false` answers that leave it open whether Slack acted (common errors in Slack's method reference).
UNSURE_ERRORS = frozenset({"fatal_error", "internal_error", "service_unavailable"})


def may_have_taken_effect(error: BaseException) -> bool:
    """Whether Slack may have acted on a call that failed with `error` (so repeating it could double it)."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or error.response.get("error") in UNSURE_ERRORS
    if isinstance(error, URLError):
        return False  # urllib could not connect or send: Slack never had the request
    # Dropped, reset or timed out while waiting for the answer, after the whole request was sent.
    return isinstance(error, OSError | HTTPException)


def is_passing_failure(error: BaseException) -> bool:
    """Whether trying the post again may succeed: Slack failed, or the connection did, for a moment."""
    if isinstance(error, SlackApiError):
        return may_have_taken_effect(error)
    return isinstance(error, OSError | HTTPException)


def post_once(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: Sequence[Block],
    event_type: str,
    key: str,
    tries: int = 3,
) -> str:
    """Post a message, trying again after a passing failure; the caller records the ts it returns.

    Args:
        client: the workspace's Web API client.
        channel: a conversation id, or a user id for Kindred's DM with them.
        event_type, key: the message's metadata, saying what it is (Slack shows it to other apps; it
            names no person).
        tries: how many times to post in all when Slack fails for a passing reason (1 where a person
            waits for the answer and can try again themselves). After an unsure failure (see
            `may_have_taken_effect`) a second try may duplicate the message: the documented trade for
            reading no conversation.

    Returns:
        The message's ts.

    Raises:
        SlackApiError, OSError: the last try failed; the message may or may not be in Slack.
    """
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
            if attempt == tries or not is_passing_failure(error):
                raise
    raise ValueError("tries must be at least 1")
