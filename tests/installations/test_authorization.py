"""Authorizing a request never waits on Slack: no `auth.test` per click with OAuth installs, and a rate
limit or an outage is never shown to anyone as "Please reinstall"."""

from __future__ import annotations

import pytest

from slackapp.data_rights.ids import DataRightsAction
from tests.installations.conftest import BETA, token_of
from tests.slack_requests import SlackRequests
from tests.slack_standin import RESPONSE_URL, SlackStandIn

PERSON = "U0CLICKER"


def told(slack: SlackStandIn) -> str:
    """Everything Kindred said to the person through the click's response_url."""
    return " ".join(str(call.args) for call in slack.calls_to(RESPONSE_URL))


@pytest.mark.usefixtures("two_workspaces")
def test_a_click_is_answered_with_the_stored_installation_without_asking_slack_who_it_is(
    requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.clear()  # installing asked auth.test for the bot's ids, once, as Slack's OAuth flow does
    slack.fail_next("auth.test", status=429, retry_after=30, times=20)
    slack.add_user(PERSON)

    for _ in range(3):
        reply = requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON, team_id=BETA)
        assert reply.status == 200
        assert reply.text == ""  # acknowledged, not an error shown in place of the answer

    assert slack.calls_to("auth.test") == []
    opened = slack.successful_calls_to("views.open")
    assert [call.token for call in opened] == [token_of(BETA)] * 3
    assert "reinstall" not in told(slack).lower()


def test_single_workspace_a_rate_limited_auth_test_neither_delays_the_ack_nor_says_reinstall(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    """The bot's own ids are asked once; a 429 then is not waited out (Retry-After 30 s) nor fatal."""
    slack.fail_next("auth.test", status=429, retry_after=30, times=2)
    slack.add_user(PERSON)

    for clicks in (1, 2, 3):
        reply = slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON)
        assert reply.status == 200 and reply.text == ""
        # Asked once per click until Slack answers, never retried in place (that would wait 30 s).
        assert len(slack.calls_to("auth.test")) == clicks

    assert [call.status for call in slack.calls_to("auth.test")] == [429, 429, 200]
    assert len(slack.successful_calls_to("views.open")) == 3
    assert "reinstall" not in told(slack).lower()
    slack_requests.block_action(DataRightsAction.SHOW_MY_DATA, user_id=PERSON)
    assert len(slack.calls_to("auth.test")) == 3  # once answered, never asked again
