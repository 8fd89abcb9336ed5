"""Block Kit for peer-support pairing: pure builders, no Slack calls, no database."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp.cadence.form import (
    CADENCE_LABELS,
    WEEKDAYS,
    build_schedule_blocks,
    describe_next_slot,
    describe_schedule,
)
from slackapp.cadence.schedule import Cadence
from slackapp.home.ids import HomeList
from slackapp.home.pages import build_pager, page_of
from slackapp.pairing.ids import (
    CROSS_TEAM_OPTION,
    SKIP_OPTION,
    PairingAction,
    PairingCallback,
    PreferencesBlock,
    ProgrammeBlock,
)
from slackapp.pairing.matching import Matching
from slackapp.pairing.models import Outcome, Profile, Programme
from slackapp.pairing.service import (
    DEFAULT_REPEAT_WINDOW,
    REPEAT_WINDOW_CHOICES,
    TOPICS_MAX_LENGTH,
    UNANSWERED_LIMIT,
    HeldData,
)
from slackapp.privacy.suppression import in_steps
from slackapp.slack.forms import build_form, channel_input, checkboxes_input, select_input, text_input
from slackapp.slack.mrkdwn import escape, slack_date
from slackapp.support import SupportKind

OUTCOME_LABELS = {
    Outcome.MET: "you met",
    Outcome.NOT_YET: "not yet",
    Outcome.COULD_NOT_MEET: "couldn't meet",
}
# What the people someone is introduced to see of their preferences: exactly what the introduction shows.
PARTNERS_SEE = (
    "*What the people you're introduced to will see:* a kind of support you'd welcome only when one "
    'of them can offer it, and a kind you can offer only when one of them would welcome it ("<you> can '
    'offer advice, which <them> would welcome"); your topics, as you write them. Nothing else: not the '
    "rest of your choices, never your don't-pair list, and HR sees only counts."
)

# Conversation starters, written around the evidence: start small, be specific when asking, share what
# has helped. Each names the kind of support it suits; the introduction picks from the kinds matched.
STARTERS: Mapping[SupportKind | None, tuple[str, ...]] = {
    SupportKind.EMOTIONAL: (
        "What's been taking up most of your headspace this week?",
        "When a week gets heavy, what's one small thing that helps you reset?",
    ),
    SupportKind.PRACTICAL: (
        "Is there one small, specific task this week where another pair of hands would help?",
        "What's a shortcut or habit that saves you time you'd happily pass on?",
    ),
    SupportKind.ADVICE: (
        "What's one question you've been meaning to ask someone but haven't found the right person for?",
        "What's the most useful piece of advice you've been given at work, and when did it help?",
    ),
    SupportKind.BELONGING: (
        "What's something outside work you'd enjoy doing with a colleague, even for ten minutes?",
        "When did you last feel really part of a team here? What made it work?",
    ),
    None: (
        "Start small: what's been the best part of your week so far?",
        "What has helped you most when work got hard, and would it help someone else?",
        "Asking is easier when it's specific: what's one thing you'd find useful right now?",
    ),
}


def _kind_list(kinds: Sequence[SupportKind]) -> str:
    labels = [kind.label.lower() for kind in kinds]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _kinds(values: Sequence[object]) -> list[SupportKind]:
    return [SupportKind(str(v)) for v in values if v in SupportKind._value2member_map_]


def _kind_options() -> list[Option]:
    return [Option(value=kind.value, text=kind.label) for kind in SupportKind]


# -- why these people were matched --------------------------------------------------------------------


def match_reasons(members: Sequence[str], profiles: Mapping[str, Profile]) -> list[str]:
    """What each can offer that another would welcome, in plain words with mentions."""
    reasons: list[str] = []
    for giver in members:
        for receiver in members:
            if giver == receiver or giver not in profiles or receiver not in profiles:
                continue
            shared = [k for k in _kinds(profiles[giver].offers) if k in set(_kinds(profiles[receiver].seeks))]
            if shared:
                reasons.append(
                    f"<@{giver}> can offer {_kind_list(shared)}, which <@{receiver}> would welcome."
                )
    return reasons


def _starters(members: Sequence[str], profiles: Mapping[str, Profile], key: str) -> list[str]:
    """Two or three starters: one for the kinds matched (when there are), then general ones."""
    matched: list[SupportKind] = []
    for giver in members:
        for receiver in members:
            if giver != receiver and giver in profiles and receiver in profiles:
                for kind in _kinds(profiles[giver].offers):
                    if kind in _kinds(profiles[receiver].seeks) and kind not in matched:
                        matched.append(kind)
    # The key (the group id) varies the choice between groups, the same way on every retry.
    spin = sum(key.encode())
    chosen = [STARTERS[kind][spin % len(STARTERS[kind])] for kind in matched[:2]]
    general = STARTERS[None]
    for offset in range(len(general)):
        if len(chosen) >= 3 or (len(chosen) >= 2 and offset >= 1):
            break
        chosen.append(general[(spin + offset) % len(general)])
    return chosen


def build_introduction(
    *, group_id: str, members: Sequence[str], profiles: Mapping[str, Profile], channel_id: str
) -> tuple[str, list[Block]]:
    """The group DM's first message: who, why, how to start, and a "We met" button."""
    names = ", ".join(f"<@{m}>" for m in members[:-1]) + f" and <@{members[-1]}>"
    text = f"Meet each other: {names}"
    reasons = match_reasons(members, profiles)
    why = "\n".join(f"• {r}" for r in reasons) or (
        f"• You {'all' if len(members) > 2 else 'both'} opted in to peer support - a steady habit of "
        "talking builds support before it's needed."
    )
    topics = [
        f"<@{m}>: {escape(profiles[m].topics or '')}" for m in members if m in profiles and profiles[m].topics
    ]
    blocks: list[Block] = [
        SectionBlock(
            text=(
                f":wave: Hello {names}! You opted in to peer support in <#{channel_id}>, "
                "so Kindred is introducing you this round."
            )
        ),
        SectionBlock(text=f"*{'Why you three' if len(members) == 3 else 'Why you two'}*\n{why}"),
    ]
    if topics:
        blocks.append(SectionBlock(text="*Happy to talk about*\n" + "\n".join(f"• {t}" for t in topics)))
    starters = _starters(members, profiles, group_id)
    blocks += [
        SectionBlock(text="*A few ways to start*\n" + "\n".join(f"• {s}" for s in starters)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        "Fifteen minutes is plenty. Asking for something small and specific is easier for "
                        "both of you - people are usually gladder to help than we expect."
                    )
                )
            ]
        ),
        ActionsBlock(
            block_id="pairing_introduction",
            elements=[
                ButtonElement(text="We met", action_id=PairingAction.WE_MET, value=group_id, style="primary")
            ],
        ),
    ]
    return text, blocks


def build_nudge(group_id: str) -> tuple[str, list[Block]]:
    text = "A gentle nudge: have you found a moment to meet?"
    return text, [
        SectionBlock(
            text=(
                f"{text} Even a short call counts. If it's been hard to find time, try suggesting one "
                "specific slot - it's easier to say yes to."
            )
        ),
        ActionsBlock(
            block_id="pairing_nudge",
            elements=[
                ButtonElement(text="We met", action_id=PairingAction.WE_MET, value=group_id, style="primary")
            ],
        ),
    ]


def build_follow_up(group_id: str) -> tuple[str, list[Block]]:
    text = "How did it go? One click helps Kindred make better introductions."
    return text, [
        SectionBlock(text=text),
        ActionsBlock(
            block_id="pairing_follow_up",
            elements=[
                ButtonElement(text="We met", action_id=PairingAction.OUTCOME_MET, value=group_id),
                ButtonElement(text="Not yet", action_id=PairingAction.OUTCOME_NOT_YET, value=group_id),
                ButtonElement(
                    text="We couldn't meet", action_id=PairingAction.OUTCOME_COULD_NOT_MEET, value=group_id
                ),
            ],
        ),
    ]


def build_thanks(user_id: str, outcome: Outcome) -> str:
    if outcome is Outcome.MET:
        return f"<@{user_id}> says you met - thank you. Kindred will introduce you to someone new next time."
    if outcome is Outcome.NOT_YET:
        return f"Thanks, <@{user_id}>. There's still time: a short call this week counts."
    return (
        f"Thanks for letting us know, <@{user_id}>. It happens - "
        "you'll be introduced to someone new next time."
    )


def build_silence_pause() -> tuple[str, list[Block]]:
    """Told kindly, with a one-click way back."""
    text = "Kindred has paused your peer-support introductions for now."
    return text, [
        SectionBlock(
            text=(
                f"{text} The last {UNANSWERED_LIMIT} introductions went unanswered, and that's completely "
                "fine - weeks get full. We've paused so nobody waits on a quiet conversation. "
                "Whenever you'd like to be introduced again, one click brings you back."
            )
        ),
        ActionsBlock(
            block_id="pairing_come_back",
            elements=[
                ButtonElement(
                    text="Count me in again", action_id=PairingAction.COME_BACK, value="1", style="primary"
                )
            ],
        ),
    ]


def build_announcement(programme: Programme) -> tuple[str, list[Block]]:
    """The programme's post in its channel, with a button to opt in (being here is not opting in)."""
    text = "Peer support in this channel: opt in to be introduced to a colleague for a supportive chat."
    # "Every week on Tuesday": the label keeps its capital, the day its own (str.capitalize lowers it).
    when = f"{CADENCE_LABELS[programme.cadence]} on {WEEKDAYS[programme.weekday]}"
    return text, [
        SectionBlock(
            text=(
                f":handshake: *Peer support in this channel*\n{when}, Kindred can introduce you "
                "to a colleague: someone who can offer what you'd welcome - someone to listen, practical "
                "help, advice, or simply company - and who might welcome what you can offer."
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        "Nobody is signed up by being in the channel. You choose what you'd welcome and "
                        "offer, can pause or leave any time, and can keep a private list of people "
                        "you'd rather not be paired with."
                    )
                )
            ]
        ),
        ActionsBlock(
            block_id="pairing_announcement",
            elements=[
                ButtonElement(
                    text="Count me in", action_id=PairingAction.JOIN, value=str(programme.id), style="primary"
                )
            ],
        ),
    ]


# -- a person's own settings --------------------------------------------------------------------------


def build_preferences_modal(
    *,
    programmes: Sequence[Programme],
    joined: set[str],
    profile: Profile | None,
) -> View:
    """Opt in and say what support you'd welcome and offer. Block ids are the `Preferences` fields."""
    programme_options = [
        Option(
            value=str(p.id),
            text=MarkdownTextObject(text=f"<#{p.channel_id}> · {CADENCE_LABELS[p.cadence].lower()}"),
        )
        for p in programmes
    ]
    kind_options = _kind_options()
    seeks = set(profile.seeks) if profile else set()
    offers = set(profile.offers) if profile else set()
    blocks: list[Block] = []
    if programme_options:
        blocks.append(
            checkboxes_input(
                block_id=PreferencesBlock.PROGRAMMES,
                action_id=PairingAction.FIELD,
                label="Introduce me in",
                optional=True,
                hint="Untick every programme to stop introductions while keeping your settings.",
                options=programme_options,
                ticked=joined,
            )
        )
    else:
        blocks.append(SectionBlock(text="There's no peer-support programme here yet. Ask your HR team."))
    blocks += [
        ContextBlock(elements=[MarkdownTextObject(text=PARTNERS_SEE)]),
        checkboxes_input(
            block_id=PreferencesBlock.SEEKS,
            action_id=PairingAction.FIELD,
            label="Support I'd welcome",
            optional=True,
            options=kind_options,
            ticked=seeks,
        ),
        checkboxes_input(
            block_id=PreferencesBlock.OFFERS,
            action_id=PairingAction.FIELD,
            label="Support I can offer",
            optional=True,
            options=kind_options,
            ticked=offers,
        ),
        text_input(
            block_id=PreferencesBlock.TOPICS,
            action_id=PairingAction.FIELD,
            label="Topics I'm happy to talk about",
            optional=True,
            hint="Shown to the people you're introduced to, as you write it.",
            initial=profile.topics if profile else None,
            max_length=TOPICS_MAX_LENGTH,
            placeholder="e.g. new parents, moving city, learning to manage",
        ),
        InputBlock(
            block_id=PreferencesBlock.PAUSED_UNTIL,
            label="Pause my introductions until",
            optional=True,
            element=DatePickerElement(
                action_id=PairingAction.FIELD,
                initial_date=(profile.paused_until.isoformat() if profile and profile.paused_until else None),
            ),
        ),
        checkboxes_input(
            block_id=PreferencesBlock.SKIP_NEXT,
            action_id=PairingAction.FIELD,
            label="Next round",
            optional=True,
            options=[Option(value=SKIP_OPTION, text="Skip my next round")],
            ticked={SKIP_OPTION} if profile and profile.skip_next_round else (),
        ),
        InputBlock(
            block_id=PreferencesBlock.AVOID,
            label="Please don't pair me with",
            optional=True,
            hint="Private: only you ever see this list. Nobody is told.",
            element=UserMultiSelectElement(
                action_id=PairingAction.FIELD,
                initial_users=[str(u) for u in profile.avoid] if profile and profile.avoid else None,
            ),
        ),
        DividerBlock(),
        ActionsBlock(
            block_id="pairing_my_data",
            elements=[
                ButtonElement(text="What Kindred holds about me", action_id=PairingAction.SHOW_HELD),
                ButtonElement(
                    text="Leave peer support",
                    action_id=PairingAction.LEAVE,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Leave peer support?",
                        text=(
                            "Your preferences, your private list and your pairing history will be deleted. "
                            "You can join again any time."
                        ),
                        confirm="Leave and delete",
                        deny="Stay",
                        style="danger",
                    ),
                ),
            ],
        ),
    ]
    return build_form(
        callback_id=PairingCallback.PREFERENCES,
        title="Peer support",
        metadata={"programme_ids": [o.value for o in programme_options]},
        blocks=blocks,
    )


def build_held_data(held: HeldData) -> View:
    """Everything Kindred holds about a person's pairing, for them."""
    profile = held.profile
    if profile is None and not held.history and not held.programme_channels:
        return View(
            type="modal",
            title="What Kindred holds",
            close="Close",
            blocks=[SectionBlock(text="Nothing: Kindred holds no pairing data about you.")],
        )
    lines: list[str] = []
    if held.programme_channels:
        lines.append("*Opted in to:* " + ", ".join(f"<#{c}>" for c in held.programme_channels))
    if profile is not None:
        lines += [
            "*Would welcome:* " + (_kind_list(_kinds(profile.seeks)) if profile.seeks else "nothing chosen"),
            "*Can offer:* " + (_kind_list(_kinds(profile.offers)) if profile.offers else "nothing chosen"),
            "*Topics:* " + (escape(profile.topics) if profile.topics else "none"),
            "*Your private don't-pair list:* "
            + (", ".join(f"<@{u}>" for u in profile.avoid) if profile.avoid else "empty"),
            "*Paused until:* " + (profile.paused_until.isoformat() if profile.paused_until else "not paused"),
            "*Skipping the next round:* " + ("yes" if profile.skip_next_round else "no"),
            f"*Introductions unanswered in a row:* {profile.unanswered_in_a_row}"
            + (" (paused until you come back)" if profile.paused_for_silence else ""),
        ]
    blocks: list[Block] = [SectionBlock(text="\n".join(lines))] if lines else []
    history = [
        f"• {slack_date(past.slot)} in <#{past.channel_id}> with "
        + (", ".join(f"<@{p}>" for p in past.partners) or "someone who has since left")
        + (f" - {OUTCOME_LABELS[past.outcome]}" if past.outcome else "")
        for past in held.history[:30]
    ]
    blocks.append(SectionBlock(text="*Your introductions*\n" + ("\n".join(history) or "none yet")))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Leaving peer support deletes all of this. Nothing else is kept.")
            ]
        )
    )
    return View(type="modal", title="What Kindred holds", close="Close", blocks=blocks)


def build_peer_home_blocks(*, joined_channels: Sequence[str], paused_for_silence: bool) -> list[Block]:
    """Everyone's part of the App Home: opt in, or change preferences."""
    if paused_for_silence:
        status = "Your introductions are paused after a few quiet rounds. Come back whenever you like."
    elif joined_channels:
        status = "You're in: " + ", ".join(f"<#{c}>" for c in joined_channels) + "."
    else:
        status = (
            "Be introduced to a colleague for a supportive chat, matched on what you'd welcome and offer."
        )
    elements = [
        ButtonElement(
            text="Your peer-support settings" if joined_channels else "Join peer support",
            action_id=PairingAction.OPEN_PREFERENCES,
            style=None if joined_channels else "primary",
        )
    ]
    if paused_for_silence:
        elements.append(ButtonElement(text="Count me in again", action_id=PairingAction.COME_BACK, value="1"))
    return [
        HeaderBlock(text="Peer support"),
        SectionBlock(text=status + " You can also type `/peers`."),
        ActionsBlock(block_id="pairing_home", elements=elements),
    ]


# -- HR -----------------------------------------------------------------------------------------------


def build_programme_form(programme: Programme | None, *, default_timezone: str) -> View:
    """Create or edit a programme. Block ids are the `ProgrammeSpec` field names, so errors land in place."""
    windows = [Option(value=str(n), text=f"{n} round{'s' if n > 1 else ''}") for n in REPEAT_WINDOW_CHOICES]
    cross_team = Option(value=CROSS_TEAM_OPTION, text="Prefer pairs from different teams")

    blocks: list[Block] = [
        channel_input(
            block_id=ProgrammeBlock.CHANNEL,
            action_id=PairingAction.FIELD,
            label="Channel",
            hint="Its members may opt in; nobody is signed up by being in it.",
            initial=programme.channel_id if programme else None,
        ),
        *build_schedule_blocks(
            action_id=PairingAction.FIELD,
            cadence=programme.cadence if programme else Cadence.WEEKLY,
            weekday=programme.weekday if programme else 0,
            local_time=programme.local_time if programme else "10:00",
            timezone=programme.timezone if programme else default_timezone,
            monthly_hint="Monthly programmes introduce people on the first such day of the month.",
        ),
        select_input(
            block_id=ProgrammeBlock.REPEAT_WINDOW,
            action_id=PairingAction.FIELD,
            label="Before the same two meet again, wait",
            options=windows,
            chosen=str(programme.repeat_window if programme else DEFAULT_REPEAT_WINDOW),
        ),
        checkboxes_input(
            block_id=ProgrammeBlock.OPTIONS,
            action_id=PairingAction.FIELD,
            label="Options",
            optional=True,
            options=[cross_team],
            ticked={CROSS_TEAM_OPTION} if programme is None or programme.prefer_cross_team else (),
        ),
    ]
    return build_form(
        callback_id=PairingCallback.PROGRAMME_FORM,
        title="Edit programme" if programme else "New programme",
        metadata={"programme_id": str(programme.id) if programme else None},
        blocks=blocks,
    )


def build_programme_admin_blocks(
    programmes: Sequence[Programme], counts: Mapping[str, int], page: int = 0, *, min_group_size: int = 5
) -> list[Block]:
    """The peer-support part of the App Home's admin section: the newest first, a page at a time.

    Args:
        programmes: every programme, oldest first.
        counts: how many people opted in, by programme id, as may be shown: at least the count given
            (a step of `min_group_size`, from `in_steps`); a programme missing from it has fewer than
            `min_group_size` (none included), shown as such and never as a number.
        page: which page of them to show.
    """
    blocks: list[Block] = [
        HeaderBlock(text="Peer support"),
        ActionsBlock(
            block_id="pairing_admin",
            elements=[
                ButtonElement(text="New programme", action_id=PairingAction.NEW_PROGRAMME, style="primary")
            ],
        ),
    ]
    if not programmes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No peer-support programmes yet.")]))
    shown = page_of(programmes[::-1], HomeList.PROGRAMMES, page)
    for programme in shown.items:
        programme_id = str(programme.id)
        status = describe_next_slot(paused=programme.paused, next_at=programme.next_round_at)
        blocks.append(
            SectionBlock(
                text=(
                    f"*<#{programme.channel_id}>* · {describe_schedule(programme)} · "
                    f"no repeat within {programme.repeat_window} rounds"
                    f"{' · prefers pairs across teams' if programme.prefer_cross_team else ''}\n"
                    f"{_opted_in(counts.get(programme_id), min_group_size)} · {status}"
                )
            )
        )
        pause = (
            ButtonElement(text="Resume", action_id=PairingAction.RESUME_PROGRAMME, value=programme_id)
            if programme.paused
            else ButtonElement(text="Pause", action_id=PairingAction.PAUSE_PROGRAMME, value=programme_id)
        )
        blocks.append(
            ActionsBlock(
                block_id=f"programme:{programme_id}",
                elements=[
                    ButtonElement(text="Edit", action_id=PairingAction.EDIT_PROGRAMME, value=programme_id),
                    pause,
                    ButtonElement(
                        text="Preview next round",
                        action_id=PairingAction.PREVIEW_PROGRAMME,
                        value=programme_id,
                    ),
                    ButtonElement(
                        text="Delete",
                        action_id=PairingAction.DELETE_PROGRAMME,
                        value=programme_id,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Delete this programme?",
                            text="No more introductions. Its memberships and history are deleted.",
                            confirm="Delete",
                            deny="Keep it",
                            style="danger",
                        ),
                    ),
                ],
            )
        )
    return blocks + build_pager(HomeList.PROGRAMMES, shown, "programmes")


def _opted_in(count: int | None, min_group_size: int) -> str:
    return f"at least {count} opted in" if count is not None else f"fewer than {min_group_size} opted in"


def _repeats(count: int, min_group_size: int) -> str:
    """How many pairs of the next round met within the repeat window, as HR may read it.

    HR needs to know that repeats happen (to widen the programme or shorten the window), not how many:
    "1", beside the programme's history, would point at the one pair. So: none, some (fewer than the
    minimum, how many not said), or a number in steps of the minimum, as every live count is.
    """
    if count == 0:
        return "none"
    step = in_steps(count, min_group_size)
    how_many = (
        f"some, fewer than {min_group_size} (how many is not shown)" if step is None else f"at least *{step}*"
    )
    return f"{how_many}, the least recent possible: nothing else fitted"


def build_preview(
    matching: Matching,
    channel_id: str,
    *,
    programme_id: str | None = None,
    title: str = "Next round preview",
    min_group_size: int = 5,
) -> View:
    """HR's look at the next round: how many people and repeats. Counts only: never a named person's
    needs, don't-pair choices or who meets whom (docs/anonymity.md, rule 8). A count of people under
    `min_group_size` is not given (the dashboard hides a round of so few, and the preview must not say
    what it hides; nor how few the hard rules, such as don't-pair lists, leave out). A bigger count is
    given in steps of `min_group_size` (`in_steps`), as on the App Home: HR can preview as often as it
    likes, and two previews must not tell that one person just opted in. Nor does it say how many groups
    or whether one is a group of three, which would give the count to within one, or its evenness."""
    repeats = sum(len(g.repeats) for g in matching.groups)  # pairs: a group of three holds three
    placed_step = in_steps(matching.placed, min_group_size)
    if placed_step is not None:
        placed = f"at least *{placed_step}* people would take part (counted in steps of {min_group_size})."
    else:
        placed = (
            f"fewer than {min_group_size} people would take part "
            "(how many is not shown, as on the dashboard)."
        )
    left_out = in_steps(len(matching.left_out), min_group_size)
    lines = [
        f"If <#{channel_id}>'s next round were matched now: {placed}",
        f"• Pairs meeting again within the repeat window: {_repeats(repeats, min_group_size)}",
        f"• People who could not be placed: at least *{left_out}* (the hard rules leave nobody free to "
        "meet them)"
        if left_out is not None
        else f"• People who could not be placed: fewer than {min_group_size} (how many is not shown)",
    ]
    if not matching.groups and not matching.left_out:
        lines = ["Nobody is taking part yet."]
    blocks: list[Block] = [
        SectionBlock(text="\n".join(lines)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        "Only counts are shown here: who meets whom, what anyone would welcome or offer, "
                        "and anyone's don't-pair list stay between Kindred and the people themselves."
                    )
                )
            ]
        ),
    ]
    if programme_id is None or not matching.groups:
        return View(type="modal", title=title, close="Close", blocks=blocks)
    # The same preview runs the round: submitting it starts this round now, with these groups.
    return View(
        type="modal",
        callback_id=PairingCallback.RUN_NOW,
        title=title,
        submit="Run this round now",
        close="Not now",
        private_metadata=json.dumps({"programme_id": programme_id}),
        blocks=blocks,
    )
