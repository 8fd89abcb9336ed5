"""Org listeners: HR names teams, makes departments and assigns managers from the App Home."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from slackapp.admin.access import can_administer
from slackapp.admin.operations import AdminRequest, admin_form_listener, admin_modal_listener
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.org.ids import NO_DEPARTMENT, OrgAction, OrgBlock, OrgCallback
from slackapp.org.service import (
    DEPARTMENT_GONE,
    OrgStructure,
    create_department,
    load_org,
    name_team,
    rename_department,
    set_department_managers,
    set_team_managers,
)
from slackapp.org.views import (
    build_department_form,
    build_department_options,
    build_team_form,
    build_team_options,
)
from slackapp.slack.forms import Submission
from slackapp.slack.payloads import selected_value


def register(app: App) -> None:
    app.action(OrgAction.EDIT_TEAM)(admin_modal_listener(_team_form))
    app.action(OrgAction.EDIT_DEPARTMENT)(admin_modal_listener(_department_form))
    app.action(OrgAction.NEW_DEPARTMENT)(admin_modal_listener(_department_form))
    app.options(OrgAction.EDIT_TEAM)(suggest_teams)
    app.options(OrgAction.EDIT_DEPARTMENT)(suggest_departments)
    app.options(OrgAction.PICK_DEPARTMENT)(suggest_departments)
    app.view(OrgCallback.TEAM_FORM)(admin_form_listener(_save_team, action_id=OrgAction.FIELD))
    app.view(OrgCallback.DEPARTMENT_FORM)(admin_form_listener(_save_department, action_id=OrgAction.FIELD))


TYPED_MAX = 100  # more than any team or department name (80); the rest of a pasted essay is ignored


def suggest_teams(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The teams matching what HR types in the App Home's team picker; no options for anyone else."""
    org = _org_for_admin(context, client, db)
    ack(options=build_team_options(org, _typed(body)) if org is not None else [])


def suggest_departments(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The departments matching what HR types in a department picker; no options for anyone else."""
    org = _org_for_admin(context, client, db)
    with_none = body.get("action_id") == OrgAction.PICK_DEPARTMENT  # the team form can clear it
    ack(options=build_department_options(org, _typed(body), with_none=with_none) if org is not None else [])


def _org_for_admin(context: BoltContext, client: WebClient, db: SessionFactory) -> OrgStructure | None:
    """The asking workspace's org structure for an admin, None for anyone else.

    Checked on the server: the options name every team and department, and a Home published while
    someone was an admin still shows them the pickers.
    """
    workspace_id = str(context.team_id)
    if not can_administer(db=db, client=client, workspace_id=workspace_id, user_id=str(context.user_id)):
        return None
    with db() as session:
        return load_org(session=session, workspace_id=workspace_id)


def _typed(body: dict[str, Any]) -> str:
    return str(body.get("value") or "")[:TYPED_MAX]


def _team_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The form of the team chosen in the App Home."""
    with admin.db() as session:
        org = load_org(session=session, workspace_id=admin.workspace_id)
    team = org.teams.get(selected_value(action))
    if team is None:
        raise NotFound("That channel has no check-in, so it is not a team yet.", title="Team not found")
    return build_team_form(team, org)


def _department_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The department form: empty for "New department", filled for one chosen from the list."""
    chosen = selected_value(action)
    with admin.db() as session:
        org = load_org(session=session, workspace_id=admin.workspace_id)
    department = next((d for d in org.departments.values() if str(d.id) == chosen), None)
    if chosen and department is None:
        raise NotFound(DEPARTMENT_GONE)
    return build_department_form(department, org)


def _save_team(form: Submission, admin: AdminRequest) -> None:
    """Save a team's name, department and managers; the service's problems shown beside their fields."""
    channel_id = str(form.metadata.get("channel_id") or "")
    # A form opened before the department became a typed-in picker still sends it as a plain field.
    department = form.selected(OrgBlock.DEPARTMENT, OrgAction.PICK_DEPARTMENT) or form.selected(
        OrgBlock.DEPARTMENT
    )
    try:
        department_id = None if department in ("", NO_DEPARTMENT) else uuid.UUID(department)
        with admin.db.begin() as session:
            name_team(
                session=session,
                workspace_id=admin.workspace_id,
                channel_id=channel_id,
                name=form.text(OrgBlock.NAME),
                department_id=department_id,
                now=utcnow(),
            )
            set_team_managers(
                session=session,
                workspace_id=admin.workspace_id,
                channel_id=channel_id,
                user_ids=_managers(form),
                assigned_by=admin.user_id,
                now=utcnow(),
            )
    except InvalidInput as invalid:
        raise InvalidInput({OrgBlock.NAME: invalid.errors.get("name", str(invalid))}) from None
    except (NotFound, ValueError) as missing:  # a department gone, or not an id
        raise InvalidInput({OrgBlock.DEPARTMENT: str(missing) or "Choose a department."}) from None


def _save_department(form: Submission, admin: AdminRequest) -> None:
    """Make or rename a department and set its managers."""
    # The service's errors are keyed "name", which is the name block's id.
    department_id = form.edited_id("department_id")
    with admin.db.begin() as session:
        if department_id is not None:
            department = rename_department(
                session=session,
                workspace_id=admin.workspace_id,
                department_id=department_id,
                name=form.text(OrgBlock.NAME),
            )
        else:
            department = create_department(
                session=session, workspace_id=admin.workspace_id, name=form.text(OrgBlock.NAME), now=utcnow()
            )
        set_department_managers(
            session=session,
            workspace_id=admin.workspace_id,
            department_id=department.id,
            user_ids=_managers(form),
            assigned_by=admin.user_id,
            now=utcnow(),
        )


def _managers(form: Submission) -> list[str]:
    return form.users(OrgBlock.MANAGERS)[:20]  # the form's limit, also for a hand-made submission
