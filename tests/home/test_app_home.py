"""The App Home: everyone reads Kindred's promise; only admins get the admin section."""

from __future__ import annotations

import json

from slackapp.admin.ids import AdminAction
from slackapp.checkins.ids import CheckinAction
from tests.slack_requests import SlackRequests, user
from tests.slack_standin import SlackStandIn


def open_home(slack_requests: SlackRequests, slack: SlackStandIn, user_id: str) -> str:
    reply = slack_requests.event(
        {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": "home"}
    )
    assert reply.status == 200
    return json.dumps(slack.home_views[user_id])


def test_an_employee_sees_the_privacy_promise_and_no_admin_section(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0EMPLOYEE")
    home = open_home(slack_requests, slack, "U0EMPLOYEE")
    assert "Managers see their own teams' averages" in home
    assert "sees who answered what or who has not answered" in home
    assert "See what Kindred holds about me" in home
    assert CheckinAction.NEW_PULSE not in home


def test_a_workspace_admin_sees_the_admin_section(slack_requests: SlackRequests, slack: SlackStandIn) -> None:
    slack.add_user("U0OWNER", is_owner=True)
    home = open_home(slack_requests, slack, "U0OWNER")
    assert CheckinAction.NEW_PULSE in home and "Professional help" in home


def test_an_admin_makes_hr_a_kindred_admin_and_can_take_it_back(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0OWNER", is_admin=True)
    slack.add_user("U0HRLEAD")
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0HRLEAD")

    slack_requests.block_action(
        AdminAction.ADD_ADMIN,
        user_id="U0OWNER",
        element=user("U0HRLEAD"),
        view={"id": "VHOME", "type": "home"},
    )
    assert CheckinAction.NEW_PULSE in open_home(slack_requests, slack, "U0HRLEAD")

    slack_requests.block_action(AdminAction.REMOVE_ADMIN, "U0HRLEAD", user_id="U0OWNER")
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0HRLEAD")


def test_someone_who_is_not_an_admin_cannot_make_themselves_one(
    slack_requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0SNEAKY")
    slack_requests.block_action(
        AdminAction.ADD_ADMIN,
        user_id="U0SNEAKY",
        element=user("U0SNEAKY"),
        view={"id": "VHOME", "type": "home"},
    )
    assert "Only Kindred admins" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    assert CheckinAction.NEW_PULSE not in open_home(slack_requests, slack, "U0SNEAKY")
