"""Ids of the org feature's views, blocks and actions."""

from enum import StrEnum


class OrgCallback(StrEnum):
    TEAM_FORM = "org_team_form"
    DEPARTMENT_FORM = "org_department_form"


class OrgAction(StrEnum):
    EDIT_TEAM = "org_edit_team"  # a static_select of teams in the App Home
    EDIT_DEPARTMENT = "org_edit_department"  # a static_select of departments
    NEW_DEPARTMENT = "org_new_department"
    FIELD = "org_field"


class OrgBlock(StrEnum):
    NAME = "name"
    DEPARTMENT = "department"
    MANAGERS = "managers"


NO_DEPARTMENT = "none"
