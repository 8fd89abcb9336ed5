"""Block Kit for the org structure: the App Home admin part and the team and department forms."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp.org.ids import NO_DEPARTMENT, OrgAction, OrgBlock, OrgCallback
from slackapp.org.service import NAME_MAX_LENGTH, DepartmentInfo, OrgStructure, TeamInfo

# Slack allows 100 options in a static select; larger organisations edit the rest by channel name order.
MAX_OPTIONS = 100


def build_org_admin_blocks(org: OrgStructure, dashboard_url: str | None = None) -> list[Block]:
    """The "Teams and managers" part of the App Home admin section."""
    managers = set(org.managed_teams) | set(org.managed_departments)
    summary = (
        f"*{len(org.teams)}* team{'s' if len(org.teams) != 1 else ''} (one per check-in channel) in "
        f"*{len(org.departments)}* department{'s' if len(org.departments) != 1 else ''}, "
        f"*{len(managers)}* manager{'s' if len(managers) != 1 else ''}.\n"
        "Managers see only their teams' totals on the dashboard; HR and Kindred admins see everything."
    )
    elements: list[ButtonElement | StaticSelectElement] = []
    teams = sorted(org.teams.values(), key=lambda t: t.name.lower())
    if teams:
        elements.append(
            StaticSelectElement(
                action_id=OrgAction.EDIT_TEAM,
                placeholder="Name a team, pick managers…",
                options=[_team_option(t, org) for t in teams[:MAX_OPTIONS]],
            )
        )
    departments = sorted(org.departments.values(), key=lambda d: d.name.lower())
    if departments:
        elements.append(
            StaticSelectElement(
                action_id=OrgAction.EDIT_DEPARTMENT,
                placeholder="Edit a department…",
                options=[Option(value=str(d.id), text=d.name[:75]) for d in departments[:MAX_OPTIONS]],
            )
        )
    elements.append(ButtonElement(action_id=OrgAction.NEW_DEPARTMENT, text="New department"))
    blocks: list[Block] = [
        HeaderBlock(text="Teams and managers"),
        SectionBlock(text=summary),
        ActionsBlock(elements=elements),
    ]
    if dashboard_url:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"Dashboard: <{dashboard_url}|open it here>")])
        )
    return blocks


def _team_option(team: TeamInfo, org: OrgStructure) -> Option:
    department = org.departments.get(team.department_id) if team.department_id else None
    label = team.name if team.named else f"{team.name} (unnamed)"
    return Option(
        value=team.channel_id,
        text=label[:75],
        description=(department.name if department else "No department")[:75],
    )


def build_team_form(team: TeamInfo, org: OrgStructure) -> View:
    """Name a team, put it in a department, and choose its managers."""
    departments = sorted(org.departments.values(), key=lambda d: d.name.lower())
    options = [Option(value=NO_DEPARTMENT, text="No department")] + [
        Option(value=str(d.id), text=d.name[:75]) for d in departments[: MAX_OPTIONS - 1]
    ]
    current = next((o for o in options if o.value == str(team.department_id)), options[0])
    return View(
        type="modal",
        callback_id=OrgCallback.TEAM_FORM,
        title="Team",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"channel_id": team.channel_id}),
        blocks=[
            SectionBlock(text=f"The team that answers check-ins in <#{team.channel_id}>."),
            InputBlock(
                block_id=OrgBlock.NAME,
                label="Team name",
                hint='As people know it, like "Payments" or "Ward 7 nurses".',
                element=PlainTextInputElement(
                    action_id=OrgAction.FIELD,
                    initial_value=team.name if team.named else None,
                    max_length=NAME_MAX_LENGTH,
                ),
            ),
            InputBlock(
                block_id=OrgBlock.DEPARTMENT,
                label="Department",
                element=StaticSelectElement(
                    action_id=OrgAction.FIELD, options=options, initial_option=current
                ),
            ),
            _managers_input(org.managers_of_team(team.channel_id), "They will see this team's totals."),
        ],
    )


def build_department_form(department: DepartmentInfo | None, org: OrgStructure) -> View:
    """Make or rename a department and choose its managers."""
    managers = org.managers_of_department(department.id) if department else []
    return View(
        type="modal",
        callback_id=OrgCallback.DEPARTMENT_FORM,
        title="Department",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"department_id": str(department.id) if department else None}),
        blocks=[
            InputBlock(
                block_id=OrgBlock.NAME,
                label="Department name",
                element=PlainTextInputElement(
                    action_id=OrgAction.FIELD,
                    initial_value=department.name if department else None,
                    max_length=NAME_MAX_LENGTH,
                ),
            ),
            _managers_input(managers, "They will see the department's totals and every team in it."),
            ContextBlock(
                elements=[MarkdownTextObject(text="Put teams in this department from each team's form.")]
            ),
        ],
    )


def _managers_input(current: list[str], hint: str) -> InputBlock:
    return InputBlock(
        block_id=OrgBlock.MANAGERS,
        label="Managers",
        hint=hint,
        optional=True,
        element=UserMultiSelectElement(
            action_id=OrgAction.FIELD, initial_users=current or None, max_selected_items=20
        ),
    )
