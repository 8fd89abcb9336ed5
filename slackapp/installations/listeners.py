"""When a workspace uninstalls Kindred or revokes its tokens, forget them; a re-install resumes the work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk.oauth.installation_store import InstallationStore

log = logging.getLogger(__name__)


def register(app: App, installation_store: InstallationStore | None) -> None:
    revocation = TokenRevocationListeners(installation_store) if installation_store is not None else None

    def forget_workspace(event: dict[str, Any], context: BoltContext) -> None:
        """app_uninstalled: delete every token of the workspace; its scheduled work stops."""
        if revocation is not None:
            revocation.handle_app_uninstalled_events(context)
        log.info("Kindred was uninstalled from a workspace; its scheduled work stops until it is reinstalled")

    def forget_revoked_tokens(event: dict[str, Any], context: BoltContext) -> None:
        """tokens_revoked: delete the revoked tokens."""
        if revocation is not None:
            revocation.handle_tokens_revoked_events(event, context)

    app.event("app_uninstalled")(forget_workspace)
    app.event("tokens_revoked")(forget_revoked_tokens)
