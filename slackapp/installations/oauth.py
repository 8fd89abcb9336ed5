"""OAuth v2 install through Bolt: `/slack/install` and `/slack/oauth_redirect`, state in the database."""

from __future__ import annotations

import json
from importlib import resources

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from slackapp.installations.store import EncryptedInstallationStore
from slackapp.installations.tables import OAUTH_STATES_TABLE
from slackapp.settings import Settings

STATE_EXPIRATION_SECONDS = 600


def bot_scopes_from_manifest() -> list[str]:
    """The manifest is the one list of scopes: the install asks for exactly those."""
    manifest = json.loads(resources.files("slackapp").joinpath("manifest.json").read_text())
    return list(manifest["oauth_config"]["scopes"]["bot"])


def build_oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings | None:
    """OAuth settings when Kindred installs by OAuth; None in single-workspace mode."""
    if not settings.installs_by_oauth:
        return None
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=bot_scopes_from_manifest(),
        installation_store=EncryptedInstallationStore(
            client_id=str(settings.slack_client_id), engine=engine, secret_key=settings.require_secret_key()
        ),
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, table_name=OAUTH_STATES_TABLE
        ),
        authorization_url=f"{settings.slack_host_url}/oauth/v2/authorize",
    )
