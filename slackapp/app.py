"""The Bolt app factory: settings and a session factory in, a ready `App` out. Nothing at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from slackapp.admin import listeners as admin
from slackapp.checkins import listeners as checkins
from slackapp.data_rights import listeners as data_rights
from slackapp.database import SessionFactory
from slackapp.home import listeners as home
from slackapp.installations import listeners as installations
from slackapp.listener_threads import ContextCarryingExecutor
from slackapp.logs import bolt_logger
from slackapp.org import listeners as org
from slackapp.pairing import listeners as pairing
from slackapp.request_shape import is_well_formed
from slackapp.resources import listeners as resources
from slackapp.settings import Settings
from slackapp.slack_client import build_web_client

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    session_factory: SessionFactory,
    *,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
    oauth_settings: OAuthSettings | None = None,
) -> App:
    """Build the Bolt app with every feature's listeners registered.

    Listeners receive `db` (a session factory) and `settings` as arguments: Bolt passes context keys
    to listeners by name, so nothing reaches for a global. With `oauth_settings` the app serves any
    number of workspaces, each with its own (encrypted) installation; without, the one SLACK_BOT_TOKEN.
    """
    settings.require_slack_credentials()
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client
        or build_web_client(settings, token=None if oauth_settings else settings.slack_bot_token),
        oauth_settings=oauth_settings,
        logger=bolt_logger(),
        # auth.test runs on the first request instead, so building the app never calls Slack.
        token_verification_enabled=False,
        listener_executor=listener_executor or ContextCarryingExecutor(max_workers=16),
    )

    @app.middleware
    def provide_dependencies(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if not is_well_formed(body):
            return BoltResponse(status=400, body="malformed request")
        context["db"] = session_factory
        context["settings"] = settings
        return next()

    @app.error
    def report_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        """Log the failure without the payload; a failed modal submission gets a readable error."""
        log.error("listener failed: %s (request type %s)", type(error).__name__, body.get("type"))
        return None

    checkins.register(app)
    admin.register(app)
    home.register(app)
    data_rights.register(app)
    installations.register(app, app.installation_store)
    org.register(app)
    pairing.register(app)
    resources.register(app)
    return app
