"""Pairing listeners: parse what Slack sent, call the service, render a view. Nothing more."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.admin.access import require_admin, require_admin_submission
from slackapp.admin.operations import (
    AdminOperation,
    AdminRequest,
    admin_form_listener,
    admin_modal_listener,
    admin_operation_listener,
)
from slackapp.cadence.form import chosen_timezone
from slackapp.cadence.schedule import Cadence
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput, NotFound
from slackapp.home.publish import publish_home
from slackapp.org.service import load_org
from slackapp.pairing.ids import (
    CROSS_TEAM_OPTION,
    SKIP_OPTION,
    PairingAction,
    PairingCallback,
    PreferencesBlock,
    ProgrammeBlock,
)
from slackapp.pairing.jobs import channel_members, directory_from
from slackapp.pairing.models import Outcome
from slackapp.pairing.service import (
    PROGRAMME_GONE,
    Preferences,
    ProgrammeSpec,
    come_back,
    create_programme,
    delete_programme,
    get_profile,
    get_programme,
    leave,
    list_programmes,
    mark_met,
    memberships_of,
    preview_next_round,
    record_outcome,
    run_round_now,
    save_preferences,
    set_programme_paused,
    update_programme,
    what_we_hold,
)
from slackapp.pairing.views import (
    build_held_data,
    build_preferences_modal,
    build_preview,
    build_programme_form,
    build_thanks,
)
from slackapp.settings import Settings
from slackapp.slack.forms import Submission, show_field_errors
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import parse_uuid, private_metadata, required_uuid
from slackapp.slack.people import person_timezone
from slackapp.support import SupportKind

LEFT = (
    "You've left",
    "You've left peer support. Your preferences, your private list and your pairing history are deleted.",
)
OUTCOMES = {
    PairingAction.OUTCOME_MET: Outcome.MET,
    PairingAction.OUTCOME_NOT_YET: Outcome.NOT_YET,
    PairingAction.OUTCOME_COULD_NOT_MEET: Outcome.COULD_NOT_MEET,
}


def register(app: App) -> None:
    app.command("/peers")(peers_command)
    app.action(PairingAction.OPEN_PREFERENCES)(open_preferences)
    app.action(PairingAction.JOIN)(join_from_announcement)
    app.view(PairingCallback.PREFERENCES)(save_my_preferences)
    app.action(PairingAction.SHOW_HELD)(show_what_we_hold)
    app.action(PairingAction.LEAVE)(leave_peer_support)
    app.action(PairingAction.COME_BACK)(come_back_in)
    app.action(PairingAction.WE_MET)(we_met)
    for action in OUTCOMES:
        app.action(action)(answer_follow_up)
    app.action(PairingAction.NEW_PROGRAMME)(admin_modal_listener(_new_programme_form))
    app.action(PairingAction.EDIT_PROGRAMME)(admin_modal_listener(_programme_form))
    app.view(PairingCallback.PROGRAMME_FORM)(
        admin_form_listener(_save_programme, action_id=PairingAction.FIELD)
    )
    app.action(PairingAction.PREVIEW_PROGRAMME)(preview_programme)
    app.view(PairingCallback.RUN_NOW)(run_now)
    for action, operation in _PROGRAMME_OPERATIONS.items():
        app.action(action)(admin_operation_listener(operation, gone=PROGRAMME_GONE))


# -- people --------------------------------------------------------------------------------------------


def peers_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """`/peers`: your peer-support settings in a modal."""
    ack()
    _open_preferences(client, command["trigger_id"], db, str(context.team_id), str(context.user_id))


def open_preferences(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """The App Home's button."""
    ack()
    _open_preferences(client, body["trigger_id"], db, str(context.team_id), str(context.user_id))


def join_from_announcement(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The announcement's "Count me in": the settings modal with this programme ticked, ready to save."""
    ack()
    workspace_id = str(context.team_id)
    try:
        programme_id = required_uuid(action.get("value"), gone=PROGRAMME_GONE)
        with db() as session:
            get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
    except NotFound as missing:
        client.views_open(trigger_id=body["trigger_id"], view=build_notice_view(missing.title, str(missing)))
        return
    _open_preferences(client, body["trigger_id"], db, workspace_id, str(context.user_id), also=programme_id)


def _open_preferences(
    client: WebClient,
    trigger_id: str,
    db: SessionFactory,
    workspace_id: str,
    user_id: str,
    also: uuid.UUID | None = None,
) -> None:
    with db() as session:
        programmes = list_programmes(session=session, workspace_id=workspace_id)
        joined = memberships_of(session=session, workspace_id=workspace_id, user_id=user_id)
        profile = get_profile(session=session, workspace_id=workspace_id, user_id=user_id)
    if also is not None:
        joined.add(also)
    view = build_preferences_modal(programmes=programmes, joined={str(p) for p in joined}, profile=profile)
    client.views_open(trigger_id=trigger_id, view=view)


def save_my_preferences(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Save preferences and opt-ins; errors shown inline, in plain words, and nothing changed."""
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    form = Submission(view, action_id=PairingAction.FIELD)
    errors: dict[str, str] = {}
    preferences, programme_ids, today = (
        _preferences_from(form, errors),
        _programmes_from(form),
        _today(client, user_id),
    )
    with db() as session:
        programmes = {p.id: p for p in list_programmes(session=session, workspace_id=workspace_id)}
        already = memberships_of(session=session, workspace_id=workspace_id, user_id=user_id)
    for programme_id in programme_ids - already:
        programme = programmes.get(programme_id)
        if programme is not None and not _is_member(client, programme.channel_id, user_id):
            errors[PreferencesBlock.PROGRAMMES] = (
                f"Join <#{programme.channel_id}> first: its programme is for its members."
            )
    if show_field_errors(ack, errors):
        return
    try:
        with db.begin() as session:
            save_preferences(
                session=session,
                workspace_id=workspace_id,
                user_id=user_id,
                preferences=preferences,
                programme_ids=programme_ids,
                now=utcnow(),
                today=today,
            )
    except InvalidInput as invalid:
        known = {block.value for block in PreferencesBlock}
        shown = {block: message for block, message in invalid.errors.items() if block in known}
        show_field_errors(ack, shown or {PreferencesBlock.SEEKS: "Please check your choices."})
        return
    ack()
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def _preferences_from(form: Submission, errors: dict[str, str]) -> Preferences:
    def kinds(block: PreferencesBlock) -> frozenset[SupportKind]:
        chosen: set[SupportKind] = set()
        for value in form.checked(block):
            try:
                chosen.add(SupportKind(value))
            except ValueError:
                errors[block] = "Choose from the list."
        return frozenset(chosen)

    paused_until: date | None = None
    raw_date = form.date(PreferencesBlock.PAUSED_UNTIL)
    if raw_date:
        try:
            paused_until = date.fromisoformat(raw_date)
        except ValueError:
            errors[PreferencesBlock.PAUSED_UNTIL] = "Choose a date from the calendar."
    return Preferences(
        seeks=kinds(PreferencesBlock.SEEKS),
        offers=kinds(PreferencesBlock.OFFERS),
        topics=form.text(PreferencesBlock.TOPICS) or None,
        avoid=frozenset(form.users(PreferencesBlock.AVOID)),
        paused_until=paused_until,
        skip_next_round=SKIP_OPTION in form.checked(PreferencesBlock.SKIP_NEXT),
    )


def _programmes_from(form: Submission) -> set[uuid.UUID]:
    chosen = {parse_uuid(value) for value in form.checked(PreferencesBlock.PROGRAMMES)}
    return {c for c in chosen if c is not None}


def _today(client: WebClient, user_id: str) -> date:
    """Today where the person is (a pause "until Friday" means their Friday)."""
    timezone = person_timezone(client, user_id) or "UTC"
    try:
        return utcnow().astimezone(ZoneInfo(timezone)).date()
    except (ValueError, KeyError):
        return utcnow().date()


def _is_member(client: WebClient, channel_id: str, user_id: str) -> bool:
    try:
        return user_id in channel_members(client, channel_id)
    except SlackApiError:
        return False


def show_what_we_hold(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, db: SessionFactory
) -> None:
    """Everything Kindred holds about your pairing, on top of the settings modal."""
    ack()
    with db() as session:
        held = what_we_hold(session=session, workspace_id=str(context.team_id), user_id=str(context.user_id))
    client.views_push(trigger_id=body["trigger_id"], view=build_held_data(held))


def leave_peer_support(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """Leave: delete everything pairing holds about you, then say so."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        leave(session=session, workspace_id=workspace_id, user_id=user_id)
    view_id = (body.get("view") or {}).get("id")
    if view_id:
        client.views_update(view_id=str(view_id), view=build_notice_view(*LEFT))
    publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def come_back_in(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """One click back after a pause for unanswered introductions."""
    ack()
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    with db.begin() as session:
        held = come_back(session=session, workspace_id=workspace_id, user_id=user_id, now=utcnow())
    channel = (body.get("channel") or {}).get("id")
    if channel:
        text = (
            "Welcome back! You'll be introduced again from the next round."
            if held
            else "You're not in peer support at the moment: type `/peers` to join."
        )
        client.chat_postMessage(channel=str(channel), text=text)
    else:
        publish_home(client=client, db=db, settings=settings, workspace_id=workspace_id, user_id=user_id)


def we_met(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The introduction's "We met": recorded once, and said in the thread."""
    ack()
    _record(action, body, context, client, db, Outcome.MET, via_we_met=True)


def answer_follow_up(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """The follow-up's answer: met, not yet, or couldn't meet."""
    ack()
    outcome = OUTCOMES.get(PairingAction(str(action.get("action_id"))), Outcome.NOT_YET)
    _record(action, body, context, client, db, outcome, via_we_met=False)


def _record(
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    outcome: Outcome,
    *,
    via_we_met: bool,
) -> None:
    workspace_id, user_id = str(context.team_id), str(context.user_id)
    channel = str((body.get("channel") or {}).get("id") or user_id)
    try:
        group_id = required_uuid(action.get("value"), gone="That introduction no longer exists.")
        with db.begin() as session:
            if via_we_met:
                changed = mark_met(
                    session=session,
                    workspace_id=workspace_id,
                    group_id=group_id,
                    user_id=user_id,
                    now=utcnow(),
                )
            else:
                record_outcome(
                    session=session,
                    workspace_id=workspace_id,
                    group_id=group_id,
                    user_id=user_id,
                    outcome=outcome,
                    now=utcnow(),
                )
                changed = True
    except NotFound as missing:
        client.chat_postEphemeral(channel=channel, user=user_id, text=str(missing))
        return
    if changed:
        thread = (body.get("message") or {}).get("ts")
        kwargs: dict[str, Any] = {"thread_ts": str(thread)} if thread else {}
        client.chat_postMessage(channel=channel, text=build_thanks(user_id, outcome), **kwargs)


# -- HR ------------------------------------------------------------------------------------------------


def _new_programme_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """An empty programme form, its schedule in the admin's own time zone."""
    return build_programme_form(None, default_timezone=person_timezone(admin.client, admin.user_id) or "UTC")


def _programme_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The form of the programme whose Edit was pressed, filled in."""
    programme_id = required_uuid(action.get("value"), gone=PROGRAMME_GONE)
    with admin.db() as session:
        programme = get_programme(session=session, workspace_id=admin.workspace_id, programme_id=programme_id)
    return build_programme_form(programme, default_timezone=programme.timezone)


def _save_programme(form: Submission, admin: AdminRequest) -> None:
    """Create or update a programme."""
    spec = _programme_spec_from(form)
    programme_id = form.edited_id("programme_id")
    with admin.db.begin() as session:
        if programme_id is None:
            create_programme(
                session=session,
                workspace_id=admin.workspace_id,
                spec=spec,
                created_by=admin.user_id,
                now=utcnow(),
            )
        else:
            update_programme(
                session=session,
                workspace_id=admin.workspace_id,
                programme_id=programme_id,
                spec=spec,
                now=utcnow(),
            )


def _programme_spec_from(form: Submission) -> ProgrammeSpec:
    errors: dict[str, str] = {}
    cadence = Cadence.WEEKLY
    try:
        cadence = Cadence(form.selected(ProgrammeBlock.CADENCE))
    except ValueError:
        errors[ProgrammeBlock.CADENCE] = "Choose how often people are introduced."
    window = form.selected(ProgrammeBlock.REPEAT_WINDOW)
    if not window.isdigit() or len(window) > 3:
        errors[ProgrammeBlock.REPEAT_WINDOW] = "Choose how many rounds before a pair may meet again."
    if errors:
        raise InvalidInput(errors)
    weekday = form.selected(ProgrammeBlock.WEEKDAY)
    return ProgrammeSpec(
        channel_id=form.conversation(ProgrammeBlock.CHANNEL),
        cadence=cadence,
        weekday=int(weekday) if weekday.isdigit() and len(weekday) == 1 else -1,
        local_time=form.time(ProgrammeBlock.LOCAL_TIME),
        timezone=chosen_timezone(form.element(ProgrammeBlock.TIMEZONE)),
        repeat_window=int(window),
        prefer_cross_team=CROSS_TEAM_OPTION in form.checked(ProgrammeBlock.OPTIONS),
    )


def preview_programme(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """HR's preview of the next round, in counts. A placeholder opens at once (the trigger
    expires in three seconds); the groups replace it once Slack has said who is in the channel."""
    ack()
    if not require_admin(client, body, context, db):
        return
    workspace_id = str(context.team_id)
    opened = client.views_open(
        trigger_id=body["trigger_id"], view=build_notice_view("Next round preview", "Matching… one moment.")
    )
    view_id = str(opened["view"]["id"])
    try:
        programme_id = required_uuid(action.get("value"), gone=PROGRAMME_GONE)
        with db() as session:
            programme = get_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)
            org = load_org(session=session, workspace_id=workspace_id)
        in_channel = set(channel_members(client, programme.channel_id))
        directory = directory_from(client, org)
        with db() as session:
            matching = preview_next_round(
                session=session,
                workspace_id=workspace_id,
                programme_id=programme_id,
                directory=directory,
                channel_members=in_channel,
                now=utcnow(),
            )
    except NotFound as missing:
        client.views_update(view_id=view_id, view=build_notice_view(missing.title, str(missing)))
        return
    preview = build_preview(
        matching, programme.channel_id, programme_id=str(programme_id), min_group_size=settings.min_group_size
    )
    client.views_update(view_id=view_id, view=preview)


def run_now(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
) -> None:
    """HR submitted the preview: run that round now (introductions go out with the worker's next tick)."""
    if not require_admin_submission(ack, client, context, db):
        return
    try:
        programme_id = required_uuid(private_metadata(view).get("programme_id"), gone=PROGRAMME_GONE)
        with db.begin() as session:
            started = run_round_now(
                session=session, workspace_id=str(context.team_id), programme_id=programme_id, now=utcnow()
            )
    except NotFound as missing:
        ack(response_action="update", view=build_notice_view(missing.title, str(missing)))
        return
    except IntegrityError:
        started = None  # the same second's click, twice
    text = (
        "The round is running: the groups you previewed are being introduced now. The schedule carries on."
        if started is not None
        else "A round of this programme is being matched already: its introductions go out shortly."
    )
    ack(response_action="update", view=build_notice_view("Round started", text))


def _pause(session: Session, workspace_id: str, programme_id: uuid.UUID, settings: Settings) -> None:
    set_programme_paused(
        session=session, workspace_id=workspace_id, programme_id=programme_id, paused=True, now=utcnow()
    )


def _resume(session: Session, workspace_id: str, programme_id: uuid.UUID, settings: Settings) -> None:
    set_programme_paused(
        session=session, workspace_id=workspace_id, programme_id=programme_id, paused=False, now=utcnow()
    )


def _delete(session: Session, workspace_id: str, programme_id: uuid.UUID, settings: Settings) -> None:
    delete_programme(session=session, workspace_id=workspace_id, programme_id=programme_id)


# An admin's buttons on a programme in the App Home.
_PROGRAMME_OPERATIONS: dict[PairingAction, AdminOperation] = {
    PairingAction.PAUSE_PROGRAMME: _pause,
    PairingAction.RESUME_PROGRAMME: _resume,
    PairingAction.DELETE_PROGRAMME: _delete,
}
