"""The engagement page: resource-group joins and peer-support rounds, for HR only, small numbers hidden."""

from __future__ import annotations

from slackapp.database import SessionFactory, utcnow
from slackapp.resources.service import record_join
from tests.dashboards.conftest import MANAGER_A, Dashboard, find, table_rows, text_of
from tests.org_factories import OrgBuilder
from tests.resource_factories import group_spec, make_entry
from tests.slack_standin import SlackStandIn


def joins(session_factory: SessionFactory, name: str, times: int) -> None:
    entry = make_entry(session_factory, group_spec(name))
    with session_factory.begin() as session:
        for _ in range(times):
            record_join(session=session, entry_id=entry.id, now=utcnow())


def test_hr_sees_joins_per_group_and_small_numbers_are_hidden_not_zero(
    dashboard: Dashboard, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    joins(session_factory, "Parents at Work", 6)
    joins(session_factory, "Grief support", 2)
    dashboard.sign_in_as_hr()
    layout = dashboard.page("/dashboard/engagement")
    rows = {row[1]: row for row in table_rows(layout)}
    assert rows["Parents at Work"][0] == "Resource group: people who joined"  # says what is counted
    assert rows["Parents at Work"][2] == f"{utcnow():%b %Y}"  # the month in words, not "2026-12"
    assert rows["Parents at Work"][3] == "6"
    assert rows["Grief support"][3] == "" and "hidden" in rows["Grief support"][6]
    assert find(layout, "kindred-figure") is not None


def test_a_manager_gets_nothing_from_the_engagement_page_or_its_export(
    dashboard: Dashboard, org: OrgBuilder, session_factory: SessionFactory
) -> None:
    joins(session_factory, "Parents at Work", 6)
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/engagement", "?unit=org:")
    assert find(layout, "not-yours") is not None and "Parents at Work" not in text_of(layout)
    assert dashboard.get("/dashboard/export/engagement.csv?unit=org:").status_code == 403


def test_the_worker_counts_group_members_daily_and_hr_sees_only_groups_big_enough(
    dashboard: Dashboard, org: OrgBuilder, session_factory: SessionFactory, slack: SlackStandIn, make_worker
) -> None:
    slack.add_channel("C0PARENTS", members=[f"U{n}" for n in range(7)])
    slack.add_channel("C0GRIEF", members=["U1", "U2"])
    make_entry(session_factory, group_spec("Parents at Work", channel_id="C0PARENTS"))
    make_entry(session_factory, group_spec("Grief support", channel_id="C0GRIEF"))
    make_worker().run_once()
    make_worker().run_once()  # counted once a day, not on every pass
    counted = [c.args["channel"] for c in slack.calls_to("conversations.members")]
    assert sorted(c for c in counted if c in ("C0PARENTS", "C0GRIEF")) == ["C0GRIEF", "C0PARENTS"]
    dashboard.sign_in_as_hr()
    rows = {(row[0], row[1]): row for row in table_rows(dashboard.page("/dashboard/engagement"))}
    assert rows[("Resource group: members", "Parents at Work")][3] == "7"
    assert rows[("Resource group: members", "Grief support")][3] == ""
