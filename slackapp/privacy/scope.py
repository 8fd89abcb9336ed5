"""Who may look at what: the organisation for HR and admins, assigned teams and departments for managers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from slackapp.admin.service import is_kindred_admin
from slackapp.org.service import OrgStructure, load_org
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind


@dataclass(frozen=True)
class Viewer:
    """A signed-in person and what they may see; built on the server, never taken from a request."""

    workspace_id: str
    user_id: str
    everything: bool = False
    teams: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    @property
    def has_access(self) -> bool:
        return self.everything or bool(self.teams or self.departments)

    def may_see(self, unit: UnitKey, org: OrgStructure) -> bool:
        """True when the unit is in this viewer's own scope (benchmarks are handled by the gate)."""
        if self.everything:
            return True
        if unit.kind is UnitKind.DEPARTMENT:
            return unit.id in self.departments
        if unit.kind is UnitKind.TEAM:
            if unit.id in self.teams:
                return True
            team = org.teams.get(unit.id)
            return bool(team and team.department_id and str(team.department_id) in self.departments)
        return False

    def scope_units(self, org: OrgStructure) -> list[UnitKey]:
        """The organisation, departments and teams this viewer may pick, in display order.

        A deleted department that still holds closed rounds (the gate adds it to `org`) comes after
        the current ones. Only a viewer who sees everything can pick it: assignments to manage a
        department go when it is deleted.
        """
        units: list[UnitKey] = [ORG] if self.everything else []
        departments = sorted(org.departments.values(), key=lambda d: (not d.current, d.name.lower()))
        units += [
            UnitKey(UnitKind.DEPARTMENT, str(d.id))
            for d in departments
            if self.may_see(UnitKey(UnitKind.DEPARTMENT, str(d.id)), org)
        ]
        teams = sorted(org.teams.values(), key=lambda t: t.name.lower())
        units += [
            UnitKey(UnitKind.TEAM, t.channel_id)
            for t in teams
            if self.may_see(UnitKey(UnitKind.TEAM, t.channel_id), org)
        ]
        return units


def viewer_for(*, session: Session, workspace_id: str, user_id: str, workspace_admin: bool) -> Viewer:
    """Resolve a person's scope from the database.

    Args:
        workspace_admin: whether Slack says the person is a workspace admin or owner (the caller asks
            Slack; this module knows nothing of it).
    """
    if workspace_admin or is_kindred_admin(session=session, workspace_id=workspace_id, user_id=user_id):
        return Viewer(workspace_id=workspace_id, user_id=user_id, everything=True)
    # A manager's assignments name teams and departments HR set up: no need to read every round's
    # channel for teams without a pulse (a full scan of the rounds on every dashboard request).
    org = load_org(session=session, workspace_id=workspace_id, extra_channels=())
    return Viewer(
        workspace_id=workspace_id,
        user_id=user_id,
        teams=org.managed_teams.get(user_id, frozenset()),
        departments=frozenset(str(d) for d in org.managed_departments.get(user_id, frozenset())),
    )


def department_key(department_id: uuid.UUID) -> UnitKey:
    return UnitKey(UnitKind.DEPARTMENT, str(department_id))
