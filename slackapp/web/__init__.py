"""The web process: Bolt's `/slack/events`, `/healthz`, and (from the dashboard issue) `/dashboard/`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, abort, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from sqlalchemy import Engine
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from slackapp.app import create_app
from slackapp.database import database_is_reachable, new_engine, new_session_factory, utcnow
from slackapp.installations.clients import workspace_clients
from slackapp.installations.oauth import build_oauth_settings
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.logs import current_request_id, new_request_id
from slackapp.settings import Settings
from slackapp.web.security import protect

log = logging.getLogger(__name__)

# No request Slack sends comes near this; a bigger one is refused before its body is read.
MAX_REQUEST_BYTES = 1024 * 1024
SIGNATURE_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def has_signature_headers(headers: Headers) -> bool:
    """Slack's signature headers are there and well formed (whether they are right is Bolt's to check)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    return bool(SIGNATURE_TIMESTAMP.match(timestamp)) and signature.startswith("v0=")


def create_web_app(
    bolt_app: App,
    engine: Engine,
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Flask:
    """Bolt's endpoint and the health check; with `settings`, the leader dashboard under /dashboard/ too."""
    web = Flask("kindred")
    handler = SlackRequestHandler(bolt_app)
    # Werkzeug never reads more than this of a body (one byte more than allowed, to tell "too long").
    web.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES + 1

    @web.before_request
    def refuse_oversized_requests() -> None:
        """413 over 1 MB, before anything (Bolt's signature check too) reads the body.

        A declared length is refused unread; a body sent in chunks, without one, is read up to one byte
        past the limit (and kept for whoever reads it next).
        """
        if request.content_length is not None:
            if request.content_length > MAX_REQUEST_BYTES:
                abort(413)
        elif (
            request.environ.get("wsgi.input_terminated")
            and len(request.get_data(cache=True)) > MAX_REQUEST_BYTES
        ):
            abort(413)

    protect(web)

    @web.before_request
    def tag_request() -> None:
        current_request_id.set(new_request_id(request.headers.get("X-Request-Id")))

    @web.after_request
    def return_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = current_request_id.get()
        return response

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[dict[str, str], int]:
        if not has_signature_headers(request.headers):
            # Bolt would turn a timestamp that is not a number into a 500; no such request is Slack's.
            return {"error": "invalid request"}, 401
        try:
            return handler.handle(request)
        except HTTPException:
            raise  # 413 from a body that turned out too long while it was read
        except Exception as error:
            # Bolt itself raises on a few shapes of payload Slack never sends (an empty `actions`,
            # a view without a type). Only signed requests get this far; answer 400, log no payload.
            log.warning("malformed Slack request refused: %s", type(error).__name__)
            return {"error": "malformed request"}, 400

    # Only Kindred's own OAuth mode installs (tokens stored encrypted). In single-workspace mode Bolt may
    # still hold an OAuth flow it made from SLACK_CLIENT_ID in the environment: it is never served.
    if isinstance(bolt_app.installation_store, EncryptedInstallationStore):

        @web.get("/slack/install")
        @web.get("/slack/oauth_redirect")
        def slack_install() -> Response:
            """Slack's OAuth flow, in multi-workspace mode."""
            return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if database_is_reachable(engine):
            return {"status": "ok"}, 200
        return {"status": "database unreachable"}, 503

    if settings is not None:
        # The dashboard shares this server: Heroku routes only the web process.
        from dashboards.app import create_dashboard

        has_slack = bool(settings.slack_bot_token or settings.installs_by_oauth)
        create_dashboard(
            web,
            settings=settings,
            session_factory=new_session_factory(engine),
            slack_clients=workspace_clients(settings, engine)[0] if has_slack else None,
            clock=clock,
        )
    return web


def create_kindred_web(settings: Settings) -> Flask:
    """The whole web process from settings: database, Bolt app and the Flask server that carries them."""
    settings.require_secret_key()
    engine = new_engine(settings.database_url)
    bolt_app = create_app(
        settings, new_session_factory(engine), oauth_settings=build_oauth_settings(settings, engine)
    )
    return create_web_app(bolt_app, engine, settings)
