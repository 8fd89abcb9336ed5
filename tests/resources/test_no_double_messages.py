"""Slack can fail after it posted: a DM about a group is then found, not sent twice, and nobody is told
it failed when it arrived.

The Web API client never repeats a post by itself. After a 5xx, a `fatal_error` or a dropped connection
Kindred looks in the DM for the message (by a key made for it) before it says "couldn't be sent", so
nobody sends their anonymous question or answer a second time for nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from slackapp.database import SessionFactory
from slackapp.resources.ids import ResourceAction
from slackapp.resources.models import AnonymousQuestion
from tests.resource_factories import CONTACT, count, group_spec, make_entry
from tests.resources.test_anonymous_questions import ASKER, QUESTION, answer, ask
from tests.slack_requests import SlackRequests, view_payload
from tests.slack_standin import SlackStandIn


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    for person in (ASKER, CONTACT):
        slack.add_user(person)
    slack.add_channel("C0PARENTS", members=[CONTACT])


def dms_to(slack: SlackStandIn, person: str) -> list[dict[str, Any]]:
    """The messages in Kindred's DM with `person`."""
    return [
        message
        for channel, messages in slack.messages.items()
        if slack.channels.get(channel, {}).get("user") == person
        for message in messages
    ]


def question_id_in(message: dict[str, Any]) -> str:
    [button] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] != ResourceAction.REPORT_QUESTION
    ]
    return str(button["value"])


def test_a_question_slack_posted_before_failing_is_reported_sent_and_kept(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", status=503, after_effect=True)

    sent = ask(slack_requests, str(entry.id))

    assert sent.json()["response_action"] == "update"  # "Question sent", not "try again"
    [to_contact] = dms_to(slack, CONTACT)
    assert QUESTION in json.dumps(to_contact["blocks"])
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert count(session_factory, AnonymousQuestion) == 1  # kept for the answer


def test_a_question_slack_did_not_post_is_reported_so_and_not_kept(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", status=503)

    failed = ask(slack_requests, str(entry.id))

    assert failed.json()["response_action"] == "errors"  # the asker tries again themselves
    assert dms_to(slack, CONTACT) == []
    assert count(session_factory, AnonymousQuestion) == 0


def test_an_answer_delivered_over_a_dropped_connection_is_reported_delivered_once(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    [question] = dms_to(slack, CONTACT)
    slack.drop_next("chat.postMessage", after_effect=True)

    delivered = answer(slack_requests, question_id_in(question), "Yes, whenever you're ready.")

    assert "delivered" in json.dumps(delivered.json()["view"])
    assert len(dms_to(slack, ASKER)) == 1
    assert count(session_factory, AnonymousQuestion) == 0  # delivered: the link is gone


def test_a_request_to_join_and_its_welcome_arrive_once(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    slack.fail_next("chat.postMessage", status=500, after_effect=True)
    slack_requests.block_action(
        ResourceAction.ASK_TO_JOIN, str(entry.id), user_id=ASKER, view=view_payload("directory")
    )
    [request] = dms_to(slack, CONTACT)
    assert "Request sent" in json.dumps(slack.calls_to("views.push")[-1].args["view"])

    slack.fail_next("chat.postMessage", status=502)  # before posting: the welcome is tried again
    slack.fail_next("chat.postMessage", status=504, after_effect=True)  # and that one is found
    slack_requests.block_action(
        ResourceAction.ADD_REQUESTER, question_id_in(request), user_id=CONTACT, channel_id="D0CONTACT"
    )
    assert len(dms_to(slack, ASKER)) == 1
