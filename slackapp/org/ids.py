"""Ids of the org feature's views, blocks and actions."""

from enum import StrEnum


class OrgCallback(StrEnum):
    TEAM_FORM = "org_team_form"
    DEPARTMENT_FORM = "org_department_form"


class OrgAction(StrEnum):
    # The pickers are external_selects whose options the app serves as HR types (block_suggestion),
    # so they reach every team and department however many there are.
    EDIT_TEAM = "org_edit_team"  # teams, in the App Home
    EDIT_DEPARTMENT = "org_edit_department"  # departments, in the App Home
    PICK_DEPARTMENT = "org_pick_department"  # the team form's department: "No department" or one of them
    NEW_DEPARTMENT = "org_new_department"
    FIELD = "org_field"


class OrgBlock(StrEnum):
    NAME = "name"
    DEPARTMENT = "department"
    MANAGERS = "managers"


NO_DEPARTMENT = "none"
