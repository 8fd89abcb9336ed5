"""Block Kit for check-ins: pure builders, no Slack calls, no database."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from slackapp.cadence.form import (
    build_schedule_blocks,
    describe_next_slot,
    describe_schedule,
)
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ids import (
    COMMENT_BLOCK,
    CheckinAction,
    CheckinCallback,
    PulseBlock,
    PulseOption,
)
from slackapp.checkins.models import Pulse, Round, RoundState
from slackapp.checkins.questions import CATALOGUE, COMMENT_MAX_LENGTH, SCALE, Question
from slackapp.checkins.service import RoundResults, round_questions
from slackapp.checkins.suggestions import Suggestion
from slackapp.home.ids import HomeList
from slackapp.home.pages import build_pager, page_of
from slackapp.slack.forms import build_form, channel_input, checkboxes_input, select_input
from slackapp.slack.mrkdwn import escape, link, slack_date

OPEN_HOURS_CHOICES = (2, 4, 8, 24, 48, 72, 120, 168)


def _privacy_lines(min_group_size: int) -> str:
    return (
        f":lock: *What leaders see:* team averages only, and nothing at all from groups under "
        f"{min_group_size} people.\n"
        ":wastebasket: *Never stored:* who you are next to your answers, or when you answered."
    )


# -- the check-in itself -------------------------------------------------------------------------------


def build_checkin_modal(round_: Round, *, min_group_size: int, min_comment_group_size: int) -> View:
    """The private check-in form for a round, asking exactly the questions the round keeps."""
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=_privacy_lines(min_group_size))])]
    blocks += [_question_block(question) for question in round_questions(round_)]
    if round_.comments_enabled:
        blocks.append(
            InputBlock(
                block_id=COMMENT_BLOCK,
                optional=True,
                label="Anything you'd like to add?",
                hint=(
                    f"Comments are shown to leaders shuffled and undated, and only for groups of "
                    f"{min_comment_group_size} or more. Leave out names, projects and details that could "
                    "identify you."
                ),
                element=PlainTextInputElement(
                    action_id=CheckinAction.COMMENT, multiline=True, max_length=COMMENT_MAX_LENGTH
                ),
            )
        )
    return View(
        type="modal",
        callback_id=CheckinCallback.ANSWER_MODAL,
        title="Anonymous check-in",
        submit="Send anonymously",
        close="Not now",
        private_metadata=json.dumps({"round_id": str(round_.id)}),
        blocks=blocks,
    )


def _question_block(question: Question) -> InputBlock:
    def label(value: int) -> str:
        if value == SCALE.start:
            return f"{value} · {question.low_label}"
        if value == SCALE.stop - 1:
            return f"{value} · {question.high_label}"
        return str(value)

    return InputBlock(
        block_id=question.key.value,
        label=question.prompt,
        element=RadioButtonsElement(
            action_id=CheckinAction.ANSWER,
            options=[Option(value=str(value), text=label(value)) for value in SCALE],
        ),
    )


def build_thank_you_view(suggestions: Sequence[Suggestion]) -> View:
    """Shown in place of the form once the answers are safely stored. Nothing here is saved."""
    blocks: list[Block] = [
        SectionBlock(text=":white_check_mark: *Thank you - your answers are in.*"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        "*Stored:* your scores, with no name, no Slack ID and no time - they join your "
                        "team's totals when the round closes.\n*Not stored:* who you are, when you answered, "
                        "or anything shown below."
                    )
                )
            ]
        ),
    ]
    if suggestions:
        blocks += [
            DividerBlock(),
            SectionBlock(text="*A few things that might help* - only you can see this."),
            *(_suggestion_block(suggestion) for suggestion in suggestions),
        ]
    return View(type="modal", title="Thank you", close="Done", blocks=blocks)


def _suggestion_block(suggestion: Suggestion) -> SectionBlock:
    return SectionBlock(text=_suggestion_text(suggestion))


def _suggestion_text(suggestion: Suggestion) -> str:
    lines = [f"*{escape(suggestion.title)}*", suggestion.text]
    if suggestion.phone:
        lines.append(f":telephone_receiver: {escape(suggestion.phone)}")
    if suggestion.url:
        lines.append(link(suggestion.url, suggestion.url))
    return "\n".join(lines)


@functools.cache
def _rendered_thank_you(with_suggestions: bool) -> dict[str, Any]:
    """The thank-you view's fixed part, rendered (and checked against Slack's limits) once per process."""
    rendered = build_thank_you_view([]).to_dict()
    if with_suggestions:
        rendered["blocks"] += [
            DividerBlock().to_dict(),
            SectionBlock(text="*A few things that might help* - only you can see this.").to_dict(),
        ]
    return rendered


def render_thank_you_view(suggestions: Sequence[Suggestion]) -> dict[str, Any]:
    """`build_thank_you_view(suggestions).to_dict()`, without building Block Kit objects each time.

    Every submission ends with this view, so its fixed part is rendered once (a fresh copy is handed
    out); only the person's suggestions, which are never kept, are rendered per request. Suggestion
    texts are bounded by what HR can save, well inside a section's 3,000 characters.
    """
    fixed = _rendered_thank_you(bool(suggestions))
    blocks = [*fixed["blocks"]]
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": _suggestion_text(suggestion)}}
        for suggestion in suggestions
    ]
    return {**fixed, "blocks": blocks}


ALREADY_ANSWERED = (
    "You've already checked in",
    "You've already checked in for this round - your first answers are the ones that count. "
    "See you at the next one.",
)
ROUND_CLOSED = (
    "This check-in has closed",
    "This check-in has closed, so it takes no more answers. Thank you!",
)


ROUND_OPENING = (
    "Just opening",
    "This check-in is opening right now. Please try again in a minute.",
)


def build_not_invited_notice(round_: Round) -> tuple[str, str]:
    """Title and text for someone not in the round's channel when it opened (docs/anonymity.md rule 5)."""
    return (
        "Not your check-in",
        f"This check-in is for the members of <#{round_.channel_id}> when it opened, so it isn't "
        "yours to answer - thank you for wanting to take part. Your own team's check-in will reach you "
        "in its channel.",
    )


# -- channel messages ----------------------------------------------------------------------------------


def build_invitation(
    round_: Round, *, min_group_size: int, last_action: str | None = None
) -> tuple[str, list[Block]]:
    """The channel message that invites the team. It says nothing of how many have answered: any count,
    however coarse, tells a leader in the channel a lower bound to set beside the published totals."""
    text = "Time for a quick anonymous check-in."
    if round_.state is RoundState.CLOSED:
        return text, [
            SectionBlock(text="*This check-in has closed.* Thank you to everyone who took part."),
        ]
    return text, [
        SectionBlock(
            text=(
                "*How are you, really?* A one-minute check-in, answered privately.\n"
                f"Leaders see team averages only - never your answers, and nothing from fewer than "
                f"{min_group_size} people."
            )
        ),
        *(
            [
                SectionBlock(
                    text=f":speech_balloon: *Last time you told us how things were. Here is what changed:* "
                    f"{escape(last_action)}"
                )
            ]
            if last_action
            else []
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Check in privately",
                    action_id=CheckinAction.OPEN_MODAL,
                    value=str(round_.id),
                    style="primary",
                )
            ]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"Open until {slack_date(round_.closes_at)}")]),
    ]


def build_reminder(round_: Round) -> tuple[str, list[Block]]:
    """The round's one reminder: a message in the channel, the same for everyone (docs/anonymity.md rule 6).

    It says nothing about who has answered, and Kindred does not look: whoever reads Slack's history sees
    one message, seen by the whole channel.
    """
    text = "There's still time for this channel's anonymous check-in."
    return text, [
        SectionBlock(
            text=(
                f"*There's still time to check in.* This channel's check-in closes "
                f"{slack_date(round_.closes_at)}. If you haven't answered yet and would like to, it takes "
                "a minute and is anonymous. If you have, thank you - there's nothing more to do."
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Check in privately", action_id=CheckinAction.OPEN_MODAL, value=str(round_.id)
                )
            ]
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="One reminder per check-in, for the whole channel: Kindred never tells anyone "
                    "who has or hasn't answered."
                )
            ]
        ),
    ]


def build_results(results: RoundResults) -> tuple[str, list[Block]]:
    """The channel's results post: the team's published cell, or why it is not shown."""
    if results.respondents is None or not results.questions:
        # The publication's own reason, so the channel and the dashboard say the same thing.
        why = results.hidden_reason or "small groups stay private"
        text = f"This check-in's results: too few answers to share ({why})."
        return text, [SectionBlock(text=text)]
    takers = f"{results.respondents} people answered"
    if results.invited:
        takers += f" (of {results.invited} in the channel)"
    text = f"Check-in results: {takers}."
    fields = [
        MarkdownTextObject(text=f"*{item.question.prompt}*\n{item.mean:.1f} / {SCALE.stop - 1}")
        for item in results.questions
    ]
    return text, [
        HeaderBlock(text="Check-in results"),
        SectionBlock(text=f"{takers}. Team averages, 1 to {SCALE.stop - 1}:"),
        *(SectionBlock(fields=fields[start : start + 10]) for start in range(0, len(fields), 10)),
        ContextBlock(elements=[MarkdownTextObject(text="For stress, lower is better.")]),
    ]


def build_open_rounds_message(rounds: Sequence[Round]) -> tuple[str, list[Block]]:
    """The ephemeral answer to `/checkin` outside a check-in channel."""
    if not rounds:
        text = (
            "There's no check-in open for you right now. You'll see one in your team's channel when it opens."
        )
        return text, [SectionBlock(text=text)]
    text = "Your open check-ins:"
    blocks: list[Block] = [SectionBlock(text=text)]
    for round_ in rounds:
        blocks.append(
            SectionBlock(
                text=f"<#{round_.channel_id}> · closes {slack_date(round_.closes_at)}",
                accessory=ButtonElement(
                    text="Check in privately", action_id=CheckinAction.OPEN_MODAL, value=str(round_.id)
                ),
            )
        )
    return text, blocks


HOME_CHECKINS_SHOWN = 3  # keeps the App Home within Slack's 100 blocks (see home/pages.py)


def build_my_checkins_blocks(rounds: Sequence[Round]) -> list[Block]:
    """The App Home's "Your check-ins": the first few open rounds the person can answer, each with its
    button; nothing when there are none.

    Args:
        rounds: open rounds in the person's channels that they have not answered, soonest closing first.
    """
    if not rounds:
        return []
    blocks: list[Block] = [HeaderBlock(text="Your check-ins")]
    for round_ in rounds[:HOME_CHECKINS_SHOWN]:
        blocks.append(
            SectionBlock(
                text=f"<#{round_.channel_id}> · closes {slack_date(round_.closes_at)}",
                accessory=ButtonElement(
                    text="Check in privately", action_id=CheckinAction.OPEN_MODAL, value=str(round_.id)
                ),
            )
        )
    if len(rounds) > HOME_CHECKINS_SHOWN:
        more = len(rounds) - HOME_CHECKINS_SHOWN
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"And {more} more: type `/checkin` to see them all.")]
            )
        )
    return blocks


# -- HR: setting up pulses -----------------------------------------------------------------------------


def build_pulse_form(pulse: Pulse | None, *, default_timezone: str) -> View:
    """Create or edit a pulse. Block ids are the `PulseSpec` field names, so errors land in place."""

    durations = [
        Option(value=str(h), text=f"{h} hours" if h < 24 else f"{h // 24} day{'s' if h >= 48 else ''}")
        for h in OPEN_HOURS_CHOICES
    ]
    questions = [Option(value=q.key.value, text=q.prompt) for q in CATALOGUE]
    extras = [
        Option(value=PulseOption.COMMENTS, text="Offer an optional comment box"),
        Option(value=PulseOption.REMINDER, text="Post one reminder in the channel before the round closes"),
    ]
    ticked_extras = {
        extra
        for extra, enabled in (
            (PulseOption.COMMENTS, pulse is None or pulse.comments_enabled),
            (PulseOption.REMINDER, pulse is None or pulse.reminder_enabled),
        )
        if enabled
    }
    blocks: list[Block] = [
        channel_input(
            block_id=PulseBlock.CHANNEL,
            action_id=CheckinAction.PULSE_FIELD,
            label="Team channel",
            hint="Everyone in this channel is invited; the channel is the team on the dashboard.",
            initial=pulse.channel_id if pulse else None,
        ),
        *build_schedule_blocks(
            action_id=CheckinAction.PULSE_FIELD,
            cadence=pulse.cadence if pulse else Cadence.WEEKLY,
            weekday=pulse.weekday if pulse else 0,
            local_time=pulse.local_time if pulse else "09:30",
            timezone=pulse.timezone if pulse else default_timezone,
            monthly_hint="Monthly check-ins open on the first such day of the month.",
        ),
        select_input(
            block_id=PulseBlock.OPEN_HOURS,
            action_id=CheckinAction.PULSE_FIELD,
            label="Each round stays open for",
            options=durations,
            chosen=str(pulse.open_hours if pulse else 72),
        ),
        checkboxes_input(
            block_id=PulseBlock.QUESTIONS,
            action_id=CheckinAction.PULSE_FIELD,
            label="Questions",
            options=questions,
            ticked=[q.value for q in questions] if pulse is None else pulse.question_keys,
        ),
        checkboxes_input(
            block_id=PulseBlock.OPTIONS,
            action_id=CheckinAction.PULSE_FIELD,
            label="Options",
            optional=True,
            options=extras,
            ticked=ticked_extras,
        ),
    ]
    return build_form(
        callback_id=CheckinCallback.PULSE_FORM,
        title="Edit check-in" if pulse else "New check-in",
        metadata={"pulse_id": str(pulse.id) if pulse else None},
        blocks=blocks,
    )


def build_pulse_admin_blocks(pulses: Sequence[Pulse], open_pulse_ids: set[str], page: int = 0) -> list[Block]:
    """The check-ins part of the App Home's admin section: the newest first, a page at a time.

    Args:
        pulses: every pulse, oldest first.
        page: which page of them to show.
    """
    blocks: list[Block] = [
        HeaderBlock(text="Check-ins"),
        ActionsBlock(
            elements=[ButtonElement(text="New check-in", action_id=CheckinAction.NEW_PULSE, style="primary")]
        ),
    ]
    if not pulses:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No check-ins yet.")]))
    shown = page_of(pulses[::-1], HomeList.PULSES, page)
    for pulse in shown.items:
        pulse_id = str(pulse.id)
        has_open_round = pulse_id in open_pulse_ids
        status = describe_next_slot(paused=pulse.paused, next_at=pulse.next_open_at)
        if has_open_round:
            status = "a round is open · " + status
        blocks.append(
            SectionBlock(
                text=(
                    f"*<#{pulse.channel_id}>* · {describe_schedule(pulse)} · open {pulse.open_hours}h\n"
                    f"{status}"
                )
            )
        )
        round_button = (
            ButtonElement(
                text="Close the open round now", action_id=CheckinAction.CLOSE_ROUND_NOW, value=pulse_id
            )
            if has_open_round
            else ButtonElement(
                text="Send a round now", action_id=CheckinAction.SEND_ROUND_NOW, value=pulse_id
            )
        )
        pause_button = (
            ButtonElement(text="Resume", action_id=CheckinAction.RESUME_PULSE, value=pulse_id)
            if pulse.paused
            else ButtonElement(text="Pause", action_id=CheckinAction.PAUSE_PULSE, value=pulse_id)
        )
        blocks.append(
            ActionsBlock(
                block_id=f"pulse:{pulse_id}",
                elements=[
                    ButtonElement(text="Edit", action_id=CheckinAction.EDIT_PULSE, value=pulse_id),
                    pause_button,
                    round_button,
                    ButtonElement(
                        text="Delete",
                        action_id=CheckinAction.DELETE_PULSE,
                        value=pulse_id,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Delete this check-in?",
                            text="No more rounds will open. Past results stay on the dashboard.",
                            confirm="Delete",
                            deny="Keep it",
                            style="danger",
                        ),
                    ),
                ],
            )
        )
    return blocks + build_pager(HomeList.PULSES, shown, "check-ins")
