"""Action plans: a manager writes what will change, who is on it and by when, previews the message, and
the team's channel hears it once; plans can be edited and deleted; the dashboard says whether the
following weeks moved beyond noise."""

from __future__ import annotations

import json
from typing import Any

from slackapp.actions.models import ActionNote
from slackapp.database import SessionFactory
from tests.dashboards.conftest import BASE_URL, MANAGER_A, MANAGER_OPS, Dashboard, find, text_of
from tests.org_factories import OrgBuilder
from tests.slack_standin import SlackStandIn


def call(dashboard: Dashboard, outputs: list[tuple[str, str]], inputs: list[Any], state: list[Any]) -> Any:
    """A Dash callback as the browser sends it: the callback is found by its trigger in the app's own
    list (outputs shared by several callbacks carry a suffix Dash derives)."""
    dependencies = dashboard.client.get("/dashboard/_dash-dependencies", base_url=BASE_URL).get_json()
    trigger = json.dumps(inputs[0]["id"])
    output = next(d["output"] for d in dependencies if trigger in json.dumps(d["inputs"][0]))
    keys = output.strip(".").split("...")
    assert [k.split(".", 1)[0] for k in keys] == [i for i, _p in outputs]
    reply = dashboard.client.post(
        "/dashboard/_dash-update-component",
        base_url=BASE_URL,
        json={
            "output": output,
            "outputs": [{"id": k.split(".", 1)[0], "property": k.split(".", 1)[1]} for k in keys],
            "inputs": inputs,
            "state": state,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        },
    )
    assert reply.status_code in (200, 204), reply.data
    return reply


def save(
    dashboard: Dashboard, unit: str, text: str, owner: str = "", due: str = "", plan_id: str | None = None
) -> Any:
    return call(
        dashboard,
        [
            ("action-status", "children"),
            ("action-list", "children"),
            ("action-text", "value"),
            ("plan-owner", "value"),
            ("plan-due", "value"),
            ("plan-status", "value"),
            ("plan-id", "data"),
        ],
        [{"id": "action-save", "property": "n_clicks", "value": 1}],
        [
            {"id": "plan-unit", "property": "data", "value": unit},
            {"id": "plan-id", "property": "data", "value": plan_id},
            {"id": "action-text", "property": "value", "value": text},
            {"id": "plan-owner", "property": "value", "value": owner},
            {"id": "plan-due", "property": "value", "value": due},
            {"id": "plan-status", "property": "value", "value": "in_progress" if plan_id else "planned"},
        ],
    )


def post(dashboard: Dashboard, unit: str, plan_id: str, clicks: int = 1) -> Any:
    return call(
        dashboard,
        [
            ("action-status", "children"),
            ("action-list", "children"),
            ("plan-preview", "opened"),
            ("plan-post", "disabled"),
        ],
        [{"id": "plan-post", "property": "n_clicks", "value": clicks}],
        [
            {"id": "plan-unit", "property": "data", "value": unit},
            {"id": "plan-post-id", "property": "data", "value": plan_id},
        ],
    )


def delete(dashboard: Dashboard, unit: str, plan_id: str) -> Any:
    button = {"type": "plan-delete", "index": plan_id}
    # Outputs shared by several callbacks carry a suffix Dash derives; read it from the app's own list.
    dependencies = dashboard.client.get("/dashboard/_dash-dependencies", base_url=BASE_URL).get_json()
    output = next(d["output"] for d in dependencies if "plan-delete" in json.dumps(d["inputs"]))
    status, listing = output.strip(".").split("...")
    return dashboard.client.post(
        "/dashboard/_dash-update-component",
        base_url=BASE_URL,
        json={
            "output": output,
            "outputs": [
                {"id": "action-status", "property": status.split(".", 1)[1]},
                {"id": "action-list", "property": listing.split(".", 1)[1]},
            ],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "plan-unit", "property": "data", "value": unit}],
            "changedPropIds": ['{"index":"' + plan_id + '","type":"plan-delete"}.n_clicks'],
        },
    )


def plans(session_factory: SessionFactory) -> list[ActionNote]:
    with session_factory() as session:
        return list(session.query(ActionNote).order_by(ActionNote.written_at))


def test_a_plan_is_saved_then_posted_once_after_its_preview(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_channel("C0A", members=["U1"])
    dashboard.sign_in_as(MANAGER_A)
    assert find(dashboard.page("/dashboard/overview"), "you-said-we-did") is not None
    reply = save(
        dashboard, "team:C0A", "We are moving stand-up <so> mornings stay free.", "Priya", "2026-10-01"
    )
    body = reply.get_json()["response"]
    assert body["action-status"]["children"].startswith("Saved.")
    assert body["action-text"]["value"] == ""  # the form empties: a second click has nothing to save
    assert slack.calls_to("chat.postMessage") == []  # nothing is posted before the preview
    [plan] = plans(session_factory)
    assert (plan.owner, plan.due.isoformat() if plan.due else None, plan.status) == (
        "Priya",
        "2026-10-01",
        "planned",
    )

    first = post(dashboard, "team:C0A", str(plan.id)).get_json()["response"]
    assert first["action-status"]["children"] == "Posted in the team's channel."
    assert first["plan-post"]["disabled"] is True
    second = post(dashboard, "team:C0A", str(plan.id), clicks=2).get_json()["response"]
    assert second["action-status"]["children"] == "Already posted."
    [posted] = slack.calls_to("chat.postMessage")
    assert posted.args["channel"] == "C0A"
    assert (
        "We are moving stand-up &lt;so&gt; mornings stay free. (Priya is on it, planned, due 1 Oct)"
        in (posted.args["text"])
    )
    page = text_of(dashboard.page("/dashboard/overview"))
    assert "Week of 14 Sep 2026: We are moving stand-up" in page and "Owner: Priya" in page


def test_a_plan_can_be_edited_and_deleted(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    dashboard.sign_in_as(MANAGER_A)
    save(dashboard, "team:C0A", "More focus time.")
    [plan] = plans(session_factory)
    reply = save(dashboard, "team:C0A", "More focus time, from Monday.", "Sam", "", plan_id=str(plan.id))
    assert reply.get_json()["response"]["action-status"]["children"] == "Plan updated."
    [edited] = plans(session_factory)
    assert (edited.body, edited.owner, edited.status) == (
        "More focus time, from Monday.",
        "Sam",
        "in_progress",
    )
    # Someone else's team: refused, and the plan is untouched.
    dashboard.sign_in_as(MANAGER_OPS)
    assert "Only this team's managers" in delete(dashboard, "team:C0A", str(plan.id)).get_data(as_text=True)
    assert len(plans(session_factory)) == 1
    dashboard.sign_in_as(MANAGER_A)
    assert "Plan deleted." in delete(dashboard, "team:C0A", str(plan.id)).get_data(as_text=True)
    assert plans(session_factory) == []


def test_the_plan_shows_whether_well_being_moved_beyond_noise_in_the_weeks_after(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn
) -> None:
    dashboard.sign_in_as(MANAGER_A)
    save(dashboard, "team:C0A", "More focus time.")
    assert "no results since yet" in text_of(dashboard.page("/dashboard/overview"))
    org.week(2, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    org.publish()  # the worker publishes the week once it is over
    assert "Well-being 4.0 then, 4.0 in the week of 21 Sep 2026: no clear change yet" in text_of(
        dashboard.page("/dashboard/overview")
    )


def test_a_manager_cannot_write_to_another_teams_channel(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    dashboard.sign_in_as(MANAGER_OPS)
    engineering = f"department:{org.departments['Engineering']}"
    for unit in ("team:C0A", "department:x", "org:", "nonsense", engineering):
        reply = save(dashboard, unit, "Sneaky message")
        assert "Only this team's managers and HR" in reply.get_data(as_text=True)
    assert slack.calls_to("chat.postMessage") == []
    assert plans(session_factory) == []


def test_bad_input_is_refused_and_nothing_is_saved(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    dashboard.sign_in_as(MANAGER_A)
    assert "Please write what you will do." in save(dashboard, "team:C0A", "   ").get_data(as_text=True)
    assert "YYYY-MM-DD" in save(dashboard, "team:C0A", "Plan", due="next week").get_data(as_text=True)
    assert "under 120" in save(dashboard, "team:C0A", "Plan", owner="x" * 200).get_data(as_text=True)
    assert plans(session_factory) == []
    assert slack.calls_to("chat.postMessage") == []


def test_a_note_is_posted_escaped_so_it_pings_nobody_and_hides_no_link(
    dashboard: Dashboard, org: OrgBuilder, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_channel("C0A", members=["U1"])
    dashboard.sign_in_as(MANAGER_A)
    save(dashboard, "team:C0A", "Done <!channel> & <@U0BOSS> <https://evil.example|https://eap.example.com>")
    [plan] = plans(session_factory)
    post(dashboard, "team:C0A", str(plan.id))
    [posted] = slack.calls_to("chat.postMessage")
    sent = json.dumps(posted.args)
    for trick in ("<!channel>", "<@U0BOSS>", "<https://evil"):
        assert trick not in sent
    assert "Done &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in posted.args["text"]
