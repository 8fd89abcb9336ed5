"""The worker's check-in jobs: never twice, never skipped, through crashes, races, rate limits and 5xx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, func, select

from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT, RESULTS_EVENT
from slackapp.checkins.models import Histogram, Invitee, Round, RoundState
from slackapp.checkins.service import CheckinJob, NotInvited, close_round, mark_invitation_posted
from slackapp.database import SessionFactory
from slackapp.privacy.gate import published_team_cell
from slackapp.scheduler.models import Job
from slackapp.settings import Settings
from tests.conftest import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, Clock, repo_root
from tests.factories import answer, make_open_round, make_pulse
from tests.interleave import on_statement
from tests.slack_standin import BOT_USER_ID, SlackStandIn

MEMBERS = [f"U0MEMBER{n:03d}" for n in range(12)]


def posts_with(slack: SlackStandIn, event_type: str) -> list[dict[str, object]]:
    """Messages in channels carrying Kindred's metadata of this type, each with its channel."""
    return [
        {**message, "channel": channel}
        for channel, messages in slack.messages.items()
        for message in messages
        if (message.get("metadata") or {}).get("event_type") == event_type
    ]


def invitations(slack: SlackStandIn) -> list[dict[str, object]]:
    return posts_with(slack, INVITATION_EVENT)


@pytest.fixture
def channels(slack: SlackStandIn) -> list[str]:
    names = [f"C0TEAM{n}" for n in range(5)]
    for name in names:
        slack.add_channel(name, members=[*MEMBERS, BOT_USER_ID])
    for member in MEMBERS:
        slack.add_user(member)
    return names


def test_two_workers_at_once_open_and_post_each_round_once(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    for channel in channels:
        make_pulse(session_factory, channel, now=clock.now - timedelta(days=8))
    workers = [make_worker() for _ in range(3)]
    start = threading.Barrier(len(workers))

    def run(worker) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        for _ in range(3):
            worker.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with session_factory() as session:
        rounds = list(session.scalars(select(Round)))
    assert len(rounds) == len(channels)
    assert all(r.state is RoundState.OPEN and r.invitation_ts for r in rounds)
    posted = invitations(slack)
    assert sorted(m["channel"] for m in posted) == sorted(channels)  # type: ignore[type-var]


def test_a_worker_killed_while_slack_posted_loses_nothing_and_reads_no_conversation(
    make_worker,
    channels: list[str],
    slack: SlackStandIn,
    settings: Settings,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    round_ = make_open_round(session_factory, channels[0])
    slack.block("chat.postMessage")
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_API_URL": slack.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "KINDRED_SECRET_KEY": SECRET_KEY,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp.cli", "worker", "--once"],
        cwd=repo_root(),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        slack.wait_for_call("chat.postMessage", timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    slack.unblock("chat.postMessage")  # Slack accepted the message; the worker never heard back.
    deadline = time.monotonic() + 5
    while not invitations(slack) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(invitations(slack)) == 1
    with session_factory() as session:
        assert session.get(Round, round_.id).invitation_ts is None  # type: ignore[union-attr]

    # The truly unsure case: the dead worker never recorded the ts. A restarted worker waits out its lease
    # and posts again rather than read the channel (no *:history scope): one duplicate, nothing lost.
    clock.advance(minutes=6)
    make_worker().run_once()

    assert len(invitations(slack)) == 2
    assert slack.calls_to("conversations.history") == []
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.state is RoundState.OPEN
        assert stored.invitation_ts == invitations(slack)[1]["ts"]


def test_slack_server_errors_delay_the_invitation_but_never_lose_or_double_it(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, channels[0])
    slack.fail_next("chat.postMessage", status=503, times=3)  # more than one run of the job tries
    clock.advance(seconds=1)
    make_worker().run_once()
    with session_factory() as session:
        job = session.scalars(
            select(Job).where(Job.subject_id == round_.id, Job.kind == "checkin.post_invitation")
        ).one()
        assert job.done_at is None and job.last_error == "SlackApiError"
    assert slack.calls_to("conversations.history") == []  # Kindred reads no conversation
    clock.advance(minutes=2)
    make_worker().run_once()
    assert len(invitations(slack)) == 1


def test_rate_limits_are_waited_out_and_retried(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    make_open_round(session_factory, channels[0])
    slack.fail_next("chat.postMessage", status=429, retry_after=1, times=1)
    clock.advance(seconds=1)
    make_worker().run_once()
    attempts = [call.answered_with for call in slack.calls_to("chat.postMessage")]
    assert attempts == ["http:429", "ok"]
    assert len(invitations(slack)) == 1


def test_two_workers_close_a_round_once_and_post_results_once(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    for member in MEMBERS[:6]:
        answer(session_factory, round_.id, member)
    clock.advance(hours=80)
    for _ in range(2):  # the close, then the week's publication and its results post
        workers = [make_worker() for _ in range(3)]
        threads = [threading.Thread(target=w.run_once) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        clock.past_the_week()
    # The publication queues the results post as it commits; the other workers of that pass may already
    # have found nothing to do, so a later pass posts it. A delay, not a loss; what must hold is that each
    # thing happens exactly once. (This test once lost the post for good: a worker recording the
    # invitation wrote `open` back over the close. See the test after it.)
    for _ in range(3):
        if posts_with(slack, RESULTS_EVENT):
            break
        clock.advance(minutes=11)
        make_worker().run_once()
    # Closed once: one histogram of six, published as the team's cell (a second close counted no answers
    # and wrote 0 over the count; the publication then deletes the histograms it took).
    with session_factory() as session:
        cell = published_team_cell(session=session, round_id=round_.id)
        assert session.get_one(Round, round_.id).respondent_count == 6
    assert cell is not None and cell.respondents == 6
    assert cell.questions["wellbeing"].respondents == 6
    assert len(posts_with(slack, RESULTS_EVENT)) == 1


def test_a_round_closed_as_its_invitation_is_recorded_stays_closed_and_its_week_is_published(
    make_worker,
    channels: list[str],
    slack: SlackStandIn,
    engine: Engine,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    """HR closes a round just as the worker records its posted invitation. Reading the round and writing
    `open` back undid the close: the round stayed open for good, with its secret gone, and neither its
    week nor any later one was published (seen as a lost results post when three workers raced). The
    close is made to commit between the worker reading the round and writing it, at the database."""
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    closed: list[bool] = []

    def close_first(statement: str, _parameters: Any) -> None:
        if closed or not statement.startswith("UPDATE checkin_round") or "invitation_ts" not in statement:
            return
        with session_factory.begin() as session:  # another connection, committed before this UPDATE runs
            closed.append(close_round(session=session, round_id=round_.id, now=clock.now))

    with on_statement(engine, close_first):
        clock.advance(seconds=1)
        make_worker().run_once()
    assert closed == [True]

    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.state is RoundState.CLOSED
        assert stored.invitation_ts == invitations(slack)[0]["ts"]
    clock.advance(seconds=1)
    make_worker().run_once()  # the button that went up as the round closed is retired
    retired = [c for c in slack.calls_to("chat.update") if c.args.get("ts") == stored.invitation_ts]
    assert len(retired) == 1
    clock.past_the_week()
    make_worker().run_once()
    make_worker().run_once()  # the publication queues the results post
    assert len(posts_with(slack, RESULTS_EVENT)) == 1


def test_a_round_closed_as_its_invitees_are_recorded_keeps_none_and_gets_no_invitation(
    make_worker,
    channels: list[str],
    slack: SlackStandIn,
    engine: Engine,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    """HR closes a round while the worker is recording who it is for. The worker had checked the round
    was open, then wrote the invitees: rows the close had just erased for good (docs/anonymity.md rule 3)
    were written back after it, kept for ever, and an invitation went up for a round already closed. The
    close is made to commit just before the worker's first write for the invitees, at the database."""
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    closed: list[bool] = []

    def close_first(statement: str, _parameters: Any) -> None:
        inviting = statement.startswith("INSERT INTO checkin_invitee") or (
            statement.startswith("UPDATE checkin_round") and "invited_count" in statement
        )
        if closed or not inviting:
            return
        with session_factory.begin() as session:  # another connection, committed before this write runs
            closed.append(close_round(session=session, round_id=round_.id, now=clock.now))

    with on_statement(engine, close_first):
        clock.advance(seconds=1)
        make_worker().run_once()
    assert closed == [True]

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Invitee)) == 0
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.state is RoundState.CLOSED
        assert stored.invited_count is None and stored.invitation_ts is None
    assert invitations(slack) == []


def test_an_invitation_recorded_while_its_round_is_retired_is_retired_too(
    make_worker,
    channels: list[str],
    slack: SlackStandIn,
    engine: Engine,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    """A late worker's invitation goes up as the round closes, and is recorded while another worker is
    retiring the round's invitation, before there was one to retire. The record queues the retirement
    again, but the retiring worker then marked its job done over that, and the button stayed up for good.
    The record is made to commit just before the retiring worker marks its job done, at the database."""
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    with session_factory.begin() as session:
        assert close_round(session=session, round_id=round_.id, now=clock.now)
    with session_factory() as session:
        retirement = session.scalars(
            select(Job.id).where(Job.kind == CheckinJob.RETIRE_INVITATION, Job.subject_id == round_.id)
        ).one()
    late: list[str] = []

    def late_invitation_recorded(statement: str, parameters: Any) -> None:
        finishing = statement.startswith("UPDATE worker_job") and "done_at" in statement.split(" WHERE ")[0]
        if late or not finishing or retirement.hex not in _values(parameters):
            return
        posted = WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
            channel=channels[0], text="How are you doing this week?"
        )
        late.append(str(posted["ts"]))
        with session_factory.begin() as session:  # the late worker's record, committed before this write
            mark_invitation_posted(session=session, round_id=round_.id, ts=late[0])

    with on_statement(engine, late_invitation_recorded):
        clock.advance(seconds=1)
        make_worker().run_once()
    assert late

    clock.advance(seconds=1)
    make_worker().run_once()
    assert [c.args.get("ts") for c in slack.calls_to("chat.update")] == late  # retired, once


def _values(parameters: Any) -> list[Any]:
    """A statement's bound values, however the driver was handed them (a sequence or a mapping)."""
    if isinstance(parameters, dict):
        return [str(v).replace("-", "") for v in parameters.values()]
    return [str(v).replace("-", "") for v in parameters]


def test_two_closes_at_once_keep_the_rounds_count(
    channels: list[str], engine: Engine, session_factory: SessionFactory, clock: Clock
) -> None:
    """HR's "close now" and the worker's close of the same round, at once. A close read the round open,
    then the other committed (answers erased, counted), and the first went on to count no answers and
    wrote 0 over the round's respondent count (SQLite: a read takes no lock). The other close is made to
    start just after this one first touched the round, at the database; it waits if this one holds it."""
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    for member in MEMBERS[:6]:
        answer(session_factory, round_.id, member)
    other: list[threading.Thread] = []
    outcome: list[bool] = []

    def close_other() -> None:
        with session_factory.begin() as session:
            outcome.append(close_round(session=session, round_id=round_.id, now=clock.now))

    def other_closes(statement: str, _parameters: Any) -> None:
        if other or "checkin_round" not in statement.split(" WHERE ")[0]:
            return
        other.append(threading.Thread(target=close_other))
        other[0].start()
        other[0].join(timeout=1)  # committed at once, unless this close holds the round

    with (
        on_statement(engine, other_closes, when="after_cursor_execute"),
        session_factory.begin() as session,
    ):
        outcome.append(close_round(session=session, round_id=round_.id, now=clock.now))
    other[0].join(timeout=60)
    assert sorted(outcome) == [False, True]

    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.state is RoundState.CLOSED
        assert stored.respondent_count == 6


def test_a_worker_back_after_a_rounds_time_posts_no_invitation_and_closes_it(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    clock.advance(hours=80)  # every job of the round is due at once: invitation, reminder, close
    make_worker().run_once()
    assert invitations(slack) == [] and posts_with(slack, REMINDER_EVENT) == []
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.state is RoundState.CLOSED


def test_the_invitees_are_every_person_in_a_big_channel_from_one_directory_sweep(
    make_worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    people = [f"U0P{n:04d}" for n in range(250)]  # more than one page of conversations.members
    slack.add_channel("C0BIG", members=[*people, BOT_USER_ID, "U0HELPERBOT", "U0LEFTCOMPANY"])
    for person in people:
        slack.add_user(person)
    slack.add_user("U0HELPERBOT", is_bot=True)  # the bot and the deactivated account are on the
    slack.add_user("U0LEFTCOMPANY", deleted=True)  # directory's last page
    slack.users_page_cap = 100  # Slack may answer fewer people a page than asked for
    round_ = make_open_round(session_factory, "C0BIG", now=clock.now)

    clock.advance(seconds=1)
    make_worker().run_once()

    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invited_count == len(people)
        assert session.scalar(select(func.count()).select_from(Invitee)) == len(people)
    for person in (people[0], people[-1]):
        answer(session_factory, round_.id, person, invite_first=False)
    for outsider in ("U0HELPERBOT", "U0LEFTCOMPANY"):
        with pytest.raises(NotInvited):
            answer(session_factory, round_.id, outsider, invite_first=False)
    assert len(slack.calls_to("conversations.members")) >= 2
    # Who is a bot or deactivated came from one users.list sweep, followed page by page, not
    # from a users.info per person.
    assert len(slack.calls_to("users.list")) == 3
    assert slack.calls_to("users.info") == []


def test_the_invitation_counts_the_channels_people_not_its_bots_or_deactivated_accounts(
    make_worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    """The count is the participation rate's denominator: only people who could answer belong in it."""
    people = ["U0ANA", "U0BEN", "U0CAT"]
    slack.add_channel("C0MIXED", members=[*people, BOT_USER_ID, "U0HELPERBOT", "U0LEFTCOMPANY"])
    for person in people:
        slack.add_user(person)
    slack.add_user("U0HELPERBOT", is_bot=True)
    slack.add_user("U0LEFTCOMPANY", deleted=True)
    make_pulse(session_factory, "C0MIXED", now=clock.now - timedelta(days=8))

    make_worker().run_once()

    with session_factory() as session:
        round_ = session.scalars(select(Round)).one()
    assert round_.invitation_ts is not None and round_.invited_count == len(people)
    assert slack.calls_to("users.info") == []


def test_one_directory_sweep_serves_several_rounds_and_a_newcomer_is_asked_about_alone(
    make_worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    first, second = ["U0ANA", "U0BEN", "U0GONE"], ["U0CAT", "U0DAN"]
    slack.add_channel("C0FIRST", members=[*first, BOT_USER_ID])
    slack.add_channel("C0SECOND", members=[*second, BOT_USER_ID])
    for person in ["U0ANA", "U0BEN", "U0CAT", "U0DAN"]:
        slack.add_user(person)
    slack.add_user("U0GONE", deleted=True)
    make_open_round(session_factory, "C0FIRST", now=clock.now)
    worker = make_worker()
    clock.advance(seconds=1)
    worker.run_once()
    slack.add_user("U0NEWCOMER")  # joins the workspace and the second team after the sweep
    slack.add_channel("C0SECOND", members=[*second, "U0NEWCOMER", BOT_USER_ID])
    make_open_round(session_factory, "C0SECOND", now=clock.now)
    clock.advance(minutes=10)
    worker.run_once()

    with session_factory() as session:
        invited = {
            r.channel_id: r.invited_count
            for r in session.execute(select(Round.channel_id, Round.invited_count))
        }
    assert invited == {"C0FIRST": 2, "C0SECOND": 3}
    assert len(slack.calls_to("users.list")) == 1
    assert [call.args["user"] for call in slack.calls_to("users.info")] == ["U0NEWCOMER"]


def test_a_round_with_too_few_answers_says_so_and_shows_nothing(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    for member in MEMBERS[:3]:
        answer(session_factory, round_.id, member)
    clock.advance(hours=80)
    make_worker().run_once()
    clock.past_the_week()
    make_worker().run_once()
    results = posts_with(slack, RESULTS_EVENT)
    assert len(results) == 1
    assert "too few answers to share" in str(results[0]["text"])
    assert "people answered" not in str(results[0])  # not even how many
    with session_factory() as session:
        # Published hidden: its histograms and counts are gone, so no copy of the database shows them.
        assert session.scalar(select(func.count()).select_from(Histogram)) == 0
        stored = session.get_one(Round, round_.id)
        assert (stored.respondent_count, stored.invited_count) == (None, None)


def test_the_next_invitation_repeats_what_the_manager_said_would_change(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    from slackapp.actions.service import record_action

    with session_factory.begin() as session:
        record_action(
            session=session,
            workspace_id="T0KINDRED",
            channel_id=channels[0],
            week=clock.now.date(),
            body="We moved the on-call handover to Tuesdays.",
            written_by="U0MANAGER",
            now=clock.now - timedelta(days=1),
        )
    make_open_round(session_factory, channels[0], now=clock.now)
    clock.advance(seconds=1)
    make_worker().run_once()
    posted = str(invitations(slack)[0]["blocks"])
    assert "Here is what changed" in posted and "on-call handover to Tuesdays" in posted


def test_a_round_waits_for_its_invitees_when_slack_fails_to_say_who_is_in_the_channel(
    make_worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    people = ["U0ONE", "U0TWO", "U0THREE"]
    slack.add_channel("C0SMALL", members=[*people, BOT_USER_ID])
    for person in people:
        slack.add_user(person)
    round_ = make_open_round(session_factory, "C0SMALL", now=clock.now)
    slack.fail_next("users.list", error="ratelimited")  # a passing failure while checking who is who
    clock.advance(seconds=1)
    make_worker().run_once()
    assert invitations(slack) == []  # not announced before it knows who it is for
    with pytest.raises(NotInvited):
        answer(session_factory, round_.id, people[0], invite_first=False)

    clock.advance(minutes=2)
    make_worker().run_once()

    assert len(invitations(slack)) == 1
    answer(session_factory, round_.id, people[0], invite_first=False)
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invited_count == 3


def test_the_one_reminder_is_a_channel_message_sent_once_though_slack_fails(
    make_worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    people = ["U0ONE", "U0TWO", "U0THREE"]
    slack.add_channel("C0SMALL", members=[*people, BOT_USER_ID])
    for person in people:
        slack.add_user(person)
    round_ = make_open_round(session_factory, "C0SMALL", now=clock.now)
    clock.advance(seconds=1)
    make_worker().run_once()
    answer(session_factory, round_.id, people[0])
    slack.fail_next("chat.postMessage", error="fatal_error")  # Slack failed; nothing was posted
    clock.advance(hours=49)
    make_worker().run_once()
    clock.advance(minutes=10)
    make_worker().run_once()

    reminders = posts_with(slack, REMINDER_EVENT)
    assert [m["channel"] for m in reminders] == ["C0SMALL"]
    assert not any(c.args["channel"].startswith("U") for c in slack.calls_to("chat.postMessage"))
    assert slack.calls_to("conversations.open") == []


def test_the_channel_never_learns_how_many_have_answered_an_open_round(
    make_worker, channels: list[str], slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    """Any count on the invitation ("5+ have checked in") is a lower bound a leader in the channel can set
    beside a department's published total and its other teams: the invitation says no number, ever."""
    round_ = make_open_round(session_factory, channels[0], now=clock.now)
    worker = make_worker()
    clock.advance(seconds=1)
    worker.run_once()
    (posted,) = invitations(slack)
    for member in MEMBERS[:7]:
        answer(session_factory, round_.id, member)
    for _ in range(6):  # an hour of the worker's timer while the round stays open
        clock.advance(minutes=10)
        worker.run_once()

    assert slack.calls_to("chat.update") == []
    (still,) = invitations(slack)
    assert still == posted
    assert "checked in" not in str(posted).lower()
