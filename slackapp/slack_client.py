"""The one way Kindred builds a Slack Web API client: base URL from settings, retries on."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from slackapp.pacing import PacedWebClient, RatePacer
from slackapp.settings import Settings

SLACK_SDK_LOGGER = "kindred.slack_sdk"


class GatewayErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk retries 500 and 503 only; a 502 or 504 from Slack's edge is just as passing."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and response.status_code in (502, 504)


def build_web_client(
    settings: Settings, token: str | None = None, pacer: RatePacer | None = None
) -> WebClient:
    """A WebClient that retries 429s (honouring Retry-After), 5xx and dropped connections.

    slack_sdk only retries connection errors by default; rate limits and server errors need their
    handlers added, or a busy hour silently drops invitations and reminders. With a `pacer` (the
    worker's bulk work) it also waits its turn under Slack's published limits before each call.
    """
    client_class = partial(PacedWebClient, pacer=pacer) if pacer is not None else WebClient
    return client_class(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logging.getLogger(SLACK_SDK_LOGGER),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
            GatewayErrorRetryHandler(max_retry_count=3),
        ],
    )


class SlackClients(Protocol):
    """The Web API client for a workspace (one token today; one per installation with OAuth)."""

    def __call__(self, workspace_id: str) -> WebClient: ...


def single_workspace_clients(settings: Settings, pacer: RatePacer | None = None) -> SlackClients:
    client = build_web_client(settings, token=settings.slack_bot_token, pacer=pacer)

    def client_for(workspace_id: str) -> WebClient:
        return client

    return client_for
