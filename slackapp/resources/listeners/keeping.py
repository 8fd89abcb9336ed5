"""HR keeping the directory: new and edited entries, archiving, restoring, and the audit log."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from slackapp.admin.access import NOT_AN_ADMIN, can_administer
from slackapp.admin.operations import AdminRequest
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.home.pages import pages_shown
from slackapp.home.publish import publish_home
from slackapp.resources.ids import NEEDS_APPROVAL_OPTION, EntryBlock
from slackapp.resources.listeners.shared import GONE, find_active_entry, required_id
from slackapp.resources.models import EntryKind
from slackapp.resources.service import (
    EntrySpec,
    create_entry,
    entry_errors,
    list_audit,
    set_entry_archived,
    split_list,
    update_entry,
)
from slackapp.resources.views import build_audit_view, build_entry_form
from slackapp.settings import Settings
from slackapp.slack.forms import Submission
from slackapp.slack.mrkdwn import escape
from slackapp.slack.notice import build_notice_view


def new_entry_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """An empty entry form."""
    return build_entry_form(None)


def entry_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The form of the entry whose Edit was pressed, filled in, or a notice that it has gone."""
    try:
        entry = find_active_entry(admin.db, workspace_id=admin.workspace_id, value=action.get("value"))
    except NotFound:
        return build_notice_view(*GONE)
    return build_entry_form(entry)


def _entry_spec_from(form: Submission) -> EntrySpec:
    return EntrySpec(
        kind=form.selected(EntryBlock.KIND),
        name=form.text(EntryBlock.NAME),
        description=form.text(EntryBlock.DESCRIPTION),
        channel_id=form.conversation(EntryBlock.CHANNEL) or None,
        contact_id=form.user(EntryBlock.CONTACT) or None,
        url=form.text(EntryBlock.URL),
        phone=form.text(EntryBlock.PHONE),
        support_kinds=form.checked(EntryBlock.SUPPORT_KINDS),
        tags=split_list(form.text(EntryBlock.TAGS)),
        regions=form.checked(EntryBlock.REGIONS),
        needs_approval=NEEDS_APPROVAL_OPTION in form.checked(EntryBlock.OPTIONS),
    )


def _channel_problem(client: WebClient, channel_id: str) -> tuple[str | None, bool]:
    """Check the chosen channel with Slack: (a problem in plain words or None, whether it is private)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") in ("channel_not_found", "not_in_channel"):
            return (
                "Kindred can't find that channel. If it's private, add Kindred to it first "
                "(type /invite @Kindred in the channel), then save again.",
                False,
            )
        return "Slack couldn't check that channel just now. Please save again in a moment.", False
    if channel.get("is_im") or channel.get("is_mpim"):
        return "Choose a channel, not a direct message.", False
    if channel.get("is_archived"):
        return "That channel is archived. Choose one people can still join.", False
    return None, bool(channel.get("is_private"))


def save_entry(form: Submission, admin: AdminRequest) -> None:
    """Create or update an entry, once its channel is checked with Slack; a problem changes nothing."""
    spec = _entry_spec_from(form)
    channel_errors: dict[str, str] = {}
    if spec.channel_id and spec.kind != EntryKind.PROFESSIONAL:
        problem, private = _channel_problem(admin.client, spec.channel_id)
        if problem:
            channel_errors[EntryBlock.CHANNEL] = problem
        elif private:  # nobody can be added to a private channel without its members: ask the contact
            spec = replace(spec, needs_approval=True)
    if errors := {**entry_errors(spec), **channel_errors}:
        raise InvalidInput(errors)
    entry_id = form.edited_id("entry_id")
    with admin.db.begin() as session:
        if entry_id is None:
            create_entry(
                session=session,
                workspace_id=admin.workspace_id,
                spec=spec,
                created_by=admin.user_id,
                now=utcnow(),
            )
        else:
            update_entry(
                session=session,
                workspace_id=admin.workspace_id,
                entry_id=entry_id,
                spec=spec,
                updated_by=admin.user_id,
                now=utcnow(),
            )


def _set_archived(
    archived: bool,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    in_modal = (body.get("view") or {}).get("type") == "modal"

    def show(title: str, text: str) -> None:
        if in_modal:
            client.views_update(view_id=body["view"]["id"], view=build_notice_view(title, text))
        else:
            client.views_open(trigger_id=body["trigger_id"], view=build_notice_view(title, text))

    if not can_administer(db=db, client=client, workspace_id=workspace_id, user_id=user_id):
        show("Admins only", NOT_AN_ADMIN)
        return
    try:
        with db.begin() as session:
            entry = set_entry_archived(
                session=session,
                workspace_id=workspace_id,
                entry_id=required_id(action.get("value")),
                archived=archived,
                by=user_id,
                now=utcnow(),
            )
            name = entry.name
    except NotFound:
        show(*GONE)
        return
    if in_modal:
        show(
            "Archived",
            f"*{escape(name)}* is archived: people no longer see it. You can restore it from the Home tab.",
        )
    publish_home(
        client=client,
        db=db,
        settings=settings,
        workspace_id=workspace_id,
        user_id=user_id,
        pages=pages_shown(body.get("view")),
    )


def archive_entry(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """ "Archive this entry" in the edit form: hidden from everyone, kept in the audit log."""
    ack()
    _set_archived(True, action, body, context, client, db, settings)


def restore_entry(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """ "Restore" on an archived entry in the Home tab."""
    ack()
    _set_archived(False, action, body, context, client, db, settings)


def audit_log(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The directory's audit log."""
    with admin.db() as session:
        rows = list_audit(session=session, workspace_id=admin.workspace_id)
    return build_audit_view(rows)
