"""The worker's Web API client for each workspace, from its installation, with token rotation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from slackapp.installations.store import EncryptedInstallationStore
from slackapp.pacing import RatePacer
from slackapp.scheduler.worker import WorkPostponed
from slackapp.settings import Settings
from slackapp.slack_client import SlackClients, build_web_client, single_workspace_clients

log = logging.getLogger(__name__)

# Slack's rotating bot tokens last 12 hours; refresh in the last two, so a refused refresh leaves time.
REFRESH_MINUTES_BEFORE_EXPIRY = 120
# A token this close to its expiry is not worth starting a job with.
STILL_VALID_MARGIN_SECONDS = 60


class WorkspaceNotInstalled(WorkPostponed):
    """Kindred has no token for this workspace (never installed, uninstalled, or tokens revoked)."""


def installed_workspace_clients(
    settings: Settings, store: EncryptedInstallationStore, pacer: RatePacer | None = None
) -> SlackClients:
    """Clients for OAuth mode: each workspace's bot token, refreshed shortly before it expires.

    A refreshed token and its new refresh token are saved (encrypted) before the job uses them. If Slack
    refuses a refresh, another worker may have used the same refresh token first (Slack takes each
    once): the store is read again for the token it saved. Otherwise a token that has not expired yet
    is used and the next job tries to refresh again; an expired one fails the job, which the queue
    retries later with nothing lost.
    """
    rotator = TokenRotator(
        client_id=str(settings.slack_client_id),
        client_secret=str(settings.slack_client_secret),
        client=build_web_client(settings),
    )

    def client_for(workspace_id: str) -> WebClient:
        bot = refreshed_bot(store, rotator, _installed_bot(store, workspace_id))
        return build_web_client(settings, token=bot.bot_token, pacer=pacer)

    return client_for


def refreshed_bot(store: EncryptedInstallationStore, rotator: TokenRotator, bot: Bot) -> Bot:
    """`bot` with a fresh token when its token is in its last two hours (saved before it is used).

    Raises:
        SlackTokenRotationError: Slack refused the refresh and the current token has run out.
    """
    try:
        rotated = rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
        )
    except SlackTokenRotationError as refused:
        return _after_refused_refresh(store, bot, str(bot.team_id), refused)
    if rotated is None:
        return bot
    store.save_bot(rotated)
    return rotated


def _installed_bot(store: EncryptedInstallationStore, workspace_id: str) -> Bot:
    bot = store.find_workspace_bot(workspace_id)
    if bot is None or not bot.bot_token:
        raise WorkspaceNotInstalled(workspace_id)
    return bot


def _after_refused_refresh(
    store: EncryptedInstallationStore, bot: Bot, workspace_id: str, refused: SlackTokenRotationError
) -> Bot:
    """The bot to go on with when Slack refused to refresh `bot`'s token; raises `refused` if none."""
    current = _installed_bot(store, workspace_id)
    if current.bot_token != bot.bot_token:
        return current  # another worker refreshed it meanwhile and saved the new pair
    # The error code only: never the response, which for a successful refresh holds tokens.
    reason = refused.api_error.response.get("error")
    expires_at = current.bot_token_expires_at
    if expires_at is not None and expires_at > time.time() + STILL_VALID_MARGIN_SECONDS:
        log.warning(
            "could not refresh the bot token of %s (%s); using it until it expires", workspace_id, reason
        )
        return current
    log.warning(
        "could not refresh the expired bot token of %s (%s); the job will be retried", workspace_id, reason
    )
    raise refused


def is_installed(store: EncryptedInstallationStore) -> Callable[[str], bool]:
    def installed(workspace_id: str) -> bool:
        return store.find_workspace_bot(workspace_id) is not None

    return installed


def workspace_clients(
    settings: Settings, engine: Engine, pacer: RatePacer | None = None
) -> tuple[SlackClients, Callable[[str], bool]]:
    """The worker's clients and installed-check: per installation in OAuth mode, else the one bot token."""
    if not settings.installs_by_oauth:
        return single_workspace_clients(settings, pacer), lambda workspace_id: True
    store = EncryptedInstallationStore(
        client_id=str(settings.slack_client_id), engine=engine, secret_key=settings.require_secret_key()
    )
    return installed_workspace_clients(settings, store, pacer), is_installed(store)
