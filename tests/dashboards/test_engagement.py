"""The engagement page: resource-group joins and peer-support rounds, for HR only, small numbers hidden.

Resource groups are shown over completed months only (slackapp/resources/stats.py), so each test writes
its history in the months before this one.
"""

from __future__ import annotations

from datetime import datetime

from slackapp.database import SessionFactory, utcnow
from slackapp.privacy.suppression import hidden_count_text
from slackapp.resources.service import record_join
from slackapp.resources.stats import month_of
from tests.conftest import Clock
from tests.dashboards.conftest import MANAGER_A, Dashboard, find, table_rows, text_of
from tests.org_factories import OrgBuilder
from tests.resource_factories import group_spec, make_entry, months_ago
from tests.slack_standin import SlackStandIn


def joins(session_factory: SessionFactory, name: str, times: int, when: datetime) -> None:
    entry = make_entry(session_factory, group_spec(name, channel_id=f"C0{name.upper()[:6]}"))
    with session_factory.begin() as session:
        for _ in range(times):
            record_join(session=session, entry_id=entry.id, now=when)


def test_hr_sees_joins_per_group_and_small_numbers_are_hidden_not_zero(
    dashboard: Dashboard, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    joins(session_factory, "Parents at Work", 6, months_ago(1))
    joins(session_factory, "Grief support", 2, months_ago(1))
    dashboard.sign_in_as_hr()
    layout = dashboard.page("/dashboard/engagement")
    rows = {(row[0], row[1]): row for row in table_rows(layout)}
    joined = "Resource group: people who joined"  # each row says what it counts
    parents, grief = rows[(joined, "Parents at Work")], rows[(joined, "Grief support")]
    # No member count was taken, so no step is published yet: both are the months "since" they began.
    assert parents[2].startswith("since ") and parents[3] == "" and grief[3] == ""
    label = hidden_count_text(5)  # one label, whichever rule hid it: a sentence in its own cell
    assert grief[6] == parents[6] == label[0].upper() + label[1:]
    assert find(layout, "kindred-figure") is not None


def test_a_manager_gets_nothing_from_the_engagement_page_or_its_export(
    dashboard: Dashboard, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    joins(session_factory, "Parents at Work", 6, months_ago(1))
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/engagement", "?unit=org:")
    assert find(layout, "not-yours") is not None and "Parents at Work" not in text_of(layout)
    assert dashboard.get("/dashboard/export/engagement.csv?unit=org:").status_code == 403


def test_the_worker_counts_group_members_and_hr_sees_completed_months_of_groups_big_enough(
    dashboard: Dashboard,
    org: OrgBuilder,
    session_factory: SessionFactory,
    slack: SlackStandIn,
    make_worker,
    clock: Clock,
) -> None:
    slack.add_channel("C0PARENTS", members=[f"U{n}" for n in range(7)])
    slack.add_channel("C0GRIEF", members=["U1", "U2"])
    make_entry(session_factory, group_spec("Parents at Work", channel_id="C0PARENTS"))
    make_entry(session_factory, group_spec("Grief support", channel_id="C0GRIEF"))
    clock.now = months_ago(1, day=27)
    make_worker().run_once()
    make_worker().run_once()  # counted once a day, not on every pass
    counted = [c.args["channel"] for c in slack.calls_to("conversations.members")]
    assert sorted(c for c in counted if c in ("C0PARENTS", "C0GRIEF")) == ["C0GRIEF", "C0PARENTS"]
    clock.now = utcnow()
    make_worker().run_once()  # this month's count is kept, and shown once the month is over
    dashboard.sign_in_as_hr()
    rows = {(row[0], row[1]): row for row in table_rows(dashboard.page("/dashboard/engagement"))}
    last_month = months_ago(1)
    assert rows[("Resource group: members", "Parents at Work")][3] == "7"
    assert rows[("Resource group: members", "Parents at Work")][2] == f"end of {last_month:%b %Y}"
    assert rows[("Resource group: members", "Grief support")][3] == ""
    assert month_of(last_month) < month_of(utcnow())
