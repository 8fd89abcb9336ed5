"""Resource listeners: parse what Slack sent, call the service, render a view. Nothing more."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slackapp.admin.access import NOT_AN_ADMIN, can_administer, require_admin, require_admin_submission
from slackapp.admin.service import list_kindred_admins
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.home.pages import pages_shown, read_page_turn, read_pages
from slackapp.home.publish import publish_home
from slackapp.resources.home import person_region
from slackapp.resources.ids import (
    ANSWER_BLOCK,
    ANY,
    DM_EVENT,
    NEEDS_APPROVAL_OPTION,
    QUESTION_BLOCK,
    DirectoryBlock,
    DirectoryList,
    EntryBlock,
    ResourceAction,
    ResourceCallback,
)
from slackapp.resources.models import EntryKind, HowMany, ResourceEntry
from slackapp.resources.relay import AskerKeys
from slackapp.resources.service import (
    DirectoryFilter,
    EntrySpec,
    LifePart,
    MapLine,
    all_regions,
    all_tags,
    ask_anonymously,
    asked_on,
    check_answer,
    clear_support_map,
    create_entry,
    entry_errors,
    filter_entries,
    for_region_first,
    forget_question,
    get_active_entry,
    get_question_for_contact,
    get_support_map,
    list_audit,
    list_entries,
    record_join,
    save_support_map,
    set_entry_archived,
    set_region,
    split_list,
    update_entry,
    withdraw_question,
)
from slackapp.resources.views import (
    build_added_message,
    build_answer_message,
    build_answer_view,
    build_ask_view,
    build_audit_view,
    build_directory,
    build_entry_form,
    build_join_request_message,
    build_question_message,
    build_question_report,
    build_support_map_form,
    build_welcome_message,
    map_block_ids,
)
from slackapp.settings import Settings
from slackapp.slack.forms import Submission, show_field_errors
from slackapp.slack.modal_submissions import save_then_refresh_home
from slackapp.slack.mrkdwn import escape
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import parse_uuid, private_metadata
from slackapp.slack.posting import may_have_taken_effect, post_once
from slackapp.support import SupportKind

GONE = ("Not available", "That entry is no longer in the directory.")
STALE_FORM = ("Please start again", "This form is out of date. Open the entry again from the Home tab.")
TRY_AGAIN = "Slack didn't take that just now. Please try again in a moment."


def register(app: App) -> None:
    app.command("/resources")(resources_command)
    app.action(ResourceAction.BROWSE)(browse)
    for action in (ResourceAction.FILTER_KIND, ResourceAction.FILTER_TAG, ResourceAction.SEARCH):
        app.action(action)(refilter)
    app.action(ResourceAction.PREVIOUS_PAGE)(turn_directory_page)
    app.action(ResourceAction.NEXT_PAGE)(turn_directory_page)
    app.view(ResourceCallback.DIRECTORY)(search_directory)
    app.action(ResourceAction.OPEN_LINK)(acknowledge)
    app.action(ResourceAction.JOIN)(join_group)
    app.action(ResourceAction.ASK_TO_JOIN)(ask_to_join)
    app.action(ResourceAction.ADD_REQUESTER)(add_requester)
    app.action(ResourceAction.ASK_ANONYMOUSLY)(open_ask_anonymously)
    app.view(ResourceCallback.ASK_ANONYMOUSLY)(send_anonymous_question)
    app.action(ResourceAction.ANSWER_QUESTION)(open_answer_form)
    app.action(ResourceAction.REPORT_QUESTION)(report_question)
    app.view(ResourceCallback.ANSWER)(send_answer)
    app.action(ResourceAction.CHOOSE_REGION)(choose_region)
    app.action(ResourceAction.EDIT_SUPPORT_MAP)(open_support_map)
    app.view(ResourceCallback.SUPPORT_MAP)(save_map)
    app.action(ResourceAction.CLEAR_SUPPORT_MAP)(clear_map)
    app.action(ResourceAction.NEW_ENTRY)(open_new_entry_form)
    app.action(ResourceAction.EDIT_ENTRY)(open_edit_entry_form)
    app.view(ResourceCallback.ENTRY_FORM)(save_entry)
    app.action(ResourceAction.ARCHIVE_ENTRY)(archive_entry)
    app.action(ResourceAction.RESTORE_ENTRY)(restore_entry)
    app.action(ResourceAction.SHOW_AUDIT_LOG)(show_audit_log)


def acknowledge(ack: Ack) -> None:
    """A link button: Slack opens the link; we only confirm receipt."""
    ack()


# -- everyone: the directory -----------------------------------------------------------------------------


def _directory(
    *,
    client: WebClient,
    db: SessionFactory,
    workspace_id: str,
    user_id: str,
    wanted: DirectoryFilter,
    region: str | None = None,
    region_known: bool = False,
    pages: Mapping[DirectoryList, int] | None = None,
) -> View:
    with db() as session:
        entries = list_entries(session=session, workspace_id=workspace_id)
    if not region_known:
        region = person_region(
            client=client, db=db, workspace_id=workspace_id, user_id=user_id, entries=entries
        )
    professional = [e for e in entries if e.kind is EntryKind.PROFESSIONAL]
    groups = [e for e in entries if e.kind is not EntryKind.PROFESSIONAL]
    return build_directory(
        professional=for_region_first(professional, region),
        groups=filter_entries(groups, wanted),
        tags=all_tags(groups),
        wanted=wanted,
        region=region,
        pages=pages,
    )


def resources_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """`/resources [words]`: the directory in a modal, searched for the words if any."""
    ack()
    wanted = DirectoryFilter(text=str(command.get("text") or "").strip()[:100])
    view = _directory(
        client=client, db=db, workspace_id=str(context.team_id), user_id=str(context.user_id), wanted=wanted
    )
    client.views_open(trigger_id=command["trigger_id"], view=view)


def browse(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The App Home's "Browse groups and help"."""
    ack()
    view = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=DirectoryFilter(),
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _filter_from(values: dict[str, Any]) -> DirectoryFilter:
    """The filters as the person has just set them in the modal."""

    def selected(block: DirectoryBlock, action: ResourceAction) -> object:
        element = values.get(block, {}).get(action) or {}
        option = element.get("selected_option") or {}
        return option.get("value") if isinstance(option, dict) else None

    return _checked_filter(
        kind=selected(DirectoryBlock.KIND, ResourceAction.FILTER_KIND),
        tag=selected(DirectoryBlock.TAG, ResourceAction.FILTER_TAG),
        text=(values.get(DirectoryBlock.SEARCH, {}).get(ResourceAction.SEARCH) or {}).get("value"),
    )


def _shown_filter(view: dict[str, Any]) -> DirectoryFilter:
    """The filters the directory was last drawn with (kept in its metadata), whatever was typed since."""
    shown = private_metadata(view).get("filter")
    if not isinstance(shown, dict):
        return DirectoryFilter()
    return _checked_filter(kind=shown.get("kind"), tag=shown.get("tag"), text=shown.get("text"))


def _checked_filter(*, kind: object, tag: object, text: object) -> DirectoryFilter:
    support_kind = (
        SupportKind(kind) if isinstance(kind, str) and kind in {k.value for k in SupportKind} else None
    )
    tag = str(tag)[:30] if tag and tag != ANY else None
    return DirectoryFilter(support_kind=support_kind, tag=tag, text=str(text or "")[:100])


def _region_from(view: dict[str, Any]) -> str | None:
    region = private_metadata(view).get("region")
    return str(region)[:60] if region else None


def _pages_from(view: dict[str, Any]) -> dict[DirectoryList, int]:
    return read_pages(private_metadata(view).get("pages"), DirectoryList)


def _redraw(client: WebClient, view: dict[str, Any], updated: View) -> None:
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":  # a newer click already redrew it
            raise


def refilter(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """A filter changed (or Enter in the search box): show the matching groups in the same modal."""
    ack()
    view = body.get("view") or {}
    updated = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=_filter_from(view.get("state", {}).get("values", {})),
        region=_region_from(view),
        region_known=True,
        pages=_professional_page_kept(view),
    )
    _redraw(client, view, updated)


def _professional_page_kept(view: dict[str, Any]) -> dict[DirectoryList, int]:
    """New filters start the groups on their first page; professional help, never filtered, stays put."""
    return {DirectoryList.PROFESSIONAL: _pages_from(view).get(DirectoryList.PROFESSIONAL, 0)}


def turn_directory_page(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """A directory list's Previous or Next: the same modal and filters, that list on the page asked for."""
    ack()
    view = body.get("view") or {}
    if view.get("type") != "modal" or not view.get("id"):
        return
    pages = _pages_from(view)
    if (turn := read_page_turn(action.get("value"), DirectoryList)) is not None:
        directory_list, number = turn
        pages[directory_list] = number
    updated = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=_shown_filter(view),
        region=_region_from(view),
        region_known=True,
        pages=pages,
    )
    _redraw(client, view, updated)


def search_directory(
    ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The directory's Search button: redraw it for the filters, keeping it open."""
    updated = _directory(
        client=client,
        db=db,
        workspace_id=str(context.team_id),
        user_id=str(context.user_id),
        wanted=_filter_from(view.get("state", {}).get("values", {})),
        region=_region_from(view),
        region_known=True,
        pages=_professional_page_kept(view),
    )
    ack(response_action="update", view=updated)


def _send_dm(client: WebClient, person: str, text: str, blocks: Sequence[Block], *, tries: int = 1) -> None:
    """A DM, by default tried once: someone waits for the answer and can try again themselves.

    The key is made for this one message, so its metadata names nothing.
    """
    post_once(
        client,
        channel=person,
        text=text,
        blocks=blocks,
        event_type=DM_EVENT,
        key=uuid.uuid4().hex,
        tries=tries,
    )


def _show(client: WebClient, body: dict[str, Any], title: str, text: str) -> None:
    """A notice on top of the modal the click came from, or in a new one from the Home tab or a message."""
    notice = build_notice_view(title, text)
    if (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=notice)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=notice)


# After a failure that leaves it open whether Slack delivered a DM. Kindred does not read DMs to find out
# (no *:history scope, docs/anonymity.md rule 8), so it says so, and a second try may deliver it twice.
UNCONFIRMED = (
    "Slack didn't confirm that your {what} arrived, though it may have. Send it again only if you want "
    "to be sure: it may then arrive twice."
)

JOIN_FAILURES = {
    "not_in_channel": "Kindred isn't a member of <#{channel}> itself, so it can't add you. "
    "Open the channel and join it from there{contact}.",
    "channel_not_found": "Kindred can't see <#{channel}> any more, so it can't add you{contact}.",
    "already_in_channel": "You're already in <#{channel}> - see you there.",
    "is_archived": "<#{channel}> has been archived, so nobody can join it right now{contact}.",
}


def _archived_message(entry: ResourceEntry) -> str:
    contact = f", or ask <@{entry.contact_id}>" if entry.contact_id else ""
    return JOIN_FAILURES["is_archived"].format(channel=entry.channel_id, contact=contact)


def join_group(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """ "Join" on a group with a public channel: Kindred adds the person to it."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    entry_id = parse_uuid(action.get("value"))
    try:
        with db() as session:
            entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=_required(entry_id))
    except NotFound:
        _show(client, body, *GONE)
        return
    if not entry.channel_id or entry.needs_approval:
        _show(client, body, "Ask to join", "This group's channel is private: use Ask to join instead.")
        return
    if entry.channel_archived_at is not None:
        # A Join button from before the worker found the channel archived (an old directory message or
        # Home tab): Slack would refuse the invite anyway, so it isn't asked.
        _show(client, body, "Unavailable for now", _archived_message(entry))
        return
    try:
        client.conversations_invite(channel=entry.channel_id, users=user_id)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        contact = f", or ask <@{entry.contact_id}>" if entry.contact_id else ""
        message = JOIN_FAILURES.get(code, TRY_AGAIN).format(channel=entry.channel_id, contact=contact)
        _show(
            client, body, "You're already in" if code == "already_in_channel" else "Couldn't add you", message
        )
        return
    with db.begin() as session:
        record_join(session=session, entry_id=entry.id, now=utcnow())
    _show(
        client, body, "You're in", f"You've joined <#{entry.channel_id}>. Welcome to *{escape(entry.name)}*!"
    )


def ask_to_join(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """ "Ask to join" on a private group: a DM to its contact, with no reason asked or given."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    try:
        with db() as session:
            entry = get_active_entry(
                session=session,
                workspace_id=workspace_id,
                entry_id=_required(parse_uuid(action.get("value"))),
            )
    except NotFound:
        _show(client, body, *GONE)
        return
    if entry.channel_archived_at is not None:
        # The contact could not add anyone to an archived channel: don't send them a request they
        # can't act on.
        _show(client, body, "Unavailable for now", _archived_message(entry))
        return
    if not entry.contact_id or not entry.channel_id:
        _show(
            client,
            body,
            "No contact yet",
            "This group has no contact person to ask yet. Your HR team can add one.",
        )
        return
    text, blocks = build_join_request_message(entry, user_id)
    try:
        _send_dm(client, entry.contact_id, text, blocks)
    except (SlackApiError, OSError) as error:
        if may_have_taken_effect(error):
            _show(client, body, "Not confirmed", UNCONFIRMED.format(what="request"))
        else:
            _show(
                client,
                body,
                "Not sent",
                "Your request couldn't be sent just now. Please try again in a moment.",
            )
        return
    _show(
        client,
        body,
        "Request sent",
        f"Your request to join *{escape(entry.name)}* was sent to <@{entry.contact_id}>. "
        "They'll add you to the channel - no need to explain anything.",
    )


ADD_FAILURES = {
    "not_in_channel": "Kindred isn't a member of <#{channel}>, so it can't add <@{user}>. "
    "Add them yourself with `/invite <@{user}>` in the channel.",
    "channel_not_found": "Kindred can't see <#{channel}>, so it can't add <@{user}>. "
    "Add them yourself with `/invite <@{user}>` in the channel.",
    "already_in_channel": "<@{user}> is already in <#{channel}>.",
    "is_archived": "<#{channel}> has been archived, so nobody can be added to it.",
}


def add_requester(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The contact's "Add them to the channel" on a request to join: only that contact may do it."""
    ack()
    workspace_id, contact_id = str(context.team_id), str(context.user_id)
    try:
        request = json.loads(str(action.get("value") or "{}"))
        requester = str(request["user_id"])[:32]
        with db() as session:
            entry = get_active_entry(
                session=session,
                workspace_id=workspace_id,
                entry_id=_required(parse_uuid(request["entry_id"])),
            )
    except (ValueError, KeyError, TypeError, NotFound):
        _show(client, body, *GONE)
        return
    if entry.contact_id != contact_id or not entry.channel_id:
        _show(
            client, body, "Not yours to approve", "Only the group's contact person can approve this request."
        )
        return
    try:
        client.conversations_invite(channel=entry.channel_id, users=requester)
    except SlackApiError as error:
        code = str(error.response.get("error"))
        _show(
            client,
            body,
            "Couldn't add them",
            ADD_FAILURES.get(code, TRY_AGAIN).format(channel=entry.channel_id, user=requester),
        )
        return
    with db.begin() as session:
        record_join(session=session, entry_id=entry.id, now=utcnow())
    text, blocks = build_added_message(entry, requester)
    respond(replace_original=True, text=text, blocks=[b.to_dict() for b in blocks])
    welcome, welcome_blocks = build_welcome_message(entry)
    _send_dm(client, requester, welcome, welcome_blocks, tries=3)  # the contact has their answer already


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
        with db() as session:
            entry = get_active_entry(
                session=session,
                workspace_id=str(context.team_id),
                entry_id=_required(parse_uuid(action.get("value"))),
            )
    except NotFound:
        _show(client, body, *GONE)
        return
    if not entry.contact_id:
        _show(client, body, "No contact yet", "This entry has no contact person to ask yet.")
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
                entry_id=_required(parse_uuid(form.metadata.get("entry_id"))),
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
        _send_dm(client, contact_id, message, blocks)
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
                question_id=_required(parse_uuid(action.get("value"))),
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
                question_id=_required(parse_uuid(form.metadata.get("question_id"))),
                contact_id=user_id,
                now=utcnow(),
            )
            question_id, when = row.id, asked_on(row)
            asker_id = AskerKeys(settings.require_secret_key()).open(row.asker_sealed)
            entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=row.entry_id)
            entry_name = entry.name
    except InvalidInput as invalid:
        show_field_errors(ack, {ANSWER_BLOCK: invalid.errors["answer"]})
        return
    except NotFound as missing:
        ack(response_action="update", view=build_notice_view("Already answered", str(missing)))
        return
    # The answer names the group and the day, never the question: the asker's DM and the contact's
    # must not be matched by their text in an export of Slack.
    text, blocks = build_answer_message(entry_name, when, answer)
    try:
        _send_dm(client, asker_id, text, blocks)
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
                question_id=_required(parse_uuid(action.get("value"))),
                contact_id=contact_id,
                now=utcnow(),
            )
            question_id, question, when = row.id, row.question, asked_on(row)
            entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=row.entry_id)
            admins = [
                a for a in list_kindred_admins(session=session, workspace_id=workspace_id) if a != contact_id
            ]
    except NotFound as missing:
        _show(client, body, "Already answered", str(missing))
        return
    if not admins:
        _show(
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
            _send_dm(client, admin, text, blocks)
    except (SlackApiError, OSError):
        _show(client, body, "Couldn't report it", TRY_AGAIN)
        return
    with db.begin() as session:
        forget_question(session=session, question_id=question_id)
    _show(
        client,
        body,
        "Reported",
        "HR has the question and the group it was about. Nobody, HR included, can see who sent it. "
        "The question is deleted and needs no answer.",
    )


def choose_region(
    ack: Ack,
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """A person picks their region in the Home tab; professional help for it is listed first from now on."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    chosen = str((action.get("selected_option") or {}).get("value") or "")
    with db.begin() as session:
        known = all_regions(list_entries(session=session, workspace_id=workspace_id))
        if chosen not in known:
            return
        set_region(session=session, workspace_id=workspace_id, user_id=user_id, region=chosen)
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


# -- my support map --------------------------------------------------------------------------------------


def open_support_map(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """Open the person's own support map, filled in as they left it."""
    ack()
    with db() as session:
        support_map = get_support_map(
            session=session, workspace_id=str(context.team_id), user_id=str(context.user_id)
        )
    client.views_open(trigger_id=body["trigger_id"], view=build_support_map_form(support_map))


def save_map(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Save the person's support map (theirs alone) and draw it in their Home tab."""
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=ResourceAction.MAP_HOW_MANY)
    lines: dict[SupportKind, MapLine] = {}
    errors: dict[str, str] = {}
    for kind in SupportKind:
        how_block, from_block = map_block_ids(kind)
        how = form.selected(how_block)
        picked = form.checked(from_block, ResourceAction.MAP_FROM_WHERE)
        parts = tuple(LifePart(value) for value in picked if value in {p.value for p in LifePart})
        if how in {h.value for h in HowMany}:
            lines[kind] = MapLine(how_many=HowMany(how), from_where=parts)
        elif parts:
            errors[how_block] = "Choose how many people, or leave the parts of life empty."
    if show_field_errors(ack, errors):
        return
    with db.begin() as session:
        save_support_map(session=session, workspace_id=workspace_id, user_id=user_id, lines=lines)
    ack()
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def clear_map(
    ack: Ack, context: BoltContext, client: WebClient, db: SessionFactory, settings: Settings
) -> None:
    """One click, and the person's support map is gone."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        clear_support_map(session=session, workspace_id=workspace_id, user_id=user_id)
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


# -- HR: keeping the directory ---------------------------------------------------------------------------


def open_new_entry_form(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """Open an empty entry form for an admin."""
    ack()
    if not require_admin(client, body, context, db):
        return
    client.views_open(trigger_id=body["trigger_id"], view=build_entry_form(None))


def open_edit_entry_form(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """Open an entry's form, filled in, for an admin."""
    ack()
    if not require_admin(client, body, context, db):
        return
    try:
        with db() as session:
            entry = get_active_entry(
                session=session,
                workspace_id=str(context.team_id),
                entry_id=_required(parse_uuid(action.get("value"))),
            )
    except NotFound:
        client.views_open(trigger_id=body["trigger_id"], view=build_notice_view(*GONE))
        return
    client.views_open(trigger_id=body["trigger_id"], view=build_entry_form(entry))


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


def save_entry(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Create or update an entry; invalid fields are shown inline, in plain words, and nothing changes."""
    if not require_admin_submission(ack, client, context, db):
        return
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=ResourceAction.ENTRY_FIELD)
    spec = _entry_spec_from(form)
    channel_errors: dict[str, str] = {}
    if spec.channel_id and spec.kind != EntryKind.PROFESSIONAL:
        problem, private = _channel_problem(client, spec.channel_id)
        if problem:
            channel_errors[EntryBlock.CHANNEL] = problem
        elif private:  # nobody can be added to a private channel without its members: ask the contact
            spec = replace(spec, needs_approval=True)
    if show_field_errors(ack, {**entry_errors(spec), **channel_errors}):
        return
    metadata = form.metadata
    entry_id = parse_uuid(metadata.get("entry_id"))
    if (view.get("private_metadata") and not metadata) or (metadata.get("entry_id") and entry_id is None):
        # A tampered or garbled form must not quietly become a new entry.
        ack(response_action="update", view=build_notice_view(*STALE_FORM))
        return

    def save() -> None:
        with db.begin() as session:
            if entry_id is None:
                create_entry(
                    session=session, workspace_id=workspace_id, spec=spec, created_by=user_id, now=utcnow()
                )
            else:
                update_entry(
                    session=session,
                    workspace_id=workspace_id,
                    entry_id=entry_id,
                    spec=spec,
                    updated_by=user_id,
                    now=utcnow(),
                )

    save_then_refresh_home(ack, save, context=context, client=client, db=db, settings=settings)


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
                entry_id=_required(parse_uuid(action.get("value"))),
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


def show_audit_log(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The directory's audit log, for admins."""
    ack()
    if not require_admin(client, body, context, db):
        return
    with db() as session:
        rows = list_audit(session=session, workspace_id=str(context.team_id))
    client.views_open(trigger_id=body["trigger_id"], view=build_audit_view(rows))


# -- helpers ---------------------------------------------------------------------------------------------


def _required(value: uuid.UUID | None) -> uuid.UUID:
    if value is None:
        raise NotFound("That entry is no longer in the directory.")
    return value
