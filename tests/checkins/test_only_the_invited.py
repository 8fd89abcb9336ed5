"""Only a round's invitees answer it, and its reminder leaves the same trace in Slack for everyone.

Through signed requests to /slack/events and the Web API stand-in (docs/anonymity.md rules 5 and 6): stooges
cannot push a small team over the minimum, and a full export of what Slack stores after a round cannot
tell those who answered from those who did not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.checkins.ids import REMINDER_EVENT, CheckinAction
from slackapp.checkins.models import Answer, Comment, Invitee, Participation, Round, RoundState
from slackapp.database import SessionFactory
from slackapp.scheduler.worker import Worker
from tests.checkins.test_checkin_story import answers_form, set_up_pulse_and_open_round, submit
from tests.conftest import Clock
from tests.factories import make_open_round
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn

HR = "U0HRADMIN"
TEAM_CHANNEL = "C0TEAM"


def rows(session_factory: SessionFactory, model: Any) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def opened_view(slack: SlackStandIn) -> str:
    return json.dumps(slack.calls_to("views.open")[-1].args["view"])


@pytest.fixture
def small_team(slack: SlackStandIn) -> list[str]:
    team = ["U0TEAMANA", "U0TEAMBEN", "U0TEAMCAT"]
    slack.add_user(HR, is_admin=True, tz="Europe/London")
    for person in team:
        slack.add_user(person, tz="Europe/London")
    slack.add_channel(TEAM_CHANNEL, members=[*team, BOT_USER_ID], name="team-small")
    return team


def test_four_outsiders_cannot_answer_a_three_person_teams_round(
    small_team: list[str],
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    """Stooges would push the team over the minimum of five, then subtract their own known answers."""
    stooges = ["U0STOOGE1", "U0STOOGE2", "U0STOOGE3", "U0LATEJOINER"]
    for stooge in stooges:
        slack.add_user(stooge, tz="Europe/London")
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    assert round_.invited_count == 3
    # One of them joins the channel after the round opened: still not one of the round's invitees.
    slack.add_channel(TEAM_CHANNEL, members=[*small_team, "U0LATEJOINER", BOT_USER_ID], name="team-small")

    for stooge in stooges:
        slack.clear()
        pressed = slack_requests.block_action(
            CheckinAction.OPEN_MODAL, str(round_.id), user_id=stooge, channel_id=TEAM_CHANNEL
        )
        assert pressed.status == 200
        notice = opened_view(slack)
        assert f"members of <#{TEAM_CHANNEL}> when it opened" in notice
        assert "checkin_answer_value" not in notice  # a notice, not the form
        sent = submit(slack_requests, round_, stooge, answers_form(wellbeing=5, comment="all great"))
        assert sent.status == 200
        assert sent.json()["response_action"] == "update"
        assert f"members of <#{TEAM_CHANNEL}> when it opened" in json.dumps(sent.json()["view"])
        assert [call.method for call in slack.calls] == ["views.open"]  # the refusal asks Slack nothing
    assert rows(session_factory, Participation) == 0
    assert rows(session_factory, Answer) == 0
    assert rows(session_factory, Comment) == 0

    for person in small_team:
        slack.clear()
        sent = submit(slack_requests, round_, person, answers_form(wellbeing=2))
        assert sent.json()["view"]["title"]["text"] == "Thank you"
        assert slack.calls == []  # an answer costs no Slack call
    assert rows(session_factory, Participation) == 3

    clock.advance(hours=73)
    worker.run_once()
    with session_factory() as session:
        closed = session.get(Round, round_.id)
        assert closed is not None and closed.state is RoundState.CLOSED
        assert closed.respondent_count == 3 and closed.invited_count == 3
    assert rows(session_factory, Invitee) == 0  # erased with the secret
    clock.past_the_week()  # the week is published once it is over; then the channel hears
    worker.run_once()
    [results] = [
        c.args
        for c in slack.successful_calls_to("chat.postMessage")
        if "results" in str(c.args.get("text", ""))
    ]
    assert "too few answers to share" in results["text"] and "3" not in results["text"]


def test_the_invitees_are_the_channels_people_when_it_opened(
    small_team: list[str],
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    """Bots and deactivated accounts are not invited; someone who left since opening still may answer."""
    slack.add_user("U0HELPERBOT", is_bot=True)
    slack.add_user("U0LEFTCOMPANY", deleted=True)
    slack.add_channel(
        TEAM_CHANNEL,
        members=[*small_team, "U0HELPERBOT", "U0LEFTCOMPANY", BOT_USER_ID],
        name="team-small",
    )
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    assert round_.invited_count == 3
    assert rows(session_factory, Invitee) == 3
    slack.add_channel(TEAM_CHANNEL, members=small_team[1:], name="team-small")  # Ana leaves the channel

    slack_requests.block_action(CheckinAction.OPEN_MODAL, str(round_.id), user_id=small_team[0])
    assert "checkin_answer_value" in opened_view(slack)
    sent = submit(slack_requests, round_, small_team[0], answers_form(wellbeing=4))
    assert sent.json()["view"]["title"]["text"] == "Thank you"
    refused = submit(slack_requests, round_, "U0HELPERBOT", answers_form(wellbeing=4))
    assert "when it opened" in json.dumps(refused.json())
    assert rows(session_factory, Participation) == 1


def slack_trace(slack: SlackStandIn, person: str) -> list[str]:
    """What Slack stores that concerns `person` alone: their DMs with Kindred, and any message naming them.

    The team channel's messages are the same for every member, so they are not part of anyone's own trace
    unless they name the person.
    """
    trace: list[str] = []
    for channel, messages in slack.messages.items():
        info = slack.channels.get(channel, {})
        for message in messages:
            stored = json.dumps(message, sort_keys=True)
            if info.get("is_im") and info.get("user") == person:
                trace.append(f"dm: {message.get('text')} {json.dumps(message.get('blocks'))}")
            elif person in stored:
                trace.append(f"{channel}: {stored}")
    return trace


def test_an_export_of_slack_after_a_round_cannot_tell_who_answered(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    members = [f"U0PERSON{n:02d}" for n in range(1, 9)]
    slack.add_user(HR, is_admin=True, tz="Europe/London")
    for member in members:
        slack.add_user(member, tz="Europe/London")
    slack.add_channel(TEAM_CHANNEL, members=[*members, BOT_USER_ID], name="team-platform")
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    respondents, others = members[:5], members[5:]
    for person in respondents:
        submit(slack_requests, round_, person, answers_form(wellbeing=3))

    clock.advance(hours=49)  # past the reminder (two thirds of 72 hours)
    worker.run_once()
    clock.advance(hours=24)  # and past closing
    worker.run_once()

    # One reminder, in the channel, for everyone.
    reminders = [
        (channel, message)
        for channel, messages in slack.messages.items()
        for message in messages
        if (message.get("metadata") or {}).get("event_type") == REMINDER_EVENT
    ]
    assert [channel for channel, _ in reminders] == [TEAM_CHANNEL]
    # The full export: every person's own trace is the same, whether they answered or not.
    traces = {person: slack_trace(slack, person) for person in members}
    assert all(trace == traces[respondents[0]] for trace in traces.values()), traces
    assert traces[others[0]] == []
    # And no call Kindred made to Slack named a person apart from the modals opened for them.
    for call in slack.calls:
        if call.method not in ("views.open", "users.list", "users.info"):
            assert not any(person in json.dumps(call.args) for person in members), call.method


def test_before_the_worker_knows_who_a_round_is_for_nobody_is_turned_away_for_good(
    small_team: list[str],
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    """The moment between a round opening and the worker recording its invitees: "try again in a minute"."""
    round_ = make_open_round(session_factory, TEAM_CHANNEL, now=clock.now)
    slack_requests.block_action(CheckinAction.OPEN_MODAL, str(round_.id), user_id=small_team[0])
    assert "try again in a minute" in opened_view(slack)
    slack_requests.command("/checkin", user_id=small_team[0], channel_id=TEAM_CHANNEL)
    assert "no check-in open" in slack.calls_to("response_url")[-1].args["text"]
    sent = submit(slack_requests, round_, small_team[0], answers_form(wellbeing=4))
    assert "try again in a minute" in json.dumps(sent.json()["view"])
    assert rows(session_factory, Participation) == 0
