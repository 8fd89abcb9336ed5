"""HR names teams, makes departments and assigns managers from the App Home; nobody else can."""

from __future__ import annotations

import json

import pytest

from slackapp.database import SessionFactory
from slackapp.org.ids import NO_DEPARTMENT, OrgAction, OrgBlock, OrgCallback
from slackapp.org.service import OrgStructure, create_department, load_org
from slackapp.org.views import (
    build_department_form,
    build_org_admin_blocks,
    build_team_form,
    build_team_options,
)
from tests.factories import WORKSPACE, make_pulse
from tests.org_factories import week
from tests.slack_requests import SlackRequests, external_select, text, users
from tests.slack_standin import SlackStandIn

HR = "U0HR"
MANAGER = "U0MANAGER"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True)
    slack.add_user(MANAGER)
    slack.add_user("U0SOMEONE")


def org(session_factory: SessionFactory) -> OrgStructure:
    with session_factory() as session:
        return load_org(session=session, workspace_id=WORKSPACE)


def team_form(
    name: str, department: str = NO_DEPARTMENT, managers: tuple[str, ...] = ()
) -> dict[str, object]:
    return {
        OrgBlock.NAME: {OrgAction.FIELD: text(name)},
        OrgBlock.DEPARTMENT: {OrgAction.PICK_DEPARTMENT: external_select(department)},
        OrgBlock.MANAGERS: {OrgAction.FIELD: users(managers)},
    }


def department_form(name: str, managers: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        OrgBlock.NAME: {OrgAction.FIELD: text(name)},
        OrgBlock.MANAGERS: {OrgAction.FIELD: users(managers)},
    }


def test_hr_makes_a_department_and_names_a_team_with_its_manager(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_pulse(session_factory, "C0PAY")
    reply = slack_requests.view_submission(
        OrgCallback.DEPARTMENT_FORM, department_form("Finance"), user_id=HR
    )
    assert reply.status == 200 and reply.text == ""
    finance = next(iter(org(session_factory).departments.values()))
    assert finance.name == "Finance"

    slack_requests.block_action(OrgAction.EDIT_TEAM, user_id=HR, element=external_select("C0PAY"))
    opened = slack.calls_to("views.open")[-1].args["view"]
    assert opened["callback_id"] == OrgCallback.TEAM_FORM
    assert json.loads(opened["private_metadata"]) == {"channel_id": "C0PAY"}

    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        team_form("Payments", str(finance.id), (MANAGER,)),
        private_metadata=json.dumps({"channel_id": "C0PAY"}),
        user_id=HR,
    )
    assert reply.status == 200 and reply.text == ""
    structure = org(session_factory)
    assert structure.teams["C0PAY"].name == "Payments"
    assert structure.teams["C0PAY"].department_id == finance.id
    assert structure.managed_teams[MANAGER] == {"C0PAY"}
    assert "Teams and managers" in json.dumps(slack.home_views[HR])


def test_hr_assigns_a_department_manager(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    slack_requests.view_submission(
        OrgCallback.DEPARTMENT_FORM, department_form("Care", (MANAGER,)), user_id=HR
    )
    structure = org(session_factory)
    [care] = structure.departments.values()
    assert structure.managed_departments[MANAGER] == {care.id}
    # Renaming keeps the manager; clearing the managers removes them.
    slack_requests.view_submission(
        OrgCallback.DEPARTMENT_FORM,
        department_form("Patient care"),
        private_metadata=json.dumps({"department_id": str(care.id)}),
        user_id=HR,
    )
    structure = org(session_factory)
    assert [d.name for d in structure.departments.values()] == ["Patient care"]
    assert MANAGER not in structure.managed_departments


def test_a_department_name_already_taken_is_explained_inline(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    with session_factory.begin() as session:
        create_department(session=session, workspace_id=WORKSPACE, name="Finance", now=week(0))
    reply = slack_requests.view_submission(
        OrgCallback.DEPARTMENT_FORM, department_form("finance"), user_id=HR
    )
    assert reply.json()["response_action"] == "errors"
    assert "already a department" in reply.json()["errors"][OrgBlock.NAME]


def test_an_empty_team_name_is_refused_and_nothing_saved(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    make_pulse(session_factory, "C0PAY")
    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        team_form("   "),
        private_metadata=json.dumps({"channel_id": "C0PAY"}),
        user_id=HR,
    )
    assert reply.json()["errors"] == {OrgBlock.NAME: "Please give it a name."}
    assert not org(session_factory).teams["C0PAY"].named


def test_a_channel_without_a_check_in_cannot_become_a_team(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        team_form("Sneaky"),
        private_metadata=json.dumps({"channel_id": "C0RANDOM"}),
        user_id=HR,
    )
    assert reply.json()["response_action"] == "errors"
    assert "C0RANDOM" not in org(session_factory).teams


def test_someone_who_is_not_an_admin_cannot_assign_themselves_as_manager(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_pulse(session_factory, "C0PAY")
    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        team_form("Mine now", managers=("U0SOMEONE",)),
        private_metadata=json.dumps({"channel_id": "C0PAY"}),
        user_id="U0SOMEONE",
    )
    assert reply.json()["response_action"] == "update"
    assert org(session_factory).managed_teams == {}
    slack_requests.block_action(OrgAction.NEW_DEPARTMENT, user_id="U0SOMEONE")
    assert slack.calls_to("views.open")[-1].args["view"]["title"]["text"] == "Admins only"


def test_the_app_home_lists_teams_and_departments_for_editing(session_factory: SessionFactory) -> None:
    make_pulse(session_factory, "C0PAY")
    make_pulse(session_factory, "C0OPS")
    with session_factory.begin() as session:
        create_department(session=session, workspace_id=WORKSPACE, name="Finance", now=week(0))
    structure = org(session_factory)
    blocks = [b.to_dict() for b in build_org_admin_blocks(structure)]
    text_of_blocks = json.dumps(blocks)
    assert "*2* teams" in text_of_blocks and "*1* department" in text_of_blocks
    actions = blocks[2]["elements"]
    assert [e["action_id"] for e in actions] == [
        OrgAction.EDIT_TEAM,
        OrgAction.EDIT_DEPARTMENT,
        OrgAction.NEW_DEPARTMENT,
    ]
    assert [e["type"] for e in actions[:2]] == ["external_select", "external_select"]
    assert {o.value for o in build_team_options(structure, "")} == {"C0PAY", "C0OPS"}
    # The forms build within Slack's limits.
    build_team_form(structure.teams["C0PAY"], structure).to_dict()
    build_department_form(None, structure).to_dict()
