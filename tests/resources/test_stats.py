"""Numbers for HR: members per group and joins through Kindred per month, small counts suppressed."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.resources.service import record_join
from slackapp.resources.stats import (
    GroupFigures,
    Step,
    count_channel_members,
    group_figures,
    record_member_count,
    steps,
)
from slackapp.settings import Settings
from slackapp.slack.slack_client import build_web_client
from tests.factories import WORKSPACE
from tests.resource_factories import make_entry
from tests.slack_standin import BOT_USER_ID, SlackStandIn


def client(settings: Settings) -> WebClient:
    return build_web_client(settings, token=settings.slack_bot_token)


def test_a_group_channel_is_counted_without_kindred_itself_and_an_unknown_channel_is_no_count(
    slack: SlackStandIn, settings: Settings
) -> None:
    slack.add_channel("C0BIG", members=[*(f"U{n:03d}" for n in range(7)), BOT_USER_ID])
    assert count_channel_members(client(settings), "C0BIG", bot_user_id=BOT_USER_ID) == 7
    assert count_channel_members(client(settings), "C0GONE", bot_user_id=BOT_USER_ID) is None


def test_joins_are_counted_without_names_and_published_step_by_step_over_completed_months(
    session_factory: SessionFactory,
) -> None:
    entry = make_entry(session_factory)
    with session_factory.begin() as session:
        for month, joined, members in ((10, 6, 6), (11, 2, 8), (12, 0, 8)):
            for _ in range(joined):
                record_join(session=session, entry_id=entry.id, now=datetime(2026, month, 3, tzinfo=UTC))
            at_the_end = datetime(2026, month, 28, tzinfo=UTC)
            record_member_count(session=session, entry_id=entry.id, count=members, now=at_the_end)
        record_join(session=session, entry_id=entry.id, now=datetime(2027, 1, 3, tzinfo=UTC))
    with session_factory() as session:
        figures = group_figures(
            session=session, workspace_id=WORKSPACE, min_group_size=5, now=datetime(2027, 1, 20, tzinfo=UTC)
        )
    # October is a step (six joins, six members); November's two joins wait, hidden, with December's
    # none; January is not over, so nothing of it is counted.
    assert [(j.first_month, j.last_month, j.joins, j.pending) for j in figures.joins] == [
        ("2026-10", "2026-10", 6, False),
        ("2026-11", "2026-12", None, True),
    ]
    assert [(m.count, m.month) for m in figures.members] == [(6, "2026-10")]
    with session_factory() as session:
        other = group_figures(
            session=session, workspace_id="T0OTHER", min_group_size=5, now=datetime(2027, 1, 20, tzinfo=UTC)
        )
    assert other == GroupFigures(members=[], joins=[])


def test_a_step_ends_when_its_joins_or_its_member_count_moved_by_the_minimum() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    joins = {"2026-01": 2, "2026-02": 1, "2026-03": 4, "2026-05": 1, "2026-06": 9}
    members = {"2026-01": 20, "2026-02": 21, "2026-03": 24, "2026-04": 30, "2026-05": 31, "2026-06": 3}
    done, pending = steps(months, joins, members, min_group_size=5)
    # January: the first count shown. March: five joins since. April: the count moved by six with no
    # join through Kindred (people came in by the channel itself). May waits; in June the channel lost
    # most of its people, and a count under the minimum ends no step (nor is it shown).
    assert done == [
        Step("2026-01", "2026-01", 2, 20),
        Step("2026-02", "2026-03", 5, 24),
        Step("2026-04", "2026-04", 0, 30),
    ]
    assert pending == "2026-05"
