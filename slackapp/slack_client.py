"""The one way Kindred builds a Slack Web API client: base URL from settings, retries on."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Protocol
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest

from slackapp.pacing import PacedWebClient, RatePacer
from slackapp.settings import Settings

SLACK_SDK_LOGGER = "kindred.slack_sdk"

# Methods that add something each time they are called. A 5xx or a dropped connection can come after
# Slack acted ("it's possible some aspect of the operation succeeded"), so repeating one blindly can post
# twice; callers look for their message before trying again (see slackapp/posting.py). Updates, opens and
# reads are safe to repeat; views.open and views.push are too, as Slack takes a trigger_id only once.
NOT_SAFE_TO_REPEAT = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.meMessage",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
    }
)
PASSING_SERVER_ERRORS = frozenset({500, 502, 503, 504})


def api_method(request: HttpRequest) -> str:
    """The Web API method a request calls: the last part of its URL's path (`.../api/chat.postMessage`)."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


def safe_to_repeat(request: HttpRequest) -> bool:
    return api_method(request) not in NOT_SAFE_TO_REPEAT


class ServerErrorRetryHandler(RetryHandler):
    """Retries 500, 502, 503 and 504 (slack_sdk's own handler only 500 and 503), but never a posting call.

    It overrides the public `can_retry` (not slack_sdk's private `_can_retry` hook), so it depends on
    nothing a slack_sdk minor release may change.
    """

    def can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return (
            state.current_attempt < self.max_retry_count
            and response is not None
            and response.status_code in PASSING_SERVER_ERRORS
            and safe_to_repeat(request)
        )


class DroppedConnectionRetryHandler(ConnectionErrorRetryHandler):
    """Retries a connection that failed before the request went out; after that, only calls safe to repeat.

    urllib wraps a failure to connect or to send in URLError; a connection dropped while waiting for the
    answer (RemoteDisconnected, a reset) comes bare, and by then Slack may have acted.
    """

    def can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        if not super().can_retry(state=state, request=request, response=response, error=error):
            return False
        return isinstance(error, URLError) or safe_to_repeat(request)


def build_web_client(
    settings: Settings, token: str | None = None, pacer: RatePacer | None = None
) -> WebClient:
    """A WebClient that retries 429s (honouring Retry-After), 5xx and dropped connections.

    slack_sdk only retries connection errors by default; rate limits and server errors need their
    handlers added, or a busy hour silently drops invitations and reminders. A 429 means Slack did
    nothing, so every call is retried after one; a 5xx or a connection dropped mid-call may come after
    Slack acted, so calls that post (`NOT_SAFE_TO_REPEAT`) are not repeated blindly. With a `pacer`
    (the worker's bulk work) it also waits its turn under Slack's published limits before each call.
    """
    client_class = partial(PacedWebClient, pacer=pacer) if pacer is not None else WebClient
    return client_class(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logging.getLogger(SLACK_SDK_LOGGER),
        retry_handlers=[
            DroppedConnectionRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


# A call made before Kindred acknowledges Slack must end within Slack's 3 seconds.
BEFORE_ACK_TIMEOUT_SECONDS = 2


def build_before_ack_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient for the rare call made before a request is acknowledged: no waiting out a 429.

    Slack gives the app 3 seconds to acknowledge; a retry after `Retry-After` would miss that. The caller
    goes on without the answer instead (see slackapp/installations/authorize.py).
    """
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=BEFORE_ACK_TIMEOUT_SECONDS,
        logger=logging.getLogger(SLACK_SDK_LOGGER),
        retry_handlers=[],
    )


class SlackClients(Protocol):
    """The Web API client for a workspace (one token today; one per installation with OAuth)."""

    def __call__(self, workspace_id: str) -> WebClient: ...


def single_workspace_clients(settings: Settings, pacer: RatePacer | None = None) -> SlackClients:
    client = build_web_client(settings, token=settings.slack_bot_token, pacer=pacer)

    def client_for(workspace_id: str) -> WebClient:
        return client

    return client_for
