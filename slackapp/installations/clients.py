"""The worker's Web API client for each workspace, from its installation, with token rotation."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from slackapp.installations.store import EncryptedInstallationStore
from slackapp.pacing import RatePacer
from slackapp.scheduler.worker import WorkPostponed
from slackapp.settings import Settings
from slackapp.slack_client import SlackClients, build_web_client, single_workspace_clients


class WorkspaceNotInstalled(WorkPostponed):
    """Kindred has no token for this workspace (never installed, uninstalled, or tokens revoked)."""


def installed_workspace_clients(
    settings: Settings, store: EncryptedInstallationStore, pacer: RatePacer | None = None
) -> SlackClients:
    """Clients for OAuth mode: each workspace's bot token, rotated shortly before it expires."""
    rotator = TokenRotator(
        client_id=str(settings.slack_client_id),
        client_secret=str(settings.slack_client_secret),
        client=build_web_client(settings),
    )

    def client_for(workspace_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            raise WorkspaceNotInstalled(workspace_id)
        rotated = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=120)
        if rotated is not None:
            store.save_bot(rotated)
            bot = rotated
        return build_web_client(settings, token=bot.bot_token, pacer=pacer)

    return client_for


def is_installed(store: EncryptedInstallationStore) -> Callable[[str], bool]:
    def installed(workspace_id: str) -> bool:
        return store.find_bot(enterprise_id=None, team_id=workspace_id) is not None

    return installed


def workspace_clients(
    settings: Settings, engine: Engine, pacer: RatePacer | None = None
) -> tuple[SlackClients, Callable[[str], bool]]:
    """The worker's clients and installed-check: per installation in OAuth mode, else the one bot token."""
    if not (settings.slack_client_id and settings.slack_client_secret):
        return single_workspace_clients(settings, pacer), lambda workspace_id: True
    store = EncryptedInstallationStore(
        client_id=settings.slack_client_id, engine=engine, secret_key=settings.require_secret_key()
    )
    return installed_workspace_clients(settings, store, pacer), is_installed(store)
