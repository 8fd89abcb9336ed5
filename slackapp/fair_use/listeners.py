"""The fair-use middleware: before a slash command or a click reaches its listener, count it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from slackapp.database import SessionFactory, utcnow
from slackapp.fair_use.service import Turn, person_key, take_turn
from slackapp.fair_use.views import SLOW_DOWN, build_slow_down_message, build_slow_down_modal
from slackapp.keys.encryption import KeyPurpose, derive_key, secret_keys
from slackapp.settings import Settings

log = logging.getLogger(__name__)

NOTICE_TIMEOUT_SECONDS = 5


def hashing_key(settings: Settings) -> bytes:
    """A key for person keys, derived (HKDF) from KINDRED_SECRET_KEY's newest key (random in a demo)."""
    if not settings.secret_key:
        return secrets.token_bytes(32)
    return derive_key(secret_keys(settings.require_secret_key())[0], KeyPurpose.PERSON_PACE)


def register(app: App, *, session_factory: SessionFactory, settings: Settings, notices: Executor) -> None:
    """Count commands and clicks per person; past the limit, say "slow down" once and do nothing else."""
    app.use(PaceEachPerson(hashing_key(settings), session_factory, notices))


class PaceEachPerson(Middleware):
    """Counts slash commands and clicks per person; past the limit, one "slow down" and nothing else.

    A `Middleware` subclass rather than a function: Bolt calls it directly, without first working out
    from the whole payload which arguments a function wants (on every request, check-ins included).
    """

    def __init__(self, key: bytes, session_factory: SessionFactory, notices: Executor) -> None:
        self.key = key
        self.session_factory = session_factory
        self.notices = notices

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body, context = req.body, req.context
        is_command = "command" in body
        if (
            not (is_command or body.get("type") == "block_actions")
            or not context.team_id
            or not context.user_id
        ):
            return next()
        turn = _take_turn(
            self.session_factory,
            person_key(key=self.key, workspace_id=context.team_id, user_id=context.user_id),
        )
        if turn.allowed:
            return next()
        if is_command:
            return BoltResponse(status=200, body=SLOW_DOWN if turn.first_refusal else "")
        if turn.first_refusal:
            self.notices.submit(_tell_to_slow_down, body, context)
        return BoltResponse(status=200, body="")


def _take_turn(session_factory: SessionFactory, key: str) -> Turn:
    try:
        with session_factory.begin() as session:
            return take_turn(session=session, key=key, now=utcnow())
    except SQLAlchemyError as error:
        # A guard, not a gate: with the database away the listener reports the real problem itself.
        log.warning("could not count a request for fair use (%s); letting it through", type(error).__name__)
        return Turn(allowed=True, first_refusal=False)


def _tell_to_slow_down(body: dict[str, Any], context: BoltContext) -> None:
    """Once per window: an ephemeral note under a message, or a small modal over the Home or a modal."""
    try:
        response_url = body.get("response_url")
        if response_url:
            WebhookClient(response_url, timeout=NOTICE_TIMEOUT_SECONDS).send_dict(build_slow_down_message())
            return
        trigger_id = str(body.get("trigger_id"))
        view = build_slow_down_modal()
        if (body.get("view") or {}).get("type") == "modal":
            context.client.views_push(trigger_id=trigger_id, view=view)
        else:
            context.client.views_open(trigger_id=trigger_id, view=view)
    except (SlackClientError, OSError) as error:
        log.warning("could not tell someone to slow down (%s)", type(error).__name__)
