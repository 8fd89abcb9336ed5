"""Revoking Kindred's tokens, or uninstalling it, deletes every token of that workspace, bot and
installation rows alike, and nothing of the other workspace, which Kindred goes on answering."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.installations.conftest import ALPHA, BETA, token_of
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn


def stored_tokens(engine: Engine) -> dict[str, int]:
    """Workspace -> how many stored rows (bots and installations) still hold a token of it."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in ("slack_bots", "slack_installations"):
            rows = connection.execute(
                text(f"SELECT team_id, bot_token, bot_refresh_token FROM {table}")
            ).all()
            for team_id, token, refresh in rows:
                if token or refresh:
                    counts[team_id] = counts.get(team_id, 0) + 1
    return counts


@pytest.mark.usefixtures("two_workspaces")
@pytest.mark.parametrize(
    "event",
    [
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER_ID]}},
        {"type": "app_uninstalled"},
    ],
    ids=["tokens_revoked", "app_uninstalled"],
)
def test_every_token_of_the_workspace_is_deleted_and_only_of_that_workspace(
    requests: SlackRequests, slack: SlackStandIn, engine: Engine, event: dict[str, Any]
) -> None:
    assert stored_tokens(engine) == {ALPHA: 2, BETA: 2}  # a bot row and an installation row each

    assert requests.event(event, team_id=BETA).status == 200

    assert stored_tokens(engine) == {ALPHA: 2}
    slack.add_user("U0SOMEONE")
    requests.event({"type": "app_home_opened", "user": "U0SOMEONE", "tab": "home"}, team_id=ALPHA)
    assert [c.token for c in slack.calls_to("views.publish")] == [token_of(ALPHA)]
