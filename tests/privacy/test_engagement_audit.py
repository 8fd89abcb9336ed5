"""The general audit of the engagement page's resource groups: generated histories, everything solved.

Six groups, each in a new private channel, live six months through the real code paths: people join
through Kindred month by month (anywhere from none to twelve a month), and the worker counts every
channel at the month's end - except in months it was down. Then HR's page is read, and for every hidden
joins figure whole-number programmes bound it from everything on the page, for the strongest attacker
such a group allows (a member count is exactly the sum of the joins before it: tests/privacy/engagement.py).
No hidden figure may be pinned to fewer than KINDRED_MIN_GROUP_SIZE possible values.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest

from slackapp.database import SessionFactory, utcnow
from slackapp.resources.service import record_join
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.dashboards.conftest import Dashboard
from tests.privacy.engagement import HOW_MANY, JOINED, WHAT, K, engagement_rows, hidden_join_ranges
from tests.resource_factories import group_spec, make_entry, months_ago
from tests.slack_standin import BOT_USER_ID, SlackStandIn

JOINS_IN_A_MONTH = (0, 1, 2, 3, 5, 6, 9, 12)
MONTHS = 6


def generated_groups(
    session_factory: SessionFactory,
    slack: SlackStandIn,
    make_worker: Callable[[], Worker],
    clock: Clock,
    seed: int,
) -> list[str]:
    rng = random.Random(seed)
    groups: dict[str, tuple[object, str]] = {}
    for n in range(6):
        name, channel = f"Group {n}", f"C0GROUP{n}"
        slack.add_channel(channel, members=[BOT_USER_ID])
        groups[name] = (make_entry(session_factory, group_spec(name, channel_id=channel)).id, channel)
    people = itertools.count()
    for ago in range(MONTHS, 0, -1):
        with session_factory.begin() as session:
            for entry_id, channel in groups.values():
                for _ in range(rng.choice(JOINS_IN_A_MONTH)):  # what the Join button does, that month
                    person = f"U0GEN{next(people):04d}"
                    slack.add_user(person)
                    slack.channel_members[channel].append(person)
                    record_join(session=session, entry_id=entry_id, now=months_ago(ago))  # type: ignore[arg-type]
        if rng.random() < 0.8:  # else the worker was down at the month's end
            clock.now = months_ago(ago, day=27)
            make_worker().run_once()
    clock.now = utcnow()
    return list(groups)


def narrow_ranges(dashboard: Dashboard, names: list[str]) -> tuple[list[tuple[str, str, int, int]], int]:
    """Every hidden joins figure pinned to fewer than K values; and how many hidden figures there were."""
    rows = engagement_rows(dashboard)
    today = utcnow().date()
    assert [r for r in rows if r[WHAT] == JOINED and r[HOW_MANY]], "some joins are shown"
    found: list[tuple[str, str, int, int]] = []
    hidden = 0
    for name in names:
        for span, (low, high) in hidden_join_ranges(rows, name, today).items():
            hidden += 1
            if high - low + 1 < K:
                found.append((name, span, low, high))
    return found, hidden


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_hidden_joins_figure_can_be_pinned_from_the_engagement_page(
    seed: int,
    session_factory: SessionFactory,
    slack: SlackStandIn,
    make_worker: Callable[[], Worker],
    clock: Clock,
    dashboard: Dashboard,
) -> None:
    names = generated_groups(session_factory, slack, make_worker, clock, seed=seed)
    found, hidden = narrow_ranges(dashboard, names)
    assert hidden, "some joins are hidden"
    assert found == []


def test_the_audit_pins_hidden_joins_on_a_weakened_engagement_page(
    session_factory: SessionFactory,
    slack: SlackStandIn,
    make_worker: Callable[[], Worker],
    clock: Clock,
    dashboard: Dashboard,
    monthly_joins_and_live_member_counts: None,
) -> None:
    names = generated_groups(session_factory, slack, make_worker, clock, seed=3)
    found, _hidden = narrow_ranges(dashboard, names)
    assert found, "with each month hidden alone beside a live member count, some month is pinned"
