"""Slack fails now and then: no invitation, reminder or result is lost, and none is posted twice by a job
that runs again, without Kindred ever reading a conversation (no `*:history` scope, docs/anonymity.md rule 8).

Kindred's own record (the round's invitation_ts, reminder_ts, results_ts) says what it has posted. A 5xx,
a `fatal_error` or a connection dropped while waiting for the answer may come after Slack took the
message: then the post is tried again, and in that rare case the message may appear twice. That is the
documented trade (slackapp/slack/posting.py): a duplicate, rather than a token that can read conversations.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT, RESULTS_EVENT
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


def job_of(session_factory: SessionFactory, round_: Round, kind: str) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job).where(Job.subject_id == round_.id, Job.kind == kind)).one()


@pytest.fixture
def team(slack: SlackStandIn) -> None:
    slack.add_channel(CHANNEL, members=[*PEOPLE, BOT_USER_ID])
    for person in PEOPLE:
        slack.add_user(person)


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize("fault", BEFORE_THE_POST.values(), ids=BEFORE_THE_POST.keys())
def test_an_invitation_slack_failed_to_post_is_posted_once_on_the_next_try(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    fault(slack)
    clock.advance(seconds=1)
    worker.run_once()

    assert [call.ok for call in slack.calls_to("chat.postMessage")] == [False, True]
    ((_, ts),) = posts_with(slack, INVITATION_EVENT)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == ts


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize("fault", AFTER_THE_POST.values(), ids=AFTER_THE_POST.keys())
def test_after_an_answer_that_leaves_it_open_the_invitation_is_posted_again_not_looked_for(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    """The one case a message may come twice: Slack posted it and failed to say so."""
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    fault(slack)
    clock.advance(seconds=1)
    worker.run_once()

    posted = posts_with(slack, INVITATION_EVENT)
    assert [channel for channel, _ in posted] == [CHANNEL, CHANNEL]  # never lost; the documented duplicate
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == posted[-1][1]
    assert job_of(session_factory, round_, "checkin.post_invitation").done_at is not None


def publish_the_week(worker: Worker, session_factory: SessionFactory, round_: Round, clock: Clock) -> None:
    """Pause the pulse (so no next invitation is posted), then let the week end: the worker publishes it
    and posts the round's results. Results wait for the week's publication, so a test that expects them
    must move past the week whatever day it runs on."""
    with session_factory.begin() as session:
        set_pulse_paused(
            session=session, workspace_id=WORKSPACE, pulse_id=round_.pulse_id, paused=True, now=clock.now
        )
    clock.past_the_week()
    worker.run_once()


def run_again(session_factory: SessionFactory, round_: Round, *kinds: str) -> None:
    """Queue these finished jobs of the round again, as after a worker died before marking them done."""
    with session_factory.begin() as session:
        jobs = list(session.scalars(select(Job).where(Job.subject_id == round_.id, Job.kind.in_(kinds))))
        assert len(jobs) == len(kinds) and all(job.done_at is not None for job in jobs)
        for job in jobs:
            job.done_at = None


@pytest.mark.usefixtures("team")
def test_each_job_run_again_after_its_post_went_through_posts_nothing(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    clock.advance(seconds=1)
    worker.run_once()  # the invitation
    for person in PEOPLE[:5]:
        answer(session_factory, round_.id, person)
    clock.advance(hours=49)
    worker.run_once()  # the reminder
    run_again(session_factory, round_, "checkin.post_invitation", "checkin.send_reminders")
    clock.advance(minutes=10)
    worker.run_once()  # the round is still open: only the records stop a second post
    clock.advance(hours=24)
    worker.run_once()  # closes the round
    publish_the_week(worker, session_factory, round_, clock)  # and posts its results
    run_again(session_factory, round_, "checkin.post_results")
    clock.advance(minutes=10)
    worker.run_once()

    for event in (INVITATION_EVENT, REMINDER_EVENT, RESULTS_EVENT):
        assert [channel for channel, _ in posts_with(slack, event)] == [CHANNEL], event
    assert len(slack.calls_to("chat.postMessage")) == 3


@pytest.mark.usefixtures("team")
def test_slack_failing_every_try_of_a_run_delays_the_post_to_the_jobs_next_run(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    slack.fail_next("chat.postMessage", status=503, times=3)  # every try of the job's first run
    clock.advance(seconds=1)
    worker.run_once()
    job = job_of(session_factory, round_, "checkin.post_invitation")
    assert job.done_at is None and job.last_error == "SlackApiError"
    assert posts_with(slack, INVITATION_EVENT) == []

    clock.advance(minutes=2)
    worker.run_once()

    ((_, ts),) = posts_with(slack, INVITATION_EVENT)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invitation_ts == ts


@pytest.mark.usefixtures("team")
@pytest.mark.parametrize(
    "fault",
    [BEFORE_THE_POST["503"], BEFORE_THE_POST["dropped connection"]],
    ids=["503 before posting", "dropped before posting"],
)
def test_the_results_and_the_reminder_are_posted_once_after_a_failure_before_the_post(
    fault: Fault, worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    clock.advance(seconds=1)
    worker.run_once()  # the invitation
    for person in PEOPLE[:5]:
        answer(session_factory, round_.id, person)
    fault(slack)
    clock.advance(hours=49)
    worker.run_once()  # the reminder
    clock.advance(hours=24)
    worker.run_once()  # closes the round
    fault(slack)
    publish_the_week(worker, session_factory, round_, clock)

    assert [channel for channel, _ in posts_with(slack, REMINDER_EVENT)] == [CHANNEL]
    assert [channel for channel, _ in posts_with(slack, RESULTS_EVENT)] == [CHANNEL]
    assert len(posts_with(slack, INVITATION_EVENT)) == 1
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.reminder_ts and stored.results_ts
    assert job_of(session_factory, round_, "checkin.post_results").done_at is not None


@pytest.mark.usefixtures("team")
def test_no_check_in_job_reads_a_conversation_whatever_slack_answers(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, CHANNEL, now=clock.now)
    slack.fail_next("chat.postMessage", status=500, after_effect=True)
    clock.advance(seconds=1)
    worker.run_once()
    answer(session_factory, round_.id, PEOPLE[0])
    slack.drop_next("chat.postMessage", after_effect=True)
    clock.advance(hours=49)
    worker.run_once()
    clock.advance(hours=24)
    worker.run_once()  # closes the round
    slack.fail_next("chat.postMessage", error="fatal_error", after_effect=True)
    publish_the_week(worker, session_factory, round_, clock)

    assert posts_with(slack, RESULTS_EVENT)
    assert slack.calls_to("conversations.history") == []
    assert slack.calls_to("conversations.replies") == []
