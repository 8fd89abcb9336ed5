"""After a week's results are complete, each manager gets one DM with their teams' headline: only what
their dashboard shows for that week, and a link to it; never twice, whatever the workers do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError

from slackapp.database import SessionFactory
from slackapp.digests.jobs import send_digests_when_due
from slackapp.digests.service import sent_count
from slackapp.scheduler.worker import JobContext, Worker
from tests.conftest import Clock
from tests.factories import WORKSPACE
from tests.org_factories import OrgBuilder, week
from tests.slack_standin import SlackStandIn

MANAGER_A, MANAGER_OPS, MANAGER_C = "U0MANAGERA", "U0MANAGEROPS", "U0MANAGERC"


@pytest.fixture
def org(session_factory: SessionFactory, slack: SlackStandIn) -> OrgBuilder:
    """Engineering: A (8), B (7), C (3, too small); Operations: D (9), E (11)."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.department("Operations")
    for channel in "ABC":
        builder.team(f"C0{channel}", f"Team <{channel}>", "Engineering")
    for channel in "DE":
        builder.team(f"C0{channel}", f"Team {channel}", "Operations")
    builder.manager(MANAGER_A, teams=["C0A"])
    builder.manager(MANAGER_OPS, departments=["Operations"])
    builder.manager(MANAGER_C, teams=["C0C"])
    for user in (MANAGER_A, MANAGER_OPS, MANAGER_C):
        slack.add_user(user)
    for n in range(2):
        builder.week(n, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    builder.publish()  # the worker publishes both weeks once the second is over; digests follow it
    return builder


def run_digests(worker: Worker, clock: Clock) -> None:
    """The worker's digest run, as `run_once` calls it (the test's pulses are left out: their own schedule
    would open new rounds at the test's clock)."""
    assert send_digests_when_due in worker._periodic
    send_digests_when_due(
        JobContext(
            worker._settings,
            worker._session_factory,
            worker._slack,
            clock(),
            is_installed=worker._is_installed,
        )
    )


def dms(slack: SlackStandIn, user: str) -> list[str]:
    calls = slack.successful_calls_to("chat.postMessage")
    return [c.args["text"] + str(c.args.get("blocks")) for c in calls if c.args["channel"] == user]


def test_each_manager_gets_one_digest_with_only_what_their_dashboard_shows(
    org: OrgBuilder, slack: SlackStandIn, worker: Worker, clock: Clock, session_factory: SessionFactory
) -> None:
    clock.now = week(1) + timedelta(days=2)
    run_digests(worker, clock)
    [mine] = dms(slack, MANAGER_A)
    assert "week of 14 Sep 2026" in mine
    assert "Team &lt;A&gt;*: 8 answered, well-being 4.0 out of 5 (4.0 the time before)" in mine
    assert "Team D" not in mine and "&lt;C&gt;" not in mine  # nobody else's teams
    [ops] = dms(slack, MANAGER_OPS)
    assert "Team D*: 9 answered" in ops and "Team E*: 11 answered" in ops
    [small] = dms(slack, MANAGER_C)
    assert "&lt;C&gt;*: results not shown (hidden to protect anonymity: fewer than 5 answers" in small
    assert "3 answered" not in small  # a hidden team's count never leaves the gate
    # Another run, or a second worker: nothing more.
    run_digests(worker, clock)
    assert len(slack.successful_calls_to("chat.postMessage")) == 3
    with session_factory() as session:
        monday = week(1).date() - timedelta(days=week(1).weekday())
        assert sent_count(session=session, workspace_id=WORKSPACE, week=monday) == 3


def test_no_digest_while_a_round_of_the_week_is_open_or_for_a_stale_week(
    org: OrgBuilder, slack: SlackStandIn, worker: Worker, clock: Clock
) -> None:
    round_id = org.open_round("C0A", week(2))
    clock.now = week(2) + timedelta(days=9)
    org.publish(clock.now)  # week 2 still has a round open: nothing new is published
    run_digests(worker, clock)
    # Week 2 is not published, and week 1 was published nine days ago: nothing to announce.
    assert slack.calls_to("chat.postMessage") == []
    org.close(round_id, week(2))
    org.publish(clock.now)  # now week 2 is complete, and published: its digest is news
    run_digests(worker, clock)
    [mine] = dms(slack, MANAGER_A)
    assert "week of 21 Sep 2026" in mine
    assert dms(slack, MANAGER_OPS) == []  # none of their teams had a round that week


def test_a_slack_failure_loses_nothing_the_next_run_sends_it(
    org: OrgBuilder, slack: SlackStandIn, make_worker: object, clock: Clock
) -> None:
    clock.now = week(1) + timedelta(days=2)
    slack.fail_next("chat.postMessage", error="internal_error", times=10)
    worker = make_worker()  # type: ignore[operator]
    with pytest.raises(SlackApiError):
        run_digests(worker, clock)
    assert slack.successful_calls_to("chat.postMessage") == []
    while True:  # the failures queued above run out; every run after that sends what is still owed
        try:
            run_digests(worker, clock)
            break
        except SlackApiError:
            continue
    for user in (MANAGER_A, MANAGER_OPS, MANAGER_C):
        assert len(dms(slack, user)) == 1, user
