"""When a workspace uninstalls Kindred or revokes its tokens, forget them; a re-install resumes the work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from slackapp.installations.store import EncryptedInstallationStore

log = logging.getLogger(__name__)


def register(app: App, installation_store: EncryptedInstallationStore | None) -> None:
    """In OAuth mode, both events delete the workspace's tokens (single-workspace mode stores none)."""

    def forget_workspace(event: dict[str, Any], context: BoltContext) -> None:
        """app_uninstalled and tokens_revoked: delete every token of the workspace; its work stops."""
        if installation_store is None or not context.team_id:
            return
        deleted = installation_store.delete_workspace(context.team_id)
        log.info(
            "Kindred's tokens for a workspace were revoked or it was uninstalled: %d stored row(s) deleted; "
            "its scheduled work stops until it is installed again",
            deleted,
        )

    # Kindred acts only with its bot token: once any of its tokens is revoked the installation is
    # unusable, and a token Slack has revoked is not worth keeping, even encrypted.
    app.event("app_uninstalled")(forget_workspace)
    app.event("tokens_revoked")(forget_workspace)
