"""Block Kit for the org structure: the App Home admin part and the team and department forms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp.org.ids import NO_DEPARTMENT, OrgAction, OrgBlock, OrgCallback
from slackapp.org.service import NAME_MAX_LENGTH, DepartmentInfo, OrgStructure, TeamInfo
from slackapp.slack.forms import build_form, text_input

# Slack takes at most 100 options in one answer to an external_select; typing more narrows the list.
MAX_OPTIONS = 100
LABEL_MAX = 75  # an option's text
NO_DEPARTMENT_LABEL = "No department"

T = TypeVar("T")


def build_org_admin_blocks(org: OrgStructure, dashboard_url: str | None = None) -> list[Block]:
    """The "Teams and managers" part of the App Home admin section.

    The team and department pickers hold no options themselves: Slack asks for them as HR opens a picker
    or types (`build_team_options`, `build_department_options`), so every team and department can be
    reached, and the Home stays the same size however large the organisation.
    """
    managers = set(org.managed_teams) | set(org.managed_departments)
    summary = (
        f"*{len(org.teams)}* team{'s' if len(org.teams) != 1 else ''} (one per check-in channel) in "
        f"*{len(org.departments)}* department{'s' if len(org.departments) != 1 else ''}, "
        f"*{len(managers)}* manager{'s' if len(managers) != 1 else ''}.\n"
        "Managers see only their teams' totals on the dashboard; HR and Kindred admins see everything. "
        "Type in a list to find a team or department by name."
    )
    elements: list[ButtonElement | ExternalDataSelectElement] = []
    if org.teams:
        elements.append(
            ExternalDataSelectElement(
                action_id=OrgAction.EDIT_TEAM,
                placeholder="Name a team, pick managers…",
                min_query_length=0,  # list teams as soon as the menu opens, not after 3 letters
            )
        )
    if org.departments:
        elements.append(
            ExternalDataSelectElement(
                action_id=OrgAction.EDIT_DEPARTMENT, placeholder="Edit a department…", min_query_length=0
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


def build_team_options(org: OrgStructure, typed: str) -> list[Option]:
    """The teams matching what HR typed in the App Home's team picker, for Slack's block_suggestion.

    Args:
        typed: the picker's text; every word must appear in the team's name, its channel id or its
            department's name ("No department" finds the teams without one; empty: every team).

    Returns:
        At most `MAX_OPTIONS` options, names beginning with `typed` first, then the rest by name.
    """
    teams = _matching(
        org.teams.values(), typed, lambda t: t.name, lambda t: (t.channel_id, _department_name(t, org))
    )
    return [_team_option(t, org) for t in teams[:MAX_OPTIONS]]


def build_department_options(org: OrgStructure, typed: str, *, with_none: bool) -> list[Option]:
    """The departments matching what HR typed in a department picker, for Slack's block_suggestion.

    Args:
        typed: the picker's text; every word must appear in the department's name (empty: all of them).
        with_none: offer "No department" first (the team form), when what was typed fits it.

    Returns:
        At most `MAX_OPTIONS` options, names beginning with `typed` first, then the rest by name.
    """
    options = [_no_department_option()] if with_none and _words_in(typed, NO_DEPARTMENT_LABEL) else []
    # Only departments that exist: the privacy gate's structure also holds deleted ones with past rounds.
    current = (d for d in org.departments.values() if d.current)
    departments = _matching(current, typed, lambda d: d.name, lambda d: ())
    options += [_department_option(d) for d in departments]
    return options[:MAX_OPTIONS]


def _no_department_option() -> Option:
    return Option(value=NO_DEPARTMENT, text=NO_DEPARTMENT_LABEL)


def _department_option(department: DepartmentInfo) -> Option:
    return Option(value=str(department.id), text=department.name[:LABEL_MAX])


def _words_in(typed: str, *texts: str) -> bool:
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in typed.lower().split())


def _matching(
    items: Iterable[T], typed: str, name: Callable[[T], str], also: Callable[[T], Iterable[str]]
) -> list[T]:
    """The items whose name (or `also` texts) hold every word typed; names starting with it first."""
    start = " ".join(typed.lower().split())
    found = [item for item in items if _words_in(typed, name(item), *also(item))]
    return sorted(found, key=lambda item: (not name(item).lower().startswith(start), name(item).lower()))


def _department_name(team: TeamInfo, org: OrgStructure) -> str:
    department = org.departments.get(team.department_id) if team.department_id else None
    return department.name if department else NO_DEPARTMENT_LABEL


def _team_option(team: TeamInfo, org: OrgStructure) -> Option:
    label = team.name if team.named else f"{team.name} (unnamed)"
    return Option(
        value=team.channel_id, text=label[:LABEL_MAX], description=_department_name(team, org)[:LABEL_MAX]
    )


def build_team_form(team: TeamInfo, org: OrgStructure) -> View:
    """Name a team, put it in a department, and choose its managers.

    The department is picked from options served as HR types (`build_department_options`), so the
    form reaches every department however many there are.
    """
    department = org.departments.get(team.department_id) if team.department_id else None
    current = _department_option(department) if department else _no_department_option()
    return build_form(
        callback_id=OrgCallback.TEAM_FORM,
        title="Team",
        metadata={"channel_id": team.channel_id},
        blocks=[
            SectionBlock(text=f"The team that answers check-ins in <#{team.channel_id}>."),
            text_input(
                block_id=OrgBlock.NAME,
                action_id=OrgAction.FIELD,
                label="Team name",
                hint='As people know it, like "Payments" or "Ward 7 nurses".',
                initial=team.name if team.named else None,
                max_length=NAME_MAX_LENGTH,
            ),
            InputBlock(
                block_id=OrgBlock.DEPARTMENT,
                label="Department",
                hint="A change counts from the next check-in that closes; past weeks stay where they were.",
                element=ExternalDataSelectElement(
                    action_id=OrgAction.PICK_DEPARTMENT, initial_option=current, min_query_length=0
                ),
            ),
            _managers_input(org.managers_of_team(team.channel_id), "They will see this team's totals."),
        ],
    )


def build_department_form(department: DepartmentInfo | None, org: OrgStructure) -> View:
    """Make or rename a department and choose its managers."""
    managers = org.managers_of_department(department.id) if department else []
    return build_form(
        callback_id=OrgCallback.DEPARTMENT_FORM,
        title="Department",
        metadata={"department_id": str(department.id) if department else None},
        blocks=[
            text_input(
                block_id=OrgBlock.NAME,
                action_id=OrgAction.FIELD,
                label="Department name",
                initial=department.name if department else None,
                max_length=NAME_MAX_LENGTH,
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
