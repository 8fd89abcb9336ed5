"""Slack can fail after it posted: the check-in jobs still post each invitation, result and reminder once.

A 5xx, a `fatal_error` or a connection dropped while waiting for the answer may come after Slack took the
message. The Web API client never repeats a post by itself; Kindred looks for the message (by its
metadata) in the conversation before it posts again, at once and on the job's next run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from slackapp.checkins.ids import INVITATION_EVENT, RESULTS_EVENT
from slackapp.checkins.models import Round
from slackapp.checkins.service import set_pulse_paused
from slackapp.database import SessionFactory
from slackapp.scheduler.models import Job
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.factories import WORKSPACE, answer, make_open_round
from tests.slack_standin import BOT_USER_ID, SlackStandIn

CHANNEL = "C0TEAM"
PEOPLE = [f"U0MEMBER{n:02d}" for n in range(6)]

Fault = Callable[[SlackStandIn], None]

# Each fails the next chat.postMessage after Slack posted the message.
AFTER_THE_POST: dict[str, Fault] = {
    "500": lambda slack: slack.fail_next("chat.postMessage", status=500, after_effect=True),
    "502": lambda slack: slack.fail_next("chat.postMessage", status=502, after_effect=True),
    "503": lambda slack: slack.fail_next("chat.postMessage", status=503, after_effect=True),
    "504": lambda slack: slack.fail_next("chat.postMessage", status=504, after_effect=True),
    "fatal_error": lambda slack: slack.fail_next("chat.postMessage", error="fatal_error", after_effect=True),
    "dropped connection": lambda slack: slack.drop_next("chat.postMessage", after_effect=True),
}
# Each fails the next chat.postMessage before anything was posted.
BEFORE_THE_POST: dict[str, Fault] = {
    "503": lambda slack: slack.fail_next("chat.postMessage", status=503),
    "504": lambda slack: slack.fail_next("chat.postMessage", status=504),
    "dropped connection": lambda slack: slack.drop_next("chat.postMessage"),
}


def posts_with(slack: SlackStandIn, event_type: str) -> list[tuple[str, str]]:
    """(channel, ts) of every message in the stand-in that carries Kindred's metadata of this type."""
    return [
        (channel, str(message["ts"]))
        for channel, messages in slack.messages.items()
        for message in messages
        if (message.get("metadata") or {}).get("event_type") == event_type
    ]


def reminders_by_person(slack: SlackStandIn) -> Counter[str]:
    """How many messages each person has in their DM with Kindred (only reminders go there here)."""
    return Counter(
        str(slack.channels[channel]["user"])
        for channel, messages in slack.messages.items()
        if slack.channels.get(channel, {}).get("is_im")
        for _ in messages
    )


def job_of(session_factory: SessionFactory, round_: Round, kind: str) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job).where(Job.subject_id == round_.id, Job.kind == kind)).one()


@pytest.fixture
def team(slack: SlackStandIn) -> None:
    slack.add_channel(CHANNEL, members=[*PEOPLE, BOT_USER_ID])
    for person in PEOPLE:
        slack.add_user(person)


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize("fault", AFTER_THE_POST.values(), ids=AFTER_THE_POST.keys())
def test_an_invitation_slack_posted_before_failing_is_found_not_posted_again(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    fault(slack)
    clock.advance(seconds=1)
    worker.run_once()

    assert len(slack.calls_to("chat.postMessage")) == 1
    ((channel, ts),) = posts_with(slack, INVITATION_EVENT)
    assert channel == CHANNEL
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == ts
    assert job_of(session_factory, round_, "checkin.post_invitation").done_at is not None


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize("fault", BEFORE_THE_POST.values(), ids=BEFORE_THE_POST.keys())
def test_an_invitation_slack_failed_to_post_is_posted_once_after_a_look(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    fault(slack)
    clock.advance(seconds=1)
    worker.run_once()

    assert [call.ok for call in slack.calls_to("chat.postMessage")] == [False, True]
    assert len(slack.calls_to("conversations.history")) == 1  # looked before posting again
    ((_, ts),) = posts_with(slack, INVITATION_EVENT)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == ts


@pytest.mark.usefixtures("team")
def test_when_slack_cannot_say_at_once_whether_it_posted_the_jobs_next_run_finds_the_invitation(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    slack.fail_next("chat.postMessage", status=503, after_effect=True)
    slack.fail_next("conversations.history", status=503, times=4)  # more than the client's own retries
    clock.advance(seconds=1)
    worker.run_once()
    job = job_of(session_factory, round_, "checkin.post_invitation")
    assert job.done_at is None and job.last_error == "SlackApiError"

    clock.advance(minutes=2)
    worker.run_once()

    assert len(slack.calls_to("chat.postMessage")) == 1
    ((_, ts),) = posts_with(slack, INVITATION_EVENT)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == ts


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize(
    "fault",
    [AFTER_THE_POST["503"], AFTER_THE_POST["dropped connection"], BEFORE_THE_POST["503"]],
    ids=["503 after it posted", "dropped after it posted", "503 before posting"],
)
def test_the_results_are_posted_once_whatever_slack_answers(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    clock.advance(seconds=1)
    worker.run_once()  # the invitation
    for person in PEOPLE[:5]:
        answer(session_factory, round_.id, person)
    clock.advance(hours=80)
    worker.run_once()  # closes the round
    with session_factory.begin() as session:  # no next round, so the only post left is the results'
        set_pulse_paused(
            session=session, workspace_id=WORKSPACE, pulse_id=round_.pulse_id, paused=True, now=clock.now
        )
    fault(slack)
    clock.past_the_week()
    worker.run_once()  # publishes the week and posts its results

    assert [channel for channel, _ in posts_with(slack, RESULTS_EVENT)] == [CHANNEL]
    assert len(posts_with(slack, INVITATION_EVENT)) == 1
    assert job_of(session_factory, round_, "checkin.post_results").done_at is not None


@pytest.mark.usefixtures("team")
def test_each_person_gets_one_reminder_though_slack_fails_before_and_after_posting_some(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    clock.advance(seconds=1)
    worker.run_once()  # the invitation
    answer(session_factory, round_.id, PEOPLE[0])
    slack.fail_next("chat.postMessage", status=503, after_effect=True)  # the first DM: posted
    slack.drop_next("chat.postMessage", after_effect=True)  # the second: posted
    slack.fail_next("chat.postMessage", status=502)  # the third: not posted
    slack.drop_next("chat.postMessage")  # the third's next try: not posted either
    clock.advance(hours=49)
    worker.run_once()

    assert reminders_by_person(slack) == Counter(PEOPLE[1:])  # everyone who had not answered, once


@pytest.mark.usefixtures("team")
def test_a_reminder_slack_surely_did_not_post_is_sent_on_the_jobs_next_run(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    clock.advance(seconds=1)
    worker.run_once()  # the invitation
    slack.fail_next("chat.postMessage", status=503, times=3)  # every try of one run, for the first person
    clock.advance(hours=49)
    worker.run_once()
    assert job_of(session_factory, round_, "checkin.send_reminders").done_at is None
    assert reminders_by_person(slack) == Counter()

    clock.advance(minutes=2)
    worker.run_once()

    assert reminders_by_person(slack) == Counter(PEOPLE)
    assert job_of(session_factory, round_, "checkin.send_reminders").done_at is not None


def test_the_look_after_a_failure_finds_the_post_in_a_busy_channel(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    """The look after a failure searches the newest messages, however much was said before."""
    slack.add_channel(CHANNEL, members=[*PEOPLE, BOT_USER_ID])
    for n in range(250):  # a busy channel: more than one page of history before Kindred posts
        slack.messages.setdefault(CHANNEL, []).append(
            {"type": "message", "user": PEOPLE[0], "text": f"message {n}", "ts": f"1700000000.{n:06d}"}
        )
    make_open_round(session_factory, CHANNEL, now=clock.now)
    slack.fail_next("chat.postMessage", status=500, after_effect=True)
    clock.advance(seconds=1)
    worker.run_once()
    assert len(posts_with(slack, INVITATION_EVENT)) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_post_slack_answered_costs_no_history_search(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    slack.add_channel(CHANNEL, members=[*PEOPLE, BOT_USER_ID])
    make_open_round(session_factory, CHANNEL, now=clock.now - timedelta(seconds=1))
    worker.run_once()
    assert len(posts_with(slack, INVITATION_EVENT)) == 1
    assert slack.calls_to("conversations.history") == []
