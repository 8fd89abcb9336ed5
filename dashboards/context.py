"""What the dashboard needs from the web process, kept on the Flask app (not in module globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import flask

from slackapp.database import SessionFactory, utcnow
from slackapp.privacy.gate import PrivacyRules
from slackapp.settings import Settings
from slackapp.slack_client import SlackClients

EXTENSION = "kindred_dashboard"
BASE = "/dashboard/"


@dataclass(frozen=True)
class DashboardContext:
    settings: Settings
    session_factory: SessionFactory
    # Each workspace's bot client, to ask Slack at sign-in whether someone is an admin or owner.
    slack_clients: SlackClients | None = None
    # Now, for session expiry and role re-checks; tests pass a clock they move.
    clock: Callable[[], datetime] = utcnow

    @property
    def rules(self) -> PrivacyRules:
        return PrivacyRules(
            min_group_size=self.settings.min_group_size,
            min_comment_group_size=self.settings.min_comment_group_size,
        )


def current_context() -> DashboardContext:
    context = flask.current_app.extensions[EXTENSION]
    assert isinstance(context, DashboardContext)
    return context
