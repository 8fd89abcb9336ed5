"""Numbers for HR: members per group and joins through Kindred per month, small counts suppressed."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from slackapp.database import SessionFactory
from slackapp.resources.service import record_join
from slackapp.resources.stats import joins_per_month, read_members_per_group
from slackapp.settings import Settings
from slackapp.slack.slack_client import build_web_client
from tests.factories import WORKSPACE
from tests.resource_factories import group_spec, make_entry, professional_spec
from tests.slack_standin import BOT_USER_ID, SlackStandIn


def client(settings: Settings) -> WebClient:
    return build_web_client(settings, token=settings.slack_bot_token)


def test_members_per_group_come_from_the_channel_and_small_groups_are_suppressed(
    slack: SlackStandIn, settings: Settings, session_factory: SessionFactory
) -> None:
    big = make_entry(session_factory, group_spec("Big", channel_id="C0BIG"))
    small = make_entry(session_factory, group_spec("Small", channel_id="C0SMALL"))
    gone = make_entry(session_factory, group_spec("Gone", channel_id="C0GONE"))
    help_line = make_entry(session_factory, professional_spec())
    slack.add_channel("C0BIG", members=[*(f"U{n:03d}" for n in range(7)), BOT_USER_ID])
    slack.add_channel("C0SMALL", members=["U001", "U002", BOT_USER_ID])

    counts = {
        g.name: g.count
        for g in read_members_per_group(client(settings), [big, small, gone, help_line], min_group_size=5)
    }

    assert counts == {
        "Big": 7,
        "Small": None,
        "Gone": None,
    }  # Kindred itself is not counted; no channel, no row


def test_joins_per_month_are_counted_without_names_and_small_months_suppressed(
    session_factory: SessionFactory,
) -> None:
    entry = make_entry(session_factory)
    with session_factory.begin() as session:
        for _ in range(6):
            record_join(session=session, entry_id=entry.id, now=datetime(2026, 10, 3, tzinfo=UTC))
        for _ in range(2):
            record_join(session=session, entry_id=entry.id, now=datetime(2026, 11, 3, tzinfo=UTC))
    with session_factory() as session:
        months = joins_per_month(session=session, workspace_id=WORKSPACE, min_group_size=5)
    assert [(m.month, m.joins) for m in months] == [("2026-10", 6), ("2026-11", None)]
    with session_factory() as session:
        assert joins_per_month(session=session, workspace_id="T0OTHER", min_group_size=5) == []
