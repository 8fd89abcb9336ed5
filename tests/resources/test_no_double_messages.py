"""Slack can fail after it posted: a DM about a group is then neither looked for nor reported lost.

Kindred reads no DM (no `*:history` scope, docs/anonymity.md rule 8). After a 5xx, a `fatal_error` or a
dropped connection it cannot know whether the DM arrived, so it says exactly that: the person may send
again (and the DM may then arrive twice, the documented trade), and a question that may have arrived
stays answerable. After a definite refusal, "couldn't be sent" is certain.
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


def test_a_question_slack_may_have_posted_is_reported_unconfirmed_and_kept(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", status=503, after_effect=True)

    sent = ask(slack_requests, str(entry.id))

    assert sent.json()["response_action"] == "errors"
    assert "didn't confirm that your question arrived" in json.dumps(sent.json()["errors"])
    [to_contact] = dms_to(slack, CONTACT)
    assert QUESTION in json.dumps(to_contact["blocks"])
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert count(session_factory, AnonymousQuestion) == 1  # kept: the contact can answer what arrived
    assert slack.calls_to("conversations.history") == []


def test_a_question_slack_did_not_post_is_reported_so_and_not_kept(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("chat.postMessage", error="channel_not_found")  # a definite refusal: nothing posted

    failed = ask(slack_requests, str(entry.id))

    assert failed.json()["response_action"] == "errors"  # the asker tries again themselves
    assert dms_to(slack, CONTACT) == []
    assert count(session_factory, AnonymousQuestion) == 0


def test_an_answer_slack_may_have_delivered_is_reported_unconfirmed_and_can_be_sent_again(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)
    ask(slack_requests, str(entry.id))
    [question] = dms_to(slack, CONTACT)
    slack.drop_next("chat.postMessage", after_effect=True)

    unsure = answer(slack_requests, question_id_in(question), "Yes, whenever you're ready.")

    assert "didn't confirm that your answer arrived" in json.dumps(unsure.json()["errors"])
    assert count(session_factory, AnonymousQuestion) == 1  # not forgotten while unsure
    again = answer(slack_requests, question_id_in(question), "Yes, whenever you're ready.")
    assert "delivered" in json.dumps(again.json()["view"])
    assert len(dms_to(slack, ASKER)) == 2  # the documented duplicate, rather than reading the DM
    assert count(session_factory, AnonymousQuestion) == 0  # delivered: the link is gone
    assert slack.calls_to("conversations.history") == []


def test_a_request_to_join_and_its_welcome_arrive_though_slack_fails(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    slack.fail_next("chat.postMessage", status=500, after_effect=True)
    slack_requests.block_action(
        ResourceAction.ASK_TO_JOIN, str(entry.id), user_id=ASKER, view=view_payload("directory")
    )
    [request] = dms_to(slack, CONTACT)
    assert "didn't confirm that your request arrived" in json.dumps(slack.calls_to("views.push")[-1].args)

    slack.fail_next("chat.postMessage", status=502)  # before posting: the welcome is tried again
    slack_requests.block_action(
        ResourceAction.ADD_REQUESTER, question_id_in(request), user_id=CONTACT, channel_id="D0CONTACT"
    )
    assert len(dms_to(slack, ASKER)) == 1
    assert slack.calls_to("conversations.history") == []
