"""Kindred's settings: read once from the environment, validated, then passed around.

No other module reads `os.environ`; listeners and jobs get what they need from `Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from slackapp.keys.encryption import WeakSecretKey, secret_keys

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_MIN_COMMENT_GROUP_SIZE = 10
SMALLEST_ALLOWED_GROUP_SIZE = 3


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable in one line."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_app_token: str | None = None
    secret_key: str | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    min_comment_group_size: int = DEFAULT_MIN_COMMENT_GROUP_SIZE
    port: int = 3000
    public_url: str | None = None  # where people reach the web process, for links from Slack
    demo: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable in the README's environment table.

        Raises:
            SettingsError: naming the first variable that is malformed.
        """
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        min_group = _whole_number(env, "KINDRED_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE)
        if min_group < SMALLEST_ALLOWED_GROUP_SIZE:
            raise SettingsError(
                f"KINDRED_MIN_GROUP_SIZE must be at least {SMALLEST_ALLOWED_GROUP_SIZE} (got {min_group})"
            )
        min_comment = _whole_number(
            env, "KINDRED_MIN_COMMENT_GROUP_SIZE", max(DEFAULT_MIN_COMMENT_GROUP_SIZE, min_group)
        )
        if min_comment < min_group:
            raise SettingsError(
                f"KINDRED_MIN_COMMENT_GROUP_SIZE must be at least KINDRED_MIN_GROUP_SIZE ({min_group})"
            )
        port = _whole_number(env, "PORT", 3000)
        if not 0 < port < 65536:
            raise SettingsError(f"PORT must be between 1 and 65535 (got {port})")

        return cls(
            database_url=normalise_database_url(text("DATABASE_URL") or default_database_url()),
            slack_api_url=_slack_api_url(text("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_client_id=text("SLACK_CLIENT_ID"),
            slack_client_secret=text("SLACK_CLIENT_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            secret_key=text("KINDRED_SECRET_KEY"),
            min_group_size=min_group,
            min_comment_group_size=min_comment,
            port=port,
            public_url=_public_url(text("KINDRED_PUBLIC_URL")),
        )

    @property
    def slack_host_url(self) -> str:
        """The host that serves Slack's OAuth and OpenID pages, taken from `SLACK_API_URL`."""
        parts = urlsplit(self.slack_api_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def dashboard_url(self) -> str | None:
        """The leader dashboard's address for links in Slack, when `KINDRED_PUBLIC_URL` is set."""
        return f"{self.public_url.rstrip('/')}/dashboard/" if self.public_url else None

    @property
    def installs_by_oauth(self) -> bool:
        """Many workspaces, each installed through OAuth: a client id and secret and no bot token.

        With SLACK_BOT_TOKEN as well, Kindred serves that one workspace, and the client id and secret
        only sign leaders in to the dashboard.
        """
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise SettingsError(
                "KINDRED_SECRET_KEY is required (it encrypts round secrets); set a long random value"
            )
        try:
            secret_keys(self.secret_key)
        except WeakSecretKey as weak:
            raise SettingsError(str(weak)) from None
        return self.secret_key

    def require_slack_credentials(self) -> None:
        """Fail fast when neither single-workspace nor OAuth credentials are complete."""
        if not self.slack_signing_secret:
            raise SettingsError("SLACK_SIGNING_SECRET is required to verify requests from Slack")
        if not self.slack_bot_token and not (self.slack_client_id and self.slack_client_secret):
            raise SettingsError(
                "SLACK_BOT_TOKEN is required (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs)"
            )


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'kindred.db'}"


def normalise_database_url(url: str) -> str:
    """Point every PostgreSQL URL at psycopg 3, whatever spelling the platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise SettingsError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    return url


def _slack_api_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL (got {url!r})")
    return url if url.endswith("/") else url + "/"


def _public_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    # It goes into Slack links (`<url|text>`), where <, > and | would end the link early.
    bad = parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment
    if bad or any(character in url for character in "<>| "):
        raise SettingsError(
            f"KINDRED_PUBLIC_URL must be the http(s) address people open Kindred at (got {url!r})"
        )
    return url


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {raw!r})") from None
