"""Slack can fail after it posted: each group is still introduced, nudged and followed up once.

The Web API client never repeats a post by itself; Kindred looks for the message (by its metadata) in the
group's conversation before it posts again.
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
def test_groups_are_introduced_nudged_and_followed_up_once_though_slack_fails_after_posting(
    slack: SlackStandIn, worker: Worker, clock: Clock, session_factory: SessionFactory
) -> None:
    clock.advance(seconds=1)
    worker.run_once()  # the programme's announcement
    fail_after_posting(slack, {"status": 503}, {"dropped": True}, {"error": "fatal_error"})
    round_ = first_round(worker, clock, session_factory)
    introduced = messages_by_group(slack, INTRODUCTION_EVENT)
    assert len(introduced) == 4 and set(introduced.values()) == {1}

    fail_after_posting(slack, {"status": 500}, {"status": 504})
    clock.now = round_.nudge_at + timedelta(minutes=1)
    worker.run_once()
    assert messages_by_group(slack, NUDGE_EVENT) == Counter(dict.fromkeys(introduced, 1))

    fail_after_posting(slack, {"dropped": True}, {"status": 502})
    clock.now = round_.follow_up_at + timedelta(minutes=1)
    worker.run_once()
    assert messages_by_group(slack, FOLLOW_UP_EVENT) == Counter(dict.fromkeys(introduced, 1))


@pytest.mark.usefixtures("opted_in")
def test_a_nudge_slack_failed_to_post_is_posted_after_a_look(
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
