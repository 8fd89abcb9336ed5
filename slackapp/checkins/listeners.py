"""Check-in listeners: parse what Slack sent, call the service, render a view. Nothing more."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from slackapp.admin.operations import (
    AdminOperation,
    AdminRequest,
    admin_form_listener,
    admin_modal_listener,
    admin_operation_listener,
)
from slackapp.cadence.form import chosen_timezone
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ids import COMMENT_BLOCK, CheckinAction, CheckinCallback, PulseBlock, PulseOption
from slackapp.checkins.intake import Intake
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.models import Round
from slackapp.checkins.questions import QuestionKey
from slackapp.checkins.service import (
    AlreadyAnswered,
    NotInvited,
    PulseSpec,
    RoundAlreadyOpen,
    RoundNotOpen,
    Standing,
    SubmissionFailed,
    accepts_answers,
    close_round_now,
    create_pulse,
    delete_pulse,
    find_round,
    get_pulse,
    invited_open_rounds,
    open_round_now,
    open_rounds_in_channel,
    record_answers,
    set_pulse_paused,
    standing_in,
    update_pulse,
)
from slackapp.checkins.suggestions import needs_from_answers, suggest
from slackapp.checkins.views import (
    ALREADY_ANSWERED,
    ROUND_CLOSED,
    ROUND_OPENING,
    build_checkin_modal,
    build_not_invited_notice,
    build_open_rounds_message,
    build_pulse_form,
    render_thank_you_view,
)
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput
from slackapp.resources.suggestions import read_region
from slackapp.settings import Settings
from slackapp.slack.forms import Submission
from slackapp.slack.listener_threads import OnRequestThread
from slackapp.slack.notice import build_notice_view
from slackapp.slack.payloads import parse_uuid, private_metadata, required_uuid
from slackapp.slack.people import person_timezone

SAVE_FAILED = "We couldn't save your answers just now, and nothing was kept. Please press Send again."
PULSE_GONE = "That check-in no longer exists."
NO_SUCH_CHECKIN = ("Check-in not found", PULSE_GONE)


def register(app: App) -> None:
    intake = Intake()  # one per app, so one per web process: nothing global

    def submit_checkin_here(
        ack: Ack, view: dict[str, Any], context: BoltContext, db: SessionFactory, settings: Settings
    ) -> None:
        """A check-in submission, with this app's intake cache."""
        submit_checkin(ack, view, context, db, settings, intake=intake)

    # Registered first: Bolt tries listeners in order, and this is the busiest request Kindred answers.
    # It acknowledges as its last step, so it runs on the request's thread (no hand-off to Bolt's pool).
    app.view(CheckinCallback.ANSWER_MODAL, middleware=[OnRequestThread()])(submit_checkin_here)
    app.command("/checkin")(checkin_command)
    app.action(CheckinAction.OPEN_MODAL)(open_checkin)
    app.action(CheckinAction.NEW_PULSE)(admin_modal_listener(_new_pulse_form))
    app.action(CheckinAction.EDIT_PULSE)(admin_modal_listener(_pulse_form))
    app.view(CheckinCallback.PULSE_FORM)(
        admin_form_listener(_save_pulse, action_id=CheckinAction.PULSE_FIELD)
    )
    for action, operation in _PULSE_OPERATIONS.items():
        app.action(action)(
            admin_operation_listener(operation, gone=PULSE_GONE, also_refused=(RoundAlreadyOpen,))
        )


# -- answering -----------------------------------------------------------------------------------------


def checkin_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """`/checkin`: the channel's open round in a modal, or the person's open rounds elsewhere."""
    ack()
    workspace_id, user_id, now = str(context.team_id), str(context.user_id), utcnow()
    with db() as session:
        here = open_rounds_in_channel(
            session=session, workspace_id=workspace_id, channel_id=command.get("channel_id", ""), now=now
        )
        if here:
            _show_checkin(
                client, command["trigger_id"], here[0], user_id, session_factory=db, settings=settings
            )
            return
        mine = invited_open_rounds(
            session=session,
            workspace_id=workspace_id,
            user_id=user_id,
            now=now,
            round_secrets=RoundSecrets(settings.require_secret_key()),
        )
    text, blocks = build_open_rounds_message([r for r, _ in mine])
    respond(text=text, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")


def open_checkin(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    db: SessionFactory,
    settings: Settings,
) -> None:
    """The invitation's button: open the private check-in form (within Slack's 3-second trigger window)."""
    ack()
    round_id = parse_uuid(action.get("value"))
    with db() as session:
        round_ = find_round(session=session, workspace_id=str(context.team_id), round_id=round_id)
        if round_ is None:
            client.views_open(trigger_id=body["trigger_id"], view=build_notice_view(*NO_SUCH_CHECKIN))
            return
        _show_checkin(
            client, body["trigger_id"], round_, str(context.user_id), session_factory=db, settings=settings
        )


def _show_checkin(
    client: WebClient,
    trigger_id: str,
    round_: Round,
    user_id: str,
    *,
    session_factory: SessionFactory,
    settings: Settings,
) -> None:
    secrets = RoundSecrets(settings.require_secret_key())
    if not accepts_answers(round_, utcnow()):
        view = build_notice_view(*ROUND_CLOSED)
    else:
        with session_factory() as session:
            standing = standing_in(session=session, round_=round_, user_id=user_id, round_secrets=secrets)
        if standing is Standing.NOT_INVITED:
            view = build_notice_view(*build_not_invited_notice(round_))
        elif standing is Standing.OPENING:
            view = build_notice_view(*ROUND_OPENING)
        elif standing is Standing.ANSWERED:
            view = build_notice_view(*ALREADY_ANSWERED)
        else:
            view = build_checkin_modal(
                round_,
                min_group_size=settings.min_group_size,
                min_comment_group_size=settings.min_comment_group_size,
            )
    client.views_open(trigger_id=trigger_id, view=view)


def submit_checkin(
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
    db: SessionFactory,
    settings: Settings,
    *,
    intake: Intake,
) -> None:
    """Store the answers (committed before we acknowledge), then thank the person privately.

    What the submission reads besides the person's own region comes from `intake`, this web process's
    short-lived copy of facts about the round and the workspace (slackapp/checkins/intake.py); the
    database still decides, in the writes themselves, whether the round is open and the person invited.
    """
    round_id = parse_uuid(private_metadata(view).get("round_id"))
    values = view.get("state", {}).get("values", {})
    answers = _scores_from(values)
    comment = values.get(COMMENT_BLOCK, {}).get(CheckinAction.COMMENT, {}).get("value")
    workspace_id, user_id, now = str(context.team_id), str(context.user_id), utcnow()
    # Suggestions come from the answers in memory and are shown once: nothing about them is stored.
    needs = needs_from_answers(answers)
    try:  # everything the submission reads, before it writes
        round_ = intake.round(db, workspace_id=workspace_id, round_id=round_id, now=now)
        if round_ is None:
            ack(response_action="update", view=build_notice_view(*NO_SUCH_CHECKIN))
            return
        contact, sources = None, []
        if needs.any:  # most answers show no need: spare them the lookups
            contact = intake.help_contact(db, workspace_id=workspace_id)
            directory = intake.directory(db, workspace_id=workspace_id)
            region = None
            if directory.ranks_by_region:  # the person's region matters only then
                with db() as session:
                    region = read_region(session=session, workspace_id=workspace_id, user_id=user_id)
            sources = [directory.source(region=region)]
    except RoundNotOpen:
        ack(response_action="update", view=build_notice_view(*ROUND_CLOSED))
        return
    except SQLAlchemyError:
        # Nothing was written; the answers stay on screen and pressing Send again retries.
        ack(response_action="errors", errors={_first_block(values): SAVE_FAILED})
        return
    question_blocks = list(round_.question_keys)
    try:
        record_answers(
            session_factory=db,
            round_=round_,
            user_id=user_id,
            answers=answers,
            comment=comment if isinstance(comment, str) else None,
            round_secrets=intake.round_secrets(settings.require_secret_key()),
            now=now,
        )
    except InvalidInput as invalid:
        known = set(question_blocks) | ({COMMENT_BLOCK} if round_.comments_enabled else set())
        errors = {block: message for block, message in invalid.errors.items() if block in known}
        ack(response_action="errors", errors=errors or {question_blocks[0]: "Please check your answers."})
        return
    except SubmissionFailed:
        # The answers stay on screen; pressing Send again retries.
        ack(response_action="errors", errors={question_blocks[0]: SAVE_FAILED})
        return
    except RoundNotOpen:
        intake.forget_round(workspace_id=workspace_id, round_id=round_.id)
        ack(response_action="update", view=build_notice_view(*ROUND_CLOSED))
        return
    except AlreadyAnswered:
        ack(response_action="update", view=build_notice_view(*ALREADY_ANSWERED))
        return
    except NotInvited:
        # Rare, so the round is read again: whether it knows its invitees yet can change after opening.
        try:
            with db() as session:
                found = find_round(session=session, workspace_id=workspace_id, round_id=round_.id)
                notice = (
                    ROUND_OPENING
                    if found is None or found.invited_count is None
                    else build_not_invited_notice(found)
                )
        except SQLAlchemyError:
            ack(response_action="errors", errors={question_blocks[0]: SAVE_FAILED})
            return
        ack(response_action="update", view=build_notice_view(*notice))
        return
    suggestions = suggest(needs, help_contact=contact, sources=sources)
    ack(response_action="update", view=render_thank_you_view(suggestions))


def _first_block(values: dict[str, Any]) -> str:
    """Where to show a form-wide error: the first block the person filled in."""
    return next(iter(values), COMMENT_BLOCK)


def _scores_from(values: dict[str, Any]) -> dict[str, int | None]:
    """Radio choices by question key; anything that is not a whole number is treated as unanswered."""
    scores: dict[str, int | None] = {}
    for block_id, elements in values.items():
        if block_id == COMMENT_BLOCK or not isinstance(elements, dict):
            continue
        selected = (elements.get(CheckinAction.ANSWER) or {}).get("selected_option") or {}
        raw = selected.get("value") if isinstance(selected, dict) else None
        scores[str(block_id)] = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 3 else None
    return scores


# -- HR: setting up pulses -----------------------------------------------------------------------------


def _new_pulse_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """An empty pulse form, its schedule in the admin's own time zone."""
    return build_pulse_form(None, default_timezone=person_timezone(admin.client, admin.user_id) or "UTC")


def _pulse_form(admin: AdminRequest, action: dict[str, Any]) -> View:
    """The form of the pulse whose Edit was pressed, filled in."""
    pulse_id = required_uuid(action.get("value"), gone=PULSE_GONE)
    with admin.db() as session:
        pulse = get_pulse(session=session, workspace_id=admin.workspace_id, pulse_id=pulse_id)
    return build_pulse_form(pulse, default_timezone=pulse.timezone)


def _save_pulse(form: Submission, admin: AdminRequest) -> None:
    """Create or update a pulse, once Slack says Kindred can post in its channel."""
    pulse_id = form.edited_id("pulse_id")
    spec = _pulse_spec_from(form)
    _require_kindred_in_channel(admin.client, spec.channel_id)
    with admin.db.begin() as session:
        if pulse_id is None:
            create_pulse(
                session=session,
                workspace_id=admin.workspace_id,
                spec=spec,
                created_by=admin.user_id,
                now=utcnow(),
            )
        else:
            update_pulse(
                session=session, workspace_id=admin.workspace_id, pulse_id=pulse_id, spec=spec, now=utcnow()
            )


def _require_kindred_in_channel(client: WebClient, channel_id: str) -> None:
    """Invitations can only be posted where Kindred is a member: say so now, not at the first round."""
    if not channel_id:
        return
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError:
        raise InvalidInput(
            {PulseBlock.CHANNEL: "Kindred can't see that channel. Invite @Kindred to it first."}
        ) from None
    if channel.get("is_archived"):
        raise InvalidInput(
            {PulseBlock.CHANNEL: "That channel is archived. Choose the team's current channel."}
        )
    if not channel.get("is_member"):
        raise InvalidInput(
            {PulseBlock.CHANNEL: "Invite @Kindred to that channel first (type /invite @Kindred there)."}
        )


def _pulse_spec_from(form: Submission) -> PulseSpec:
    """Read the pulse form; anything missing or malformed becomes an inline error on its block."""
    errors: dict[str, str] = {}
    cadence = Cadence.WEEKLY
    try:
        cadence = Cadence(form.selected(PulseBlock.CADENCE))
    except ValueError:
        errors[PulseBlock.CADENCE] = "Choose how often the check-in runs."
    weekday = form.selected(PulseBlock.WEEKDAY)
    open_hours = form.selected(PulseBlock.OPEN_HOURS)
    if not open_hours.isdigit() or len(open_hours) > 4:
        errors[PulseBlock.OPEN_HOURS] = "Choose how long each round stays open."
    questions: list[QuestionKey] = []
    for key in form.checked(PulseBlock.QUESTIONS):
        try:
            questions.append(QuestionKey(key))
        except ValueError:
            errors[PulseBlock.QUESTIONS] = "Choose questions from the list."
    if errors:
        raise InvalidInput(errors)
    options = set(form.checked(PulseBlock.OPTIONS))
    return PulseSpec(
        channel_id=form.conversation(PulseBlock.CHANNEL),
        cadence=cadence,
        weekday=int(weekday) if weekday.isdigit() else -1,
        local_time=form.time(PulseBlock.LOCAL_TIME),
        timezone=chosen_timezone(form.element(PulseBlock.TIMEZONE)),
        open_hours=int(open_hours),
        question_keys=tuple(questions),
        comments_enabled=PulseOption.COMMENTS in options,
        reminder_enabled=PulseOption.REMINDER in options,
    )


def _pause(session: Session, workspace_id: str, pulse_id: uuid.UUID, settings: Settings) -> None:
    set_pulse_paused(session=session, workspace_id=workspace_id, pulse_id=pulse_id, paused=True, now=utcnow())


def _resume(session: Session, workspace_id: str, pulse_id: uuid.UUID, settings: Settings) -> None:
    set_pulse_paused(
        session=session, workspace_id=workspace_id, pulse_id=pulse_id, paused=False, now=utcnow()
    )


def _send_now(session: Session, workspace_id: str, pulse_id: uuid.UUID, settings: Settings) -> None:
    open_round_now(
        session=session,
        workspace_id=workspace_id,
        pulse_id=pulse_id,
        now=utcnow(),
        round_secrets=RoundSecrets(settings.require_secret_key()),
    )


def _close_now(session: Session, workspace_id: str, pulse_id: uuid.UUID, settings: Settings) -> None:
    close_round_now(session=session, workspace_id=workspace_id, pulse_id=pulse_id, now=utcnow())


def _delete(session: Session, workspace_id: str, pulse_id: uuid.UUID, settings: Settings) -> None:
    delete_pulse(session=session, workspace_id=workspace_id, pulse_id=pulse_id)


# An admin's buttons on a pulse in the App Home.
_PULSE_OPERATIONS: dict[CheckinAction, AdminOperation] = {
    CheckinAction.PAUSE_PULSE: _pause,
    CheckinAction.RESUME_PULSE: _resume,
    CheckinAction.SEND_ROUND_NOW: _send_now,
    CheckinAction.CLOSE_ROUND_NOW: _close_now,
    CheckinAction.DELETE_PULSE: _delete,
}
