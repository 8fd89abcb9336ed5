"""What an admin does from the App Home, checked on the server each time: a button on one item (Pause,
Resume, Send now, Delete…) done in one transaction, a modal opened, a form saved, and the Home redrawn."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from slackapp.admin.access import require_admin, require_admin_submission
from slackapp.database import SessionFactory
from slackapp.errors import NotFound
from slackapp.home.pages import pages_shown
from slackapp.home.publish import publish_home
from slackapp.settings import Settings
from slackapp.slack.forms import Submission
from slackapp.slack.modal_submissions import save_then_refresh_home
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import required_uuid


@dataclass(frozen=True)
class AdminRequest:
    """Someone the server has just checked is an admin: where and who they are, and what answers them."""

    workspace_id: str
    user_id: str
    client: WebClient
    db: SessionFactory


# (session, workspace id, the item's id, settings): does one thing to one item, or raises a refusal.
AdminOperation = Callable[[Session, str, uuid.UUID, Settings], None]
# (the admin, the button's action): the modal to open; a NotFound it raises opens a notice instead.
AdminModal = Callable[[AdminRequest, dict[str, Any]], View]
# (the form as submitted, the admin): reads the form and saves it in its own transaction, raising
# `InvalidInput` keyed by the form's block ids or `NotFound` (see save_then_refresh_home).
AdminSave = Callable[[Submission, AdminRequest], None]


def admin_operation_listener(
    operation: AdminOperation, *, gone: str, also_refused: tuple[type[Exception], ...] = ()
) -> Callable[..., None]:
    """A listener for an admin's button whose value is the id of the item it acts on.

    Args:
        gone: what to say when the button carries no readable id.
        also_refused: exceptions besides `NotFound` whose message is shown to the admin in a notice
            (nothing is done).
    """

    refusals: tuple[type[Exception], ...] = (NotFound, *also_refused)

    def run_admin_operation(
        ack: Ack,
        action: dict[str, Any],
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        db: SessionFactory,
        settings: Settings,
    ) -> None:
        """An admin's button on an item: checked on the server, done, and the App Home refreshed."""
        ack()
        if not require_admin(client, body, context, db):
            return
        workspace_id = str(context.team_id)
        try:
            item_id = required_uuid(action.get("value"), gone=gone)
            with db.begin() as session:
                operation(session, workspace_id, item_id, settings)
        except refusals as refused:
            client.views_open(trigger_id=body["trigger_id"], view=build_notice_view("Not done", str(refused)))
            return
        publish_home(
            client=client,
            db=db,
            settings=settings,
            workspace_id=workspace_id,
            user_id=str(context.user_id),
            pages=pages_shown(body.get("view")),  # stay on the page the button was on
        )

    return run_admin_operation


def admin_modal_listener(build: AdminModal) -> Callable[..., None]:
    """A listener for an admin's button that opens a modal: a form, empty or filled in, or a list."""

    def open_admin_modal(
        ack: Ack,
        action: dict[str, Any],
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        db: SessionFactory,
    ) -> None:
        """An admin's button that opens a modal: checked on the server, then the modal or why not."""
        ack()
        if not require_admin(client, body, context, db):
            return
        try:
            view = build(_admin_request(context, client, db), action)
        except NotFound as missing:
            view = build_notice_view(missing.title, str(missing))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return open_admin_modal


def admin_form_listener(save: AdminSave, *, action_id: str) -> Callable[..., None]:
    """A listener for an admin's form: saved and the App Home redrawn, or told in the form why not.

    Args:
        action_id: the action id the form's inputs share, to read them by (see `Submission`).
    """

    def save_admin_form(
        ack: Ack,
        view: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        db: SessionFactory,
        settings: Settings,
    ) -> None:
        """An admin's form submitted: checked on the server before anything is written, then saved."""
        if not require_admin_submission(ack, client, context, db):
            return
        form, admin = Submission(view, action_id=action_id), _admin_request(context, client, db)
        save_then_refresh_home(
            ack, lambda: save(form, admin), context=context, client=client, db=db, settings=settings
        )

    return save_admin_form


def _admin_request(context: BoltContext, client: WebClient, db: SessionFactory) -> AdminRequest:
    return AdminRequest(workspace_id=str(context.team_id), user_id=str(context.user_id), client=client, db=db)
