"""HR reaches every team and department from the App Home and the team form, however many there are.

Slack's static selects hold 100 options; the pickers are external_selects whose options Kindred serves as
HR types (a `block_suggestion` request, signed like every other), at most 100 at a time, only to admins
and only from the asking workspace (tests/installations/test_org_stays_apart.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from slackapp.checkins.service import create_pulse
from slackapp.database import SessionFactory, utcnow
from slackapp.org.ids import NO_DEPARTMENT, OrgAction, OrgBlock, OrgCallback
from slackapp.org.service import (
    OrgStructure,
    create_department,
    load_org,
    name_team,
    with_former_departments,
)
from slackapp.org.views import build_department_options, build_team_options
from tests.factories import HR_ADMIN, WORKSPACE, pulse_spec
from tests.slack_requests import SlackRequests, external_select, text, users, view_payload
from tests.slack_standin import SlackStandIn

HR = "U0HR"
TEAMS, UNNAMED, DEPARTMENTS = 150, 12, 120
SLACK_MAX_OPTIONS = 100


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True)
    slack.add_user("U0SOMEONE")


def department_name(n: int) -> str:
    return f"Department {n:03}"


def make_org(session_factory: SessionFactory, workspace_id: str = WORKSPACE, teams: int = TEAMS) -> None:
    """`teams` pulse channels, all but the first `UNNAMED` named "Team nnn", spread over `DEPARTMENTS`."""
    now = utcnow()
    with session_factory.begin() as session:
        departments = [
            create_department(session=session, workspace_id=workspace_id, name=department_name(n), now=now).id
            for n in range(DEPARTMENTS)
        ]
        for n in range(teams):
            channel = f"C0{workspace_id[-5:]}{n:03}"
            create_pulse(
                session=session,
                workspace_id=workspace_id,
                spec=pulse_spec(channel),
                created_by=HR_ADMIN,
                now=now,
            )
            if n >= UNNAMED:
                name_team(
                    session=session,
                    workspace_id=workspace_id,
                    channel_id=channel,
                    name=f"Team {n:03}",
                    department_id=departments[n % DEPARTMENTS],
                    now=now,
                )


def org_of(session_factory: SessionFactory, workspace_id: str = WORKSPACE) -> OrgStructure:
    with session_factory() as session:
        return load_org(session=session, workspace_id=workspace_id)


def options_for(
    slack_requests: SlackRequests, action: OrgAction, typed: str, **sent: Any
) -> list[dict[str, Any]]:
    """What Kindred answers when Slack asks for a picker's options, checked against Slack's limits."""
    reply = slack_requests.block_suggestion(action, typed, **sent)
    assert reply.status == 200, reply.text
    answer = reply.json()
    assert set(answer) == {"options"}
    options: list[dict[str, Any]] = answer["options"]
    assert len(options) <= SLACK_MAX_OPTIONS
    for option in options:
        assert option["text"]["type"] == "plain_text" and 0 < len(option["text"]["text"]) <= 75
        assert 0 < len(option["value"]) <= 150
        assert len(option.get("description", {}).get("text", "")) <= 75
    assert len({o["value"] for o in options}) == len(options)
    return options


def element(view: dict[str, Any], action: OrgAction) -> dict[str, Any]:
    found = [
        e
        for block in view["blocks"]
        for e in [*block.get("elements", []), block.get("element") or {}, block.get("accessory") or {}]
        if e.get("action_id") == action
    ]
    assert len(found) == 1, action
    return found[0]


def test_every_one_of_150_teams_and_120_departments_is_reachable_from_the_app_home_and_the_team_form(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_org(session_factory)
    org = org_of(session_factory)
    assert len(org.teams) == TEAMS and len(org.departments) == DEPARTMENTS

    slack_requests.event({"type": "app_home_opened", "user": HR, "channel": "D0HOME", "tab": "home"})
    home = slack.home_views[HR]
    assert len(home["blocks"]) <= 100
    for action in (OrgAction.EDIT_TEAM, OrgAction.EDIT_DEPARTMENT):
        picker = element(home, action)
        assert picker["type"] == "external_select" and "options" not in picker
        assert picker["min_query_length"] == 0  # the list shows as soon as HR opens it

    # Opening the picker lists the first 100; typing finds any team by its name, or by its channel
    # while it has none.
    assert len(options_for(slack_requests, OrgAction.EDIT_TEAM, "", user_id=HR)) == SLACK_MAX_OPTIONS
    for team in org.teams.values():
        typed = team.name if team.named else team.channel_id
        found = options_for(slack_requests, OrgAction.EDIT_TEAM, typed, user_id=HR)
        assert found[0]["value"] == team.channel_id, typed
    for department in org.departments.values():
        found = options_for(slack_requests, OrgAction.EDIT_DEPARTMENT, department.name, user_id=HR)
        assert [o["value"] for o in found] == [str(department.id)]

    # The team last in name order, which no 100-option list could hold: its form opens, and its
    # department can be set to the last department.
    last_team = max((t for t in org.teams.values() if t.named), key=lambda t: t.name)
    last_department = max(org.departments.values(), key=lambda d: d.name)
    chosen = external_select(last_team.channel_id, last_team.name)
    slack_requests.block_action(OrgAction.EDIT_TEAM, user_id=HR, element=chosen, view=home)
    form = slack.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == OrgCallback.TEAM_FORM and len(form["blocks"]) <= 100
    assert json.loads(form["private_metadata"]) == {"channel_id": last_team.channel_id}
    picker = element(form, OrgAction.PICK_DEPARTMENT)
    assert picker["type"] == "external_select" and "options" not in picker
    assert picker["initial_option"]["value"] == str(last_team.department_id)

    in_form = view_payload(OrgCallback.TEAM_FORM, private_metadata=form["private_metadata"])
    first = options_for(slack_requests, OrgAction.PICK_DEPARTMENT, "", user_id=HR, view=in_form)
    assert first[0]["value"] == NO_DEPARTMENT and len(first) == SLACK_MAX_OPTIONS
    for department in org.departments.values():
        found = options_for(
            slack_requests, OrgAction.PICK_DEPARTMENT, department.name, user_id=HR, view=in_form
        )
        assert [o["value"] for o in found] == [str(department.id)]

    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        {
            OrgBlock.NAME: {OrgAction.FIELD: text(last_team.name)},
            OrgBlock.DEPARTMENT: {OrgAction.PICK_DEPARTMENT: external_select(str(last_department.id))},
            OrgBlock.MANAGERS: {OrgAction.FIELD: users([])},
        },
        private_metadata=form["private_metadata"],
        user_id=HR,
    )
    assert reply.status == 200 and reply.text == ""
    assert org_of(session_factory).teams[last_team.channel_id].department_id == last_department.id

    # The department last in name order opens its own form from the Home.
    chosen = external_select(str(last_department.id), last_department.name)
    slack_requests.block_action(OrgAction.EDIT_DEPARTMENT, user_id=HR, element=chosen, view=home)
    form = slack.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == OrgCallback.DEPARTMENT_FORM and len(form["blocks"]) <= 100
    assert json.loads(form["private_metadata"]) == {"department_id": str(last_department.id)}


def test_someone_who_is_not_an_admin_is_offered_nothing(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    make_org(session_factory, teams=5)
    for action in (OrgAction.EDIT_TEAM, OrgAction.EDIT_DEPARTMENT, OrgAction.PICK_DEPARTMENT):
        for typed in ("", "Team", "Department 001"):
            assert options_for(slack_requests, action, typed, user_id="U0SOMEONE") == []


def test_a_team_form_opened_before_the_picker_changed_still_keeps_its_department(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    make_org(session_factory, teams=UNNAMED + 1)
    team = next(t for t in org_of(session_factory).teams.values() if t.named)
    reply = slack_requests.view_submission(
        OrgCallback.TEAM_FORM,
        {
            OrgBlock.NAME: {OrgAction.FIELD: text("Renamed")},
            OrgBlock.DEPARTMENT: {OrgAction.FIELD: external_select(str(team.department_id))},
            OrgBlock.MANAGERS: {OrgAction.FIELD: users([])},
        },
        private_metadata=json.dumps({"channel_id": team.channel_id}),
        user_id=HR,
    )
    assert reply.status == 200
    saved = org_of(session_factory).teams[team.channel_id]
    assert saved.name == "Renamed" and saved.department_id == team.department_id


# -- the options themselves, without Slack ---------------------------------------------------------------


def test_names_that_begin_with_what_was_typed_come_first_and_every_word_must_match(
    session_factory: SessionFactory,
) -> None:
    now = utcnow()
    with session_factory.begin() as session:
        care = create_department(session=session, workspace_id=WORKSPACE, name="Patient care", now=now)
        for channel, name in (("C0A", "Night ward nurses"), ("C0B", "Nurses bank"), ("C0C", "Payroll")):
            create_pulse(
                session=session,
                workspace_id=WORKSPACE,
                spec=pulse_spec(channel),
                created_by=HR_ADMIN,
                now=now,
            )
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                name=name,
                department_id=care.id if channel != "C0C" else None,
                now=now,
            )
        create_pulse(
            session=session,
            workspace_id=WORKSPACE,
            spec=pulse_spec("C0UNNAMED"),
            created_by=HR_ADMIN,
            now=now,
        )
    org = org_of(session_factory)

    def values(typed: str) -> list[str]:
        return [o.value for o in build_team_options(org, typed)]

    assert values("nurses") == ["C0B", "C0A"]  # "Nurses bank" begins with it
    assert values("NIGHT  nurses") == ["C0A"]
    assert values("patient care") == ["C0A", "C0B"]  # by department
    assert values("no department") == ["C0UNNAMED", "C0C"]  # teams without one
    assert values("c0unnamed") == ["C0UNNAMED"]  # an unnamed team, by its channel
    assert values("astronomy") == []
    [unnamed] = build_team_options(org, "C0UNNAMED")
    assert unnamed.to_dict()["text"]["text"] == "#C0UNNAMED (unnamed)"

    def departments(typed: str, with_none: bool) -> list[str]:
        return [o.value for o in build_department_options(org, typed, with_none=with_none)]

    assert departments("", with_none=True) == [NO_DEPARTMENT, str(care.id)]
    assert departments("", with_none=False) == [str(care.id)]
    assert departments("care", with_none=True) == [str(care.id)]
    assert departments("no", with_none=True) == [NO_DEPARTMENT]
    # A deleted department the privacy gate still knows for its past rounds is not offered.
    with_former = with_former_departments(org, {uuid.uuid4(): "Patient care (old)"})
    assert [o.value for o in build_department_options(with_former, "care", with_none=False)] == [str(care.id)]
