"""The Bolt app factory: settings and a session factory in, a ready `App` out. Nothing at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.token_rotation import TokenRotator

from slackapp.admin import listeners as admin
from slackapp.checkins import listeners as checkins
from slackapp.data_rights import listeners as data_rights
from slackapp.database import SessionFactory
from slackapp.fair_use import listeners as fair_use
from slackapp.home import listeners as home
from slackapp.installations import listeners as installations
from slackapp.installations.authorize import (
    NOT_INSTALLED_MESSAGE,
    BotTokenAuthorize,
    SlackUnavailable,
    StoredInstallationAuthorize,
)
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.logs import bolt_logger
from slackapp.org import listeners as org
from slackapp.pairing import listeners as pairing
from slackapp.resources import listeners as resources
from slackapp.settings import Settings
from slackapp.slack.listener_threads import ContextCarryingExecutor
from slackapp.slack.request_shape import is_well_formed, request_kind
from slackapp.slack.slack_client import build_before_ack_client, build_web_client

log = logging.getLogger(__name__)

SLACK_BUSY_MESSAGE = (
    "Slack is busy right now and Kindred could not finish that. Please try again in a minute."
)


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
    Either way Kindred hands Bolt its own `authorize` (see slackapp/installations/authorize.py), so
    Bolt's reading of SLACK_CLIENT_ID from the environment cannot change the mode.
    """
    settings.require_slack_credentials()
    store = _installation_store(oauth_settings)
    executor = listener_executor or ContextCarryingExecutor(max_workers=16)
    app = App(
        signing_secret=settings.slack_signing_secret,
        # Without a token: each request's client gets the token `authorize` found for it.
        client=client or build_web_client(settings),
        oauth_settings=oauth_settings,
        # Bolt takes an `Authorize` here (its annotation says less); None means "not installed".
        authorize=build_authorize(settings, store),  # type: ignore[arg-type]
        # The shape check runs right after the signature check, before anything reads the payload.
        before_authorize=RefuseMalformed(),
        user_facing_authorize_error_message=NOT_INSTALLED_MESSAGE,
        logger=bolt_logger(),
        # auth.test runs on the first request instead, so building the app never calls Slack.
        token_verification_enabled=False,
        listener_executor=executor,
    )

    app.use(ProvideDependencies(session_factory, settings))

    fair_use.register(app, session_factory=session_factory, settings=settings, notices=executor)

    @app.error
    def report_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        """Log the failure without the payload; when Slack did not answer in time, say so kindly."""
        if isinstance(error, SlackUnavailable):
            log.warning("Slack did not answer before the request could be acknowledged")
            return BoltResponse(status=200, body=SLACK_BUSY_MESSAGE)
        if isinstance(error, (OSError, SlackClientError)):
            # Slack, or the request's response_url, did not take a call: an outage, not our 500.
            failure = type(error).__name__
            log.warning("a call to Slack failed: %s (request type %s)", failure, request_kind(body))
            return BoltResponse(status=200, body="")
        log.error("listener failed: %s (request type %s)", type(error).__name__, request_kind(body))
        return None

    checkins.register(app)
    admin.register(app)
    home.register(app)
    data_rights.register(app)
    installations.register(app, store)
    org.register(app)
    pairing.register(app)
    resources.register(app)
    return app


def _installation_store(oauth_settings: OAuthSettings | None) -> EncryptedInstallationStore | None:
    if oauth_settings is None:
        return None
    store = oauth_settings.installation_store
    assert isinstance(store, EncryptedInstallationStore), "tokens are only ever stored encrypted"
    return store


def build_authorize(settings: Settings, store: EncryptedInstallationStore | None) -> Authorize:
    """The stored installation in OAuth mode, SLACK_BOT_TOKEN otherwise; neither asks Slack per request."""
    if store is None:
        return BotTokenAuthorize(
            token=str(settings.slack_bot_token), client=build_before_ack_client(settings)
        )
    rotator = TokenRotator(
        client_id=str(settings.slack_client_id),
        client_secret=str(settings.slack_client_secret),
        client=build_before_ack_client(settings),
    )
    return StoredInstallationAuthorize(store=store, rotator=rotator)


# Kindred's global middleware subclass Bolt's `Middleware`: Bolt calls a subclass's `process` directly,
# where a plain function costs it a pass over the whole payload, per middleware and request, to work out
# which arguments the function wants (measured in benchmarks/checkin_intake).


class RefuseMalformed(Middleware):
    """400 for a signed request without what Slack always sends, before authorization or a listener."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if not is_well_formed(req.body):
            return BoltResponse(status=400, body="malformed request")
        return next()


class ProvideDependencies(Middleware):
    """Puts the session factory and settings in the context, where Bolt hands them to listeners by name."""

    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        req.context["db"] = self.session_factory
        req.context["settings"] = self.settings
        return next()
