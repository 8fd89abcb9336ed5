"""The worker paces itself under Slack's published limits instead of bouncing off 429s."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import create_engine, select

from slackapp.database import SessionFactory
from slackapp.settings import Settings
from slackapp.slack.pacing import DatabaseSlots, PacedWebClient, PacingSlot, RatePacer
from slackapp.worker import create_worker
from tests.conftest import Clock
from tests.factories import make_open_round
from tests.slack_standin import BOT_USER_ID, SlackStandIn


@dataclass
class FakeTime:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_posts_to_one_channel_go_out_a_second_apart_and_other_channels_do_not_wait() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for channel in ("C1", "C1", "C1", "C2", "C3"):
        pacer.before_call("chat.postMessage", "xoxb-a", {"channel": channel})
    assert time.slept == [1.0, 1.0]


def test_tiered_methods_are_spaced_by_their_tier_per_workspace_after_a_small_burst() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for _ in range(7):
        pacer.before_call("users.info", "xoxb-a", {"user": "U1"})  # Tier 4: 100 a minute, burst of 5
    pacer.before_call("users.info", "xoxb-other-workspace", {"user": "U1"})
    assert time.slept == [0.6, 0.6]


def test_a_worker_that_fell_behind_catches_up_with_its_burst_credit_but_no_further() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        pacer.before_call("conversations.members", "xoxb-a", {"channel": "C1"})
    time.now += 30.0  # busy elsewhere (a retry, a slow step) for much longer than the burst
    for _ in range(6):
        pacer.before_call("conversations.members", "xoxb-a", {"channel": "C1"})
    assert time.slept == [0.6]  # five at once again, never more


def test_worker_processes_share_each_workspaces_tier_budget_through_the_database(
    session_factory: SessionFactory,
) -> None:
    time = FakeTime()
    shared = DatabaseSlots(session_factory.kw["bind"])
    one, two = (RatePacer(clock=time.clock, sleep=time.sleep, shared=shared) for _ in range(2))

    one.before_call("users.list", "xoxb-a", {})  # Tier 2: 20 a minute, one every 3 s
    two.before_call("users.list", "xoxb-a", {})
    one.before_call("users.list", "xoxb-a", {})
    two.before_call("users.list", "xoxb-other-workspace", {})

    assert time.slept == [3.0, 3.0]  # two processes together keep to one workspace's 20 a minute
    with session_factory() as session:
        buckets = session.scalars(select(PacingSlot.bucket)).all()
    assert len(buckets) == 2 and all(b.endswith(":users.list") for b in buckets)
    assert not any("xoxb" in b for b in buckets)  # named by a digest: no token in the database


def test_bookings_made_at_the_same_moment_each_get_their_own_slot(session_factory: SessionFactory) -> None:
    engine = session_factory.kw["bind"]
    booked: list[float] = []

    def book_many() -> None:
        slots = DatabaseSlots(engine)  # each thread as its own worker process would
        booked.extend(slots.book("w:users.info", now=1000.0, interval=1.0) for _ in range(25))

    threads = [threading.Thread(target=book_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(booked) == [1000.0 + n for n in range(1, 101)]


def test_messages_to_one_channel_are_paced_by_each_process_not_the_database(
    session_factory: SessionFactory,
) -> None:
    time = FakeTime()
    shared = DatabaseSlots(session_factory.kw["bind"])
    one, two = (RatePacer(clock=time.clock, sleep=time.sleep, shared=shared) for _ in range(2))
    for pacer in (one, one, two):
        pacer.before_call("chat.postMessage", "xoxb-a", {"channel": "C1"})
    assert time.slept == [1.0]
    with session_factory() as session:
        assert session.scalars(select(PacingSlot.bucket)).all() == []


def test_a_clock_that_moved_back_does_not_stall_the_worker(session_factory: SessionFactory) -> None:
    time = FakeTime(now=10_000.0)
    pacer = RatePacer(clock=time.clock, sleep=time.sleep, shared=DatabaseSlots(session_factory.kw["bind"]))
    pacer.before_call("users.list", "xoxb-a", {})
    time.now = 1000.0  # an hour back (a corrected clock, or another machine's)
    pacer.before_call("users.list", "xoxb-a", {})
    pacer.before_call("users.list", "xoxb-a", {})
    assert time.slept == [3.0]  # the bucket starts again from now, instead of waiting out the hour


def test_without_the_database_a_worker_paces_on_its_own_budget(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'kindred.db'}")
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep, shared=DatabaseSlots(unreachable))
    for _ in range(2):
        pacer.before_call("users.list", "xoxb-a", {})
    assert time.slept == [3.0]


def test_the_worker_books_tier_slots_in_the_database(
    settings: Settings, session_factory: SessionFactory, slack: SlackStandIn, clock: Clock
) -> None:
    slack.add_channel("C0TEAM", members=["U0ANA", BOT_USER_ID])
    slack.add_user("U0ANA")
    make_open_round(session_factory, "C0TEAM", now=clock.now)
    clock.advance(hours=49)

    create_worker(settings, session_factory, clock=clock).run_once()  # the pacer production runs

    with session_factory() as session:
        buckets = {b.split(":", 1)[1] for b in session.scalars(select(PacingSlot.bucket))}
    assert "conversations.members" in buckets
    assert not any(b.startswith("chat.postMessage") for b in buckets)


def test_interactive_calls_are_never_held_back() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        pacer.before_call("views.open", "xoxb-a", {"trigger_id": "t"})
    assert time.slept == []


def test_the_paced_client_waits_before_calling_slack(slack: SlackStandIn) -> None:
    time = FakeTime()
    client = PacedWebClient(
        token="xoxb-a", base_url=slack.url, pacer=RatePacer(clock=time.clock, sleep=time.sleep)
    )
    for text in ("one", "two"):
        client.chat_postMessage(channel="C1", text=text)
    assert time.slept == [1.0]
    assert [c.args["text"] for c in slack.successful_calls_to("chat.postMessage")] == ["one", "two"]


def test_every_page_of_a_paginated_list_waits_its_turn(slack: SlackStandIn) -> None:
    for n in range(25):
        slack.add_user(f"U{n:04d}")
    slack.users_page_cap = 10  # 26 people with the bot: three pages
    time = FakeTime()
    client = PacedWebClient(
        token="xoxb-a", base_url=slack.url, pacer=RatePacer(clock=time.clock, sleep=time.sleep)
    )

    pages = list(client.users_list(limit=1000))

    assert len(pages) == len(slack.calls_to("users.list")) == 3
    assert time.slept == [3.0, 3.0]  # Tier 2: pages after the first are Slack calls like any other


def test_a_retried_call_waits_its_turn_again(slack: SlackStandIn) -> None:
    time = FakeTime()
    client = PacedWebClient(
        token="xoxb-a",
        base_url=slack.url,
        pacer=RatePacer(clock=time.clock, sleep=time.sleep),
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0)
            )
        ],
    )
    slack.fail_next("users.list", status=500)

    client.users_list(limit=1000)

    assert [call.answered_with for call in slack.calls_to("users.list")] == ["http:500", "ok"]
    assert time.slept == [3.0]  # the failed attempt spent a slot of Slack's budget too
