"""Admin listeners: the professional-help contact and the list of Kindred admins."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from slackapp.admin.access import require_admin, require_admin_submission
from slackapp.admin.ids import PURGE_BLOCK, PURGE_WORD, AdminAction, AdminCallback, HelpBlock
from slackapp.admin.operations import AdminRequest, admin_form_listener, admin_modal_listener
from slackapp.admin.purge import purge_workspace
from slackapp.admin.service import (
    HelpContact,
    add_kindred_admin,
    get_help_contact,
    remove_kindred_admin,
    set_help_contact,
)
from slackapp.admin.views import build_help_form, build_purge_form
from slackapp.database import SessionFactory, utcnow
from slackapp.home.pages import pages_shown
from slackapp.home.publish import publish_home
from slackapp.settings import Settings
from slackapp.slack.forms import Submission, show_field_errors
from slackapp.slack.notice import build_notice_view


def register(app: App) -> None:
    app.action(AdminAction.EDIT_HELP)(admin_modal_listener(_help_form))
    app.view(AdminCallback.HELP_FORM)(
        admin_form_listener(_save_help_contact, action_id=AdminAction.HELP_FIELD)
    )
    app.action(AdminAction.ADD_ADMIN)(add_admin)
    app.action(AdminAction.REMOVE_ADMIN)(remove_admin)
    app.action(AdminAction.ASK_PURGE)(admin_modal_listener(_purge_form))
    app.view(AdminCallback.PURGE_FORM)(purge_all_data)


def _purge_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """Asks an admin to confirm deleting all of the workspace's data."""
    return build_purge_form()


def purge_all_data(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Delete every row of the workspace, once the admin has typed the confirmation word."""
    if not require_admin_submission(ack, client, context, db):
        return
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    typed = Submission(view, action_id=AdminAction.PURGE_CONFIRMATION).text(PURGE_BLOCK)
    if typed.strip() != PURGE_WORD:
        show_field_errors(ack, {PURGE_BLOCK: f"Type {PURGE_WORD} in capitals to confirm."})
        return
    with db.begin() as session:
        purge_workspace(session=session, workspace_id=workspace_id)
    ack(
        response_action="update",
        view=build_notice_view("Deleted", "All of this workspace's Kindred data is gone."),
    )
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def _help_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The professional-help form, filled in."""
    with admin.db() as session:
        contact = get_help_contact(session=session, workspace_id=admin.workspace_id)
    return build_help_form(contact)


def _save_help_contact(form: Submission, admin: AdminRequest) -> None:
    """Validate and save the contact (the service says what is wrong, by field)."""
    contact = HelpContact(
        name=form.text(HelpBlock.NAME), url=form.text(HelpBlock.URL), phone=form.text(HelpBlock.PHONE)
    )
    with admin.db.begin() as session:
        set_help_contact(
            session=session,
            workspace_id=admin.workspace_id,
            contact=contact,
            updated_by=admin.user_id,
            now=utcnow(),
        )


def add_admin(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Make the chosen person a Kindred admin."""
    ack()
    _change_admins(action.get("selected_user"), True, body, context, client, db, settings)


def remove_admin(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Remove someone from the Kindred admins."""
    ack()
    _change_admins(action.get("value"), False, body, context, client, db, settings)


def _change_admins(
    target: object,
    adding: bool,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    if not require_admin(client, body, context, db):
        return
    if not isinstance(target, str) or not target:
        return
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        if adding:
            add_kindred_admin(
                session=session, workspace_id=workspace_id, user_id=target, added_by=user_id, now=utcnow()
            )
        else:
            remove_kindred_admin(session=session, workspace_id=workspace_id, user_id=target)
    publish_home(
        client=client,
        db=db,
        settings=settings,
        workspace_id=workspace_id,
        user_id=user_id,
        pages=pages_shown(body.get("view")),
    )
