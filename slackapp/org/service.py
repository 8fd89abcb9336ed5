"""Teams, departments and manager assignments, without Slack.

A team is a pulse channel. Every channel that has a pulse (or has had rounds) is a team, named or not;
naming it creates its `Team` row. The structure read by the privacy gate is `OrgStructure`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from slackapp.checkins.models import Pulse, Round
from slackapp.errors import InvalidInput, NotFound
from slackapp.org.models import Department, ManagerAssignment, Team

NAME_MAX_LENGTH = 80
DEPARTMENT_GONE = "That department no longer exists."


@dataclass(frozen=True)
class TeamInfo:
    channel_id: str
    name: str
    department_id: uuid.UUID | None
    named: bool  # False while HR has not given the channel a name


@dataclass(frozen=True)
class DepartmentInfo:
    id: uuid.UUID
    name: str
    # False for a department that has been deleted but still holds closed rounds (the privacy gate
    # adds those, under the name it had when its last round closed).
    current: bool = True


@dataclass(frozen=True)
class OrgStructure:
    """The whole organisation of one workspace: teams by channel, departments by id, managers by user."""

    teams: Mapping[str, TeamInfo]
    departments: Mapping[uuid.UUID, DepartmentInfo]
    managed_teams: Mapping[str, frozenset[str]] = field(default_factory=dict)  # user -> channel ids
    managed_departments: Mapping[str, frozenset[uuid.UUID]] = field(default_factory=dict)

    def teams_in(self, department_id: uuid.UUID | None) -> list[TeamInfo]:
        return sorted(
            (t for t in self.teams.values() if t.department_id == department_id), key=lambda t: t.name.lower()
        )

    def managers_of_team(self, channel_id: str) -> list[str]:
        return sorted(user for user, teams in self.managed_teams.items() if channel_id in teams)

    def managers_of_department(self, department_id: uuid.UUID) -> list[str]:
        return sorted(user for user, deps in self.managed_departments.items() if department_id in deps)


def check_name(name: str, field_name: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput({field_name: "Please give it a name."})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput({field_name: f"Please keep the name under {NAME_MAX_LENGTH} characters."})
    return cleaned


def load_org(
    *, session: Session, workspace_id: str, extra_channels: Iterable[str] | None = None
) -> OrgStructure:
    """Every team (pulse channels, named or not), department and manager assignment in the workspace.

    Args:
        extra_channels: channels known to have rounds, when the caller already has them; otherwise
            they are read from the rounds table (a channel whose pulse was deleted is still a team).
    """
    # Plain rows, not ORM objects: every dashboard request reads all 500 teams of a large workspace.
    departments = {
        d.id: DepartmentInfo(id=d.id, name=d.name)
        for d in session.execute(
            select(Department.id, Department.name).where(Department.workspace_id == workspace_id)
        )
    }
    named = {
        t.channel_id: t
        for t in session.execute(
            select(Team.id, Team.channel_id, Team.name, Team.department_id).where(
                Team.workspace_id == workspace_id
            )
        )
    }
    channels = set(named)
    channels.update(session.scalars(select(Pulse.channel_id).where(Pulse.workspace_id == workspace_id)))
    if extra_channels is None:
        extra_channels = session.scalars(
            select(Round.channel_id).where(Round.workspace_id == workspace_id).distinct()
        )
    channels.update(extra_channels)
    teams = {
        channel: TeamInfo(
            channel_id=channel,
            name=named[channel].name if channel in named else f"#{channel}",
            department_id=named[channel].department_id if channel in named else None,
            named=channel in named,
        )
        for channel in channels
    }
    team_channels = {t.id: t.channel_id for t in named.values()}
    managed_teams: dict[str, set[str]] = {}
    managed_departments: dict[str, set[uuid.UUID]] = {}
    for assignment in session.execute(
        select(ManagerAssignment.user_id, ManagerAssignment.team_id, ManagerAssignment.department_id).where(
            ManagerAssignment.workspace_id == workspace_id
        )
    ):
        if assignment.team_id is not None and assignment.team_id in team_channels:
            managed_teams.setdefault(assignment.user_id, set()).add(team_channels[assignment.team_id])
        if assignment.department_id is not None:
            managed_departments.setdefault(assignment.user_id, set()).add(assignment.department_id)
    return OrgStructure(
        teams=teams,
        departments=departments,
        managed_teams={user: frozenset(v) for user, v in managed_teams.items()},
        managed_departments={user: frozenset(v) for user, v in managed_departments.items()},
    )


def with_channels(org: OrgStructure, channels: Iterable[str]) -> OrgStructure:
    """The same structure with unnamed teams added for channels it did not know (e.g. deleted pulses)."""
    missing = {c for c in channels if c not in org.teams}
    if not missing:
        return org
    teams = dict(org.teams)
    teams.update({c: TeamInfo(channel_id=c, name=f"#{c}", department_id=None, named=False) for c in missing})
    return replace(org, teams=teams)


def with_former_departments(org: OrgStructure, names: Mapping[uuid.UUID, str]) -> OrgStructure:
    """The same structure with deleted departments added, by id, as not `current` (no teams, no managers)."""
    missing = {d: n for d, n in names.items() if d not in org.departments}
    if not missing:
        return org
    departments = dict(org.departments)
    departments.update({d: DepartmentInfo(id=d, name=n, current=False) for d, n in missing.items()})
    return replace(org, departments=departments)


def create_department(*, session: Session, workspace_id: str, name: str, now: datetime) -> Department:
    """Make a department.

    Raises:
        InvalidInput: the name is empty, too long, or already taken (key "name").
    """
    name = check_name(name)
    _refuse_taken_department_name(session, workspace_id, name, None)
    department = Department(workspace_id=workspace_id, name=name, created_at=now)
    session.add(department)
    session.flush()
    return department


def rename_department(
    *, session: Session, workspace_id: str, department_id: uuid.UUID, name: str
) -> Department:
    department = get_department(session=session, workspace_id=workspace_id, department_id=department_id)
    name = check_name(name)
    _refuse_taken_department_name(session, workspace_id, name, department_id)
    department.name = name
    return department


def delete_department(*, session: Session, workspace_id: str, department_id: uuid.UUID) -> None:
    """Remove a department; its teams stay, without a department, and its manager assignments go."""
    department = get_department(session=session, workspace_id=workspace_id, department_id=department_id)
    session.execute(delete(ManagerAssignment).where(ManagerAssignment.department_id == department.id))
    for team in session.scalars(select(Team).where(Team.department_id == department.id)):
        team.department_id = None
    session.delete(department)


def get_department(*, session: Session, workspace_id: str, department_id: uuid.UUID) -> Department:
    department = session.get(Department, department_id)
    if department is None or department.workspace_id != workspace_id:
        raise NotFound(DEPARTMENT_GONE)
    return department


def _refuse_taken_department_name(
    session: Session, workspace_id: str, name: str, except_id: uuid.UUID | None
) -> None:
    for other in session.scalars(select(Department).where(Department.workspace_id == workspace_id)):
        if other.id != except_id and other.name.lower() == name.lower():
            raise InvalidInput({"name": f"There is already a department called {other.name}."})


def name_team(
    *,
    session: Session,
    workspace_id: str,
    channel_id: str,
    name: str,
    department_id: uuid.UUID | None,
    now: datetime,
) -> Team:
    """Give a pulse channel a team name and (optionally) a department.

    Raises:
        InvalidInput: the name is empty or too long (key "name").
        NotFound: the channel has no pulse, or the department is not in this workspace.
    """
    name = check_name(name)
    if department_id is not None:
        get_department(session=session, workspace_id=workspace_id, department_id=department_id)
    team = _team_row(session, workspace_id, channel_id)
    if team is None:
        if not _is_pulse_channel(session, workspace_id, channel_id):
            raise NotFound("That channel has no check-in, so it is not a team yet.")
        team = Team(workspace_id=workspace_id, channel_id=channel_id, name=name, updated_at=now)
        session.add(team)
    team.name = name
    team.department_id = department_id
    team.updated_at = now
    session.flush()
    return team


def set_team_managers(
    *,
    session: Session,
    workspace_id: str,
    channel_id: str,
    user_ids: Iterable[str],
    assigned_by: str,
    now: datetime,
) -> None:
    """Make exactly these people the managers of a (named) team."""
    team = _team_row(session, workspace_id, channel_id)
    if team is None:
        raise NotFound("Name the team before assigning its managers.")
    _replace_assignments(
        session,
        workspace_id,
        ManagerAssignment.team_id == team.id,
        set(user_ids),
        lambda user: ManagerAssignment(
            workspace_id=workspace_id, user_id=user, team_id=team.id, assigned_by=assigned_by, assigned_at=now
        ),
    )


def set_department_managers(
    *,
    session: Session,
    workspace_id: str,
    department_id: uuid.UUID,
    user_ids: Iterable[str],
    assigned_by: str,
    now: datetime,
) -> None:
    """Make exactly these people the managers of a department (and so of every team in it)."""
    department = get_department(session=session, workspace_id=workspace_id, department_id=department_id)
    _replace_assignments(
        session,
        workspace_id,
        ManagerAssignment.department_id == department.id,
        set(user_ids),
        lambda user: ManagerAssignment(
            workspace_id=workspace_id,
            user_id=user,
            department_id=department.id,
            assigned_by=assigned_by,
            assigned_at=now,
        ),
    )


def _replace_assignments(
    session: Session,
    workspace_id: str,
    which: ColumnElement[bool],
    wanted: set[str],
    make: Callable[[str], ManagerAssignment],
) -> None:
    current = list(
        session.scalars(
            select(ManagerAssignment).where(ManagerAssignment.workspace_id == workspace_id, which)
        )
    )
    for assignment in current:
        if assignment.user_id not in wanted:
            session.delete(assignment)
    have = {a.user_id for a in current}
    for user in sorted(wanted - have):
        session.add(make(user))
    session.flush()


def manages_any_team(*, session: Session, workspace_id: str, user_id: str) -> bool:
    """Whether the person is assigned any team or department, i.e. has a dashboard of their own."""
    assignment = session.scalar(
        select(ManagerAssignment.id)
        .where(ManagerAssignment.workspace_id == workspace_id, ManagerAssignment.user_id == user_id)
        .limit(1)
    )
    return assignment is not None


def _team_row(session: Session, workspace_id: str, channel_id: str) -> Team | None:
    return session.scalar(
        select(Team).where(Team.workspace_id == workspace_id, Team.channel_id == channel_id)
    )


def _is_pulse_channel(session: Session, workspace_id: str, channel_id: str) -> bool:
    pulse = session.scalar(
        select(Pulse.id).where(Pulse.workspace_id == workspace_id, Pulse.channel_id == channel_id)
    )
    if pulse is not None:
        return True
    return (
        session.scalar(
            select(Round.id)
            .where(Round.workspace_id == workspace_id, Round.channel_id == channel_id)
            .limit(1)
        )
        is not None
    )
