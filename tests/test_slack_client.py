"""Kindred's Web API client against the stand-in: what slack_sdk may repeat by itself, and what it may not.

A 429 means Slack did nothing, so every call waits it out and tries again. A 5xx or a connection dropped
while waiting for the answer may come after Slack acted, so a post is never repeated blindly (the caller
looks in the conversation first, slackapp/slack/posting.py); reads and updates are.
"""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.settings import Settings
from slackapp.slack.slack_client import build_web_client
from tests.slack_standin import SlackStandIn


@pytest.fixture
def client(settings: Settings) -> WebClient:
    return build_web_client(settings, token=settings.slack_bot_token)


def messages_in(slack: SlackStandIn, channel: str) -> list[str]:
    return [str(message["text"]) for message in slack.messages.get(channel, [])]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_answered_with_a_server_error_is_not_sent_again(
    slack: SlackStandIn, client: WebClient, status: int
) -> None:
    slack.fail_next("chat.postMessage", status=status, after_effect=True)
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0TEAM", text="How was your week?")
    assert failure.value.response.status_code == status
    assert [call.answered_with for call in slack.calls_to("chat.postMessage")] == [f"http:{status}"]
    assert messages_in(slack, "C0TEAM") == ["How was your week?"]  # Slack had posted it: once


def test_a_post_whose_connection_dropped_is_not_sent_again(slack: SlackStandIn, client: WebClient) -> None:
    slack.drop_next("chat.postMessage", after_effect=True)
    with pytest.raises(OSError):
        client.chat_postMessage(channel="C0TEAM", text="How was your week?")
    assert [call.answered_with for call in slack.calls_to("chat.postMessage")] == ["dropped"]
    assert messages_in(slack, "C0TEAM") == ["How was your week?"]


def test_a_post_refused_for_the_rate_limit_is_sent_when_slack_allows(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", retry_after=1)
    client.chat_postMessage(channel="C0TEAM", text="How was your week?")
    assert [call.answered_with for call in slack.calls_to("chat.postMessage")] == ["http:429", "ok"]
    assert messages_in(slack, "C0TEAM") == ["How was your week?"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_reads_and_updates_are_tried_again_after_a_server_error(
    slack: SlackStandIn, client: WebClient, status: int
) -> None:
    slack.add_user("U0ANA")
    slack.fail_next("users.info", status=status)
    slack.fail_next("chat.update", status=status, after_effect=True)
    assert client.users_info(user="U0ANA")["user"]["id"] == "U0ANA"
    posted = client.chat_postMessage(channel="C0TEAM", text="3 people answered")
    client.chat_update(channel="C0TEAM", ts=str(posted["ts"]), text="5+ people answered")
    assert [call.answered_with for call in slack.calls_to("users.info")] == [f"http:{status}", "ok"]
    assert [call.answered_with for call in slack.calls_to("chat.update")] == [f"http:{status}", "ok"]
    assert messages_in(slack, "C0TEAM") == ["5+ people answered"]


def test_a_read_whose_connection_dropped_is_tried_again(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_channel("C0TEAM", members=["U0ANA"])
    slack.drop_next("conversations.members")
    assert client.conversations_members(channel="C0TEAM")["members"] == ["U0ANA"]
    assert [call.answered_with for call in slack.calls_to("conversations.members")] == ["dropped", "ok"]
