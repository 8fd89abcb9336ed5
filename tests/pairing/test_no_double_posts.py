"""Slack fails now and then: each group is still introduced, nudged and followed up, and Kindred never
reads the group's conversation to find out whether a post arrived (no `*:history` scope, docs/anonymity.md
rule 8).

After an answer that leaves it open whether Slack posted (a 5xx, a `fatal_error`, a dropped connection),
the post is tried again: that group may then see the message twice, the documented trade
(slackapp/posting.py). After a failure before posting, the message arrives once.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.database import SessionFactory
from slackapp.pairing.ids import FOLLOW_UP_EVENT, INTRODUCTION_EVENT, NUDGE_EVENT
from slackapp.pairing.models import PairingRound
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.pairing.test_pairing_story import (
    HR,
    PEERS_CHANNEL,
    PEOPLE,
    preferences_form,
    save_preferences,
    start_programme,
)
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn


@pytest.fixture
def opted_in(slack: SlackStandIn, slack_requests: SlackRequests, session_factory: SessionFactory) -> None:
    """Nine people in the programme's channel, all opted in."""
    slack.add_user(HR, is_admin=True, tz="Europe/London")
    for person in PEOPLE:
        slack.add_user(person, tz="Europe/London")
    slack.add_channel(PEERS_CHANNEL, members=[HR, *PEOPLE, BOT_USER_ID], name="peer-support")
    programme_id = str(start_programme(slack_requests, session_factory).id)
    for person in PEOPLE:
        assert save_preferences(slack_requests, person, preferences_form([programme_id])).text == ""


def messages_by_group(slack: SlackStandIn, event_type: str) -> Counter[str]:
    """How many messages of this kind each group's conversation holds, by the group's id."""
    return Counter(
        str(message["metadata"]["event_payload"]["key"])
        for messages in slack.messages.values()
        for message in messages
        if (message.get("metadata") or {}).get("event_type") == event_type
    )


def first_round(worker: Worker, clock: Clock, session_factory: SessionFactory) -> PairingRound:
    """Run the worker a day at a time until the programme's first round has introduced its groups."""
    for _ in range(8):
        clock.advance(days=1)
        worker.run_once()
        with session_factory() as session:
            round_ = session.scalars(select(PairingRound)).first()
        if round_ is not None:
            return round_
    raise AssertionError("no round in eight days")


def fail_after_posting(slack: SlackStandIn, *faults: dict[str, Any]) -> None:
    for fault in faults:
        if fault.get("dropped"):
            slack.drop_next("chat.postMessage", after_effect=True)
        else:
            slack.fail_next("chat.postMessage", after_effect=True, **fault)


@pytest.mark.usefixtures("opted_in")
def test_groups_are_introduced_nudged_and_followed_up_though_slack_fails_after_posting(
    slack: SlackStandIn, worker: Worker, clock: Clock, session_factory: SessionFactory
) -> None:
    clock.advance(seconds=1)
    worker.run_once()  # the programme's announcement
    fail_after_posting(slack, {"status": 503})
    round_ = first_round(worker, clock, session_factory)
    introduced = messages_by_group(slack, INTRODUCTION_EVENT)
    assert len(introduced) == 4 and sorted(introduced.values()) == [1, 1, 1, 2]  # one duplicate, none lost

    fail_after_posting(slack, {"dropped": True})
    clock.now = round_.nudge_at + timedelta(minutes=1)
    worker.run_once()
    nudged = messages_by_group(slack, NUDGE_EVENT)
    assert set(nudged) == set(introduced) and sorted(nudged.values()) == [1, 1, 1, 2]

    fail_after_posting(slack, {"error": "fatal_error"})
    clock.now = round_.follow_up_at + timedelta(minutes=1)
    worker.run_once()
    followed_up = messages_by_group(slack, FOLLOW_UP_EVENT)
    assert set(followed_up) == set(introduced) and sorted(followed_up.values()) == [1, 1, 1, 2]
    assert slack.calls_to("conversations.history") == []


@pytest.mark.usefixtures("opted_in")
def test_a_nudge_slack_failed_to_post_is_posted_once_on_the_next_try(
    slack: SlackStandIn, worker: Worker, clock: Clock, session_factory: SessionFactory
) -> None:
    clock.advance(seconds=1)
    worker.run_once()
    round_ = first_round(worker, clock, session_factory)
    slack.fail_next("chat.postMessage", status=503)  # before posting: nothing arrived
    slack.drop_next("chat.postMessage")
    clock.now = round_.nudge_at + timedelta(minutes=1)
    worker.run_once()
    introduced = messages_by_group(slack, INTRODUCTION_EVENT)
    assert messages_by_group(slack, NUDGE_EVENT) == Counter(dict.fromkeys(introduced, 1))
