"""A manager records what will change after a check-in; the team's channel hears it; the dashboard
shows whether the next weeks moved."""

from __future__ import annotations

import json
from typing import Any

from slackapp.privacy.gate import forget_round_counts
from tests.dashboards.conftest import MANAGER_A, MANAGER_OPS, Dashboard, find, text_of
from tests.org_factories import OrgBuilder
from tests.slack_standin import SlackStandIn


def save(dashboard: Dashboard, unit: str, text: str) -> Any:
    return dashboard.client.post(
        "/dashboard/_dash-update-component",
        base_url="https://kindred.example.com",
        json={
            "output": "..action-status.children...action-list.children..",
            "outputs": [
                {"id": "action-status", "property": "children"},
                {"id": "action-list", "property": "children"},
            ],
            "inputs": [{"id": "action-save", "property": "n_clicks", "value": 1}],
            "state": [
                {"id": "action-text", "property": "value", "value": text},
                {"id": "kindred-unit", "property": "value", "value": unit},
            ],
            "changedPropIds": ["action-save.n_clicks"],
        },
    )


def test_a_manager_records_what_will_change_and_the_team_channel_is_told(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn
) -> None:
    slack.add_channel("C0A", members=["U1"])
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/")
    assert find(layout, "you-said-we-did") is not None
    reply = save(dashboard, "team:C0A", "We are moving stand-up so mornings stay free.")
    assert reply.status_code == 200
    body = reply.get_json()["response"]
    assert body["action-status"]["children"] == "Saved and posted in the team's channel."
    [posted] = slack.calls_to("chat.postMessage")
    assert posted.args["channel"] == "C0A"
    assert "We are moving stand-up" in posted.args["text"]
    assert "Week of 14 Sep 2026: We are moving stand-up" in text_of(dashboard.page("/dashboard/"))


def test_the_note_shows_whether_well_being_moved_in_the_weeks_after(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn
) -> None:
    slack.add_channel("C0A", members=["U1"])
    dashboard.sign_in_as(MANAGER_A)
    save(dashboard, "team:C0A", "More focus time.")
    org.week(2, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    forget_round_counts()  # the web app would see the new week within seconds; the test cannot wait
    assert "Well-being 4.0 then, 4.0 in the week of 21 Sep 2026" in text_of(dashboard.page("/dashboard/"))


def test_a_manager_cannot_write_to_another_teams_channel(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn
) -> None:
    dashboard.sign_in_as(MANAGER_OPS)
    for unit in ("team:C0A", "department:x", "org:", "nonsense"):
        reply = save(dashboard, unit, "Sneaky message")
        assert "Only this team's managers and HR" in reply.get_data(as_text=True)
    assert slack.calls_to("chat.postMessage") == []


def test_an_empty_note_is_refused(dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn) -> None:
    dashboard.sign_in_as(MANAGER_A)
    reply = save(dashboard, "team:C0A", "   ")
    assert "Please write what you will do." in reply.get_data(as_text=True)
    assert slack.calls_to("chat.postMessage") == []


def test_a_note_is_posted_escaped_so_it_pings_nobody_and_hides_no_link(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn
) -> None:
    slack.add_channel("C0A", members=["U1"])
    dashboard.sign_in_as(MANAGER_A)
    save(dashboard, "team:C0A", "Done <!channel> & <@U0BOSS> <https://evil.example|https://eap.example.com>")
    [posted] = slack.calls_to("chat.postMessage")
    sent = json.dumps(posted.args)
    for trick in ("<!channel>", "<@U0BOSS>", "<https://evil"):
        assert trick not in sent
    assert "Done &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in posted.args["text"]
