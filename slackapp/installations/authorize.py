"""Who a request from Slack acts as, decided without a Web API call per request.

Bolt's own authorization asks Slack (`auth.test`) on every request before the ack in OAuth mode, and
tells the person "Please reinstall" when that call is rate limited or Slack is down. Kindred hands Bolt
its own `authorize` in every mode instead: it also keeps Bolt from switching itself to OAuth installs
when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the environment for Sign in with Slack only.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator

from slackapp.installations.clients import WorkspaceNotInstalled, refreshed_bot
from slackapp.installations.store import EncryptedInstallationStore

log = logging.getLogger(__name__)

# auth.test answers these when the token itself is no good: then, and only then, Kindred needs
# installing again. Anything else (a 429, a 5xx, no answer) passes, and the request goes on.
TOKEN_IS_DEAD = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"}
)

# Shown when a request comes from a workspace Kindred holds no token for.
NOT_INSTALLED_MESSAGE = (
    "Kindred is not installed in this workspace any more, so it cannot answer. "
    "A workspace admin can install it again from Kindred's install page."
)


class SlackUnavailable(RuntimeError):
    """Slack did not answer a call Kindred needed before acknowledging: try again shortly."""


class StoredInstallationAuthorize(Authorize):
    """OAuth mode: each workspace's bot token, read from the (encrypted) installation store.

    Everything `auth.test` would say (bot id, bot user id, workspace, scopes) was saved with the
    installation, so no request waits on Slack. The one exception is a rotating token in its last two
    hours, refreshed here as the worker does; if Slack refuses or cannot answer, the current token is
    used while it lasts (see `refreshed_bot`).
    """

    def __init__(self, *, store: EncryptedInstallationStore, rotator: TokenRotator | None) -> None:
        self.store = store
        self.rotator = rotator

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        bot = self._installed_bot(enterprise_id, team_id)
        if bot is None:
            return None
        if self.rotator is not None and bot.bot_refresh_token:
            try:
                bot = refreshed_bot(self.store, self.rotator, bot)
            except (SlackTokenRotationError, WorkspaceNotInstalled) as failed:
                raise SlackUnavailable("the workspace's token could not be refreshed") from failed
            except OSError as unanswered:  # Slack did not answer the refresh: go on while the token lasts
                expires_at = bot.bot_token_expires_at
                if expires_at is not None and expires_at <= time.time():
                    raise SlackUnavailable("Slack did not answer a token refresh") from unanswered
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )

    def _installed_bot(self, enterprise_id: str | None, team_id: str | None) -> Bot | None:
        if team_id:
            return self.store.find_workspace_bot(team_id)
        # An org-wide install in an Enterprise Grid: its events name only the organisation.
        return self.store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)


class BotTokenAuthorize(Authorize):
    """Single-workspace mode: the one SLACK_BOT_TOKEN.

    The bot's own ids (so Bolt can ignore Kindred's own events) come from one `auth.test`, asked on
    the first request and kept for the life of the process. If Slack is busy or down then, the request
    goes on with the token alone and the next request asks again; only a token Slack calls dead stops it.
    """

    def __init__(self, *, token: str, client: WebClient) -> None:
        self.token = token
        self.client = client
        self._identity: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        identity = self._identity or self._look_up()
        if identity is None:
            return None
        return AuthorizeResult(
            enterprise_id=identity.get("enterprise_id") or enterprise_id,
            team_id=identity.get("team_id") or team_id,
            bot_id=identity.get("bot_id"),
            bot_user_id=identity.get("user_id"),
            bot_token=self.token,
            user_id=user_id,
        )

    def _look_up(self) -> dict[str, Any] | None:
        with self._lock:
            if self._identity is not None:
                return self._identity
            try:
                answer = self.client.auth_test(token=self.token)
            except SlackApiError as error:
                code = error.response.get("error") if error.response is not None else None
                if code in TOKEN_IS_DEAD:
                    log.error("Slack refused SLACK_BOT_TOKEN (%s): install Kindred again", code)
                    return None
                log.warning("Slack did not confirm the bot's identity (%s); going on with the token", code)
                return {}
            except OSError as error:
                reason = type(error).__name__
                log.warning("Slack did not answer auth.test (%s); going on with the token", reason)
                return {}
            self._identity = {
                key: answer.get(key) for key in ("enterprise_id", "team_id", "bot_id", "user_id")
            }
            return self._identity
