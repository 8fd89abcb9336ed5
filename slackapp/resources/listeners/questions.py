"""Anonymous questions to a group's contact: asking, answering, and reporting an abusive one."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp.admin.service import list_kindred_admins
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.resources.ids import ANSWER_BLOCK, QUESTION_BLOCK, ResourceAction
from slackapp.resources.listeners.shared import (
    GONE,
    TRY_AGAIN,
    UNCONFIRMED,
    find_active_entry,
    required_id,
    send_dm,
    show_notice,
)
from slackapp.resources.relay import AskerKeys
from slackapp.resources.service import (
    ask_anonymously,
    asked_on,
    check_answer,
    forget_question,
    get_active_entry,
    get_question_for_contact,
    withdraw_question,
)
from slackapp.resources.views import (
    build_answer_message,
    build_answer_view,
    build_ask_view,
    build_question_message,
    build_question_report,
)
from slackapp.settings import Settings
from slackapp.slack.forms import Submission, show_field_errors
from slackapp.slack.notice import build_notice_view
from slackapp.slack.posting import may_have_taken_effect


def open_ask_anonymously(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """Open the anonymous-question form for a group."""
    ack()
    try:
        entry = find_active_entry(db, workspace_id=str(context.team_id), value=action.get("value"))
    except NotFound:
        show_notice(client, body, *GONE)
        return
    if not entry.contact_id:
        show_notice(client, body, "No contact yet", "This entry has no contact person to ask yet.")
        return
    view = build_ask_view(entry)
    if (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def send_anonymous_question(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Keep the question (and, sealed until it is answered, who asked), then relay it to the contact."""
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=ResourceAction.QUESTION_FIELD)
    question = form.text(QUESTION_BLOCK)
    try:
        with db.begin() as session:
            row = ask_anonymously(
                session=session,
                workspace_id=workspace_id,
                entry_id=required_id(form.metadata.get("entry_id")),
                asker_id=user_id,
                question=question,
                now=utcnow(),
                keys=AskerKeys(settings.require_secret_key()),
            )
            entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=row.entry_id)
            question_id, contact_id, text_ = str(row.id), row.contact_id, row.question
            message, blocks = build_question_message(entry, question_id, text_)
    except InvalidInput as invalid:
        show_field_errors(ack, {QUESTION_BLOCK: invalid.errors["question"]})
        return
    except NotFound as missing:
        ack(response_action="update", view=build_notice_view("Not available", str(missing)))
        return
    try:
        send_dm(client, contact_id, message, blocks)
    except (SlackApiError, OSError) as error:
        if may_have_taken_effect(error):
            # It may be in the contact's DM: kept, so its Answer button works if it arrived.
            show_field_errors(ack, {QUESTION_BLOCK: UNCONFIRMED.format(what="question")})
            return
        with db.begin() as session:
            withdraw_question(session=session, question_id=uuid.UUID(question_id))
        show_field_errors(ack, {QUESTION_BLOCK: "Your question couldn't be sent just now. Try again."})
        return
    ack(
        response_action="update",
        view=build_notice_view(
            "Question sent",
            "Your question was sent without your name. When the answer comes, Kindred will send it to you "
            "here and then delete the link between you and the question.",
        ),
    )


def open_answer_form(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The contact's "Answer" button on an anonymous question."""
    ack()
    try:
        with db() as session:
            row = get_question_for_contact(
                session=session,
                workspace_id=str(context.team_id),
                question_id=required_id(action.get("value")),
                contact_id=str(context.user_id),
                now=utcnow(),
            )
            question_id, question = str(row.id), row.question
    except NotFound as missing:
        client.views_open(
            trigger_id=body["trigger_id"], view=build_notice_view("Already answered", str(missing))
        )
        return
    client.views_open(trigger_id=body["trigger_id"], view=build_answer_view(question_id, question))


def send_answer(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Relay the answer to whoever asked, then delete the question and with it the link to them."""
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=ResourceAction.ANSWER_FIELD)
    try:
        answer = check_answer(form.text(ANSWER_BLOCK))
        with db() as session:
            row = get_question_for_contact(
                session=session,
                workspace_id=workspace_id,
                question_id=required_id(form.metadata.get("question_id")),
                contact_id=user_id,
                now=utcnow(),
            )
            question_id = row.id
            asker_id = AskerKeys(settings.require_secret_key()).open(row.asker_sealed)
            # Only for a group still in the directory (a removed one's questions are not answered).
            get_active_entry(session=session, workspace_id=workspace_id, entry_id=row.entry_id)
    except InvalidInput as invalid:
        show_field_errors(ack, {ANSWER_BLOCK: invalid.errors["answer"]})
        return
    except NotFound as missing:
        ack(response_action="update", view=build_notice_view("Already answered", str(missing)))
        return
    # The answer names neither the question nor its group or day: the asker's DM and the contact's must
    # not be matched in an export of Slack by anything they both say (tests/privacy/test_workspace_owner.py).
    text, blocks = build_answer_message(answer)
    try:
        send_dm(client, asker_id, text, blocks)
    except (SlackApiError, OSError) as error:
        failed = (
            UNCONFIRMED.format(what="answer")
            if may_have_taken_effect(error)
            else "Your answer couldn't be delivered just now. Try again."
        )
        show_field_errors(ack, {ANSWER_BLOCK: failed})
        return
    with db.begin() as session:
        forget_question(session=session, question_id=question_id)
    ack(
        response_action="update",
        view=build_notice_view(
            "Answer sent", "Your answer was delivered. Kindred has deleted the link to whoever asked."
        ),
    )


def report_question(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The contact reports an abusive question: HR gets its text and group, nobody gets who sent it."""
    ack()
    workspace_id, contact_id = str(context.team_id), str(context.user_id)
    try:
        with db() as session:
            row = get_question_for_contact(
                session=session,
                workspace_id=workspace_id,
                question_id=required_id(action.get("value")),
                contact_id=contact_id,
                now=utcnow(),
            )
            question_id, question, when = row.id, row.question, asked_on(row)
            entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=row.entry_id)
            admins = [
                a for a in list_kindred_admins(session=session, workspace_id=workspace_id) if a != contact_id
            ]
    except NotFound as missing:
        show_notice(client, body, "Already answered", str(missing))
        return
    if not admins:
        show_notice(
            client,
            body,
            "Nobody to report to",
            "This workspace has no Kindred admin to receive reports yet. Ask HR to set one up; the question "
            "is kept until you answer it or for 30 days.",
        )
        return
    text, blocks = build_question_report(entry, when, question)
    try:
        for admin in admins:
            send_dm(client, admin, text, blocks)
    except (SlackApiError, OSError):
        show_notice(client, body, "Couldn't report it", TRY_AGAIN)
        return
    with db.begin() as session:
        forget_question(session=session, question_id=question_id)
    show_notice(
        client,
        body,
        "Reported",
        "HR has the question and the group it was about. Nobody, HR included, can see who sent it. "
        "The question is deleted and needs no answer.",
    )
