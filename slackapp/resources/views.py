"""Block Kit for resource groups: pure builders, no Slack calls, no database."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp.database import FORGOTTEN
from slackapp.home.ids import HomeList
from slackapp.home.pages import (
    Page,
    build_page_buttons,
    build_pager,
    page_of,
    page_value,
    pages_kept,
    slice_page,
)
from slackapp.resources.countries import country_names, grouped_countries, label, normalise
from slackapp.resources.ids import (
    ANSWER_BLOCK,
    ANY,
    NEEDS_APPROVAL_OPTION,
    QUESTION_BLOCK,
    DirectoryBlock,
    DirectoryList,
    EntryBlock,
    ResourceAction,
    ResourceCallback,
)
from slackapp.resources.models import EntryKind, HowMany, ResourceAudit, ResourceEntry
from slackapp.resources.service import (
    DESCRIPTION_MAX,
    NAME_MAX,
    PHONE_MAX,
    QUESTION_MAX,
    URL_MAX,
    DirectoryFilter,
    LifePart,
    MapLine,
    support_gaps,
)
from slackapp.slack.forms import build_form, channel_input, checkboxes_input, select_input, text_input
from slackapp.slack.mrkdwn import escape, link
from slackapp.support import SupportKind

MAX_OPTIONS = 100  # Slack's limit for a static select
# A page of each directory list: entries can be long, and someone looking for help reads, not scrolls.
DIRECTORY_PAGE_SIZES = {DirectoryList.PROFESSIONAL: 10, DirectoryList.GROUPS: 10}

HOW_MANY_LABELS = {
    HowMany.NONE: "nobody",
    HowMany.ONE: "one person",
    HowMany.A_FEW: "a few",
    HowMany.MANY: "many",
}
HOW_MANY_DOTS = {HowMany.NONE: 0, HowMany.ONE: 1, HowMany.A_FEW: 2, HowMany.MANY: 3}
LIFE_PART_LABELS = {
    LifePart.FAMILY: "Family",
    LifePart.FRIENDS: "Friends",
    LifePart.COLLEAGUES: "Colleagues",
    LifePart.COMMUNITY: "Community",
}


def _metadata(**data: object) -> str:
    return json.dumps(data)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def entry_text(entry: ResourceEntry) -> str:
    """An entry as people see it: name, kind, description and how to reach it."""
    lines = [f"*{escape(entry.name)}*  ·  _{entry.kind.label}_"]
    if entry.channel_id and entry.channel_archived_at is not None:
        lines.append(":no_entry: Unavailable for now: its channel was archived.")
    if entry.description:
        lines.append(escape(entry.description))
    reach = []
    if entry.phone:
        reach.append(f":telephone_receiver: {escape(entry.phone)}")
    if entry.url:
        reach.append(link(entry.url, "Website"))
    if entry.channel_id:
        reach.append(f"<#{entry.channel_id}>" + (" (private: ask to join)" if entry.needs_approval else ""))
    if entry.contact_id:
        reach.append(f"Contact: <@{entry.contact_id}>")
    if reach:
        lines.append("  ·  ".join(reach))
    if entry.tags:
        lines.append(" ".join(f"`{escape(tag)}`" for tag in entry.tags))
    return "\n".join(lines)[:3000]


# -- HR: the entry form, the admin list and the audit log ----------------------------------------------


def _kind_option(kind: EntryKind) -> Option:
    return Option(value=kind.value, text=kind.label)


def _support_option(kind: SupportKind) -> Option:
    return Option(value=kind.value, text=kind.label)


def build_entry_form(entry: ResourceEntry | None) -> View:
    """The create/edit form. Block ids are `EntrySpec` field names, so errors land on the right field."""

    def text(
        block: EntryBlock,
        label: str,
        value: str | None,
        max_length: int,
        hint: str | None = None,
        multiline: bool = False,
    ) -> InputBlock:
        return text_input(
            block_id=block,
            action_id=ResourceAction.ENTRY_FIELD,
            label=label,
            initial=value,
            max_length=max_length,
            hint=hint,
            optional=block is not EntryBlock.NAME,
            multiline=multiline,
        )

    supports = [_support_option(k) for k in SupportKind]
    approval = Option(value=NEEDS_APPROVAL_OPTION, text="Joining needs the contact's approval")
    blocks: list[Block] = [
        select_input(
            block_id=EntryBlock.KIND,
            action_id=ResourceAction.ENTRY_FIELD,
            label="Kind",
            options=[_kind_option(k) for k in EntryKind],
            chosen=entry.kind.value if entry else None,
        ),
        text(EntryBlock.NAME, "Name", entry.name if entry else None, NAME_MAX),
        text(
            EntryBlock.DESCRIPTION,
            "Description",
            entry.description if entry else None,
            DESCRIPTION_MAX,
            multiline=True,
        ),
        checkboxes_input(
            block_id=EntryBlock.SUPPORT_KINDS,
            action_id=ResourceAction.ENTRY_FIELD,
            label="Kinds of support it offers",
            hint="Check-ins suggest it to people who are missing these.",
            options=supports,
            ticked=entry.support_kinds if entry else (),
        ),
        channel_input(
            block_id=EntryBlock.CHANNEL,
            action_id=ResourceAction.ENTRY_FIELD,
            label="Slack channel (groups)",
            hint="For a private channel, add Kindred to it first (/invite @Kindred).",
            optional=True,
            initial=entry.channel_id if entry and entry.channel_id else None,
        ),
        InputBlock(
            block_id=EntryBlock.CONTACT,
            label="Contact person",
            hint="Receives requests to join and anonymous questions.",
            optional=True,
            element=UserSelectElement(
                action_id=ResourceAction.ENTRY_FIELD,
                initial_user=entry.contact_id if entry and entry.contact_id else None,
            ),
        ),
        checkboxes_input(
            block_id=EntryBlock.OPTIONS,
            action_id=ResourceAction.ENTRY_FIELD,
            label="Joining",
            optional=True,
            options=[approval],
            ticked={NEEDS_APPROVAL_OPTION} if entry and entry.needs_approval else (),
        ),
        text(EntryBlock.URL, "Link", entry.url if entry else None, URL_MAX, "A full https:// link."),
        text(
            EntryBlock.PHONE,
            "Phone (professional help)",
            entry.phone if entry else None,
            PHONE_MAX,
            "Like +44 800 123 4567.",
        ),
        text(
            EntryBlock.TAGS,
            "Tags",
            ", ".join(entry.tags) if entry else None,
            400,
            "Separated by commas, like: caregivers, new parents, grief.",
        ),
        build_countries_input(entry.regions if entry else []),
    ]
    if entry is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Archive this entry",
                        action_id=ResourceAction.ARCHIVE_ENTRY,
                        value=str(entry.id),
                        style="danger",
                        confirm=ConfirmObject(
                            title="Archive this entry?",
                            text="People will no longer see it. Its history stays in the audit log, "
                            "and you can restore it from the Home tab.",
                            confirm="Archive",
                            deny="Keep it",
                        ),
                    )
                ]
            )
        )
    return build_form(
        callback_id=ResourceCallback.ENTRY_FORM,
        title="Edit entry" if entry else "New entry",
        metadata={"entry_id": str(entry.id) if entry else None},
        blocks=blocks,
    )


def build_admin_blocks(entries: Sequence[ResourceEntry], page: int = 0) -> list[Block]:
    """The directory in the App Home's admin section: add, edit, restore, and the audit log.

    Args:
        entries: every entry, archived ones included, in name order.
        page: which page to show; the entries people see come first, then the archived ones.
    """
    active = [e for e in entries if e.archived_at is None]
    archived = [e for e in entries if e.archived_at is not None]
    blocks: list[Block] = [
        HeaderBlock(text="Resource directory"),
        _context(
            "Employee resource groups, support groups and professional help that people find with "
            "`/resources`, in their Home tab, and privately after a check-in."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(text="Add an entry", action_id=ResourceAction.NEW_ENTRY, style="primary"),
                ButtonElement(text="Audit log", action_id=ResourceAction.SHOW_AUDIT_LOG),
            ]
        ),
    ]
    if not active:
        blocks.append(_context("_The directory is empty._"))
    shown = page_of([*active, *archived], HomeList.RESOURCES, page)
    for entry in shown.items:
        if entry.archived_at is None:
            blocks.append(
                SectionBlock(
                    text=f"*{escape(entry.name)}*  ·  _{entry.kind.label}_",
                    accessory=ButtonElement(
                        text="Edit", action_id=ResourceAction.EDIT_ENTRY, value=str(entry.id)
                    ),
                )
            )
        else:
            blocks.append(
                SectionBlock(
                    text=f"~{escape(entry.name)}~  ·  _archived_",
                    accessory=ButtonElement(
                        text="Restore", action_id=ResourceAction.RESTORE_ENTRY, value=str(entry.id)
                    ),
                )
            )
    return blocks + build_pager(HomeList.RESOURCES, shown, "entries")


def _short(value: object) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = "—" if value in (None, "") else str(value)
    return escape(text if len(text) <= 60 else text[:57] + "…")


def audit_line(row: ResourceAudit) -> str:
    stamp = int(row.at.timestamp())
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{row.at:%Y-%m-%d %H:%M} UTC>"
    who = "someone whose data was deleted" if row.actor_id == FORGOTTEN else f"<@{row.actor_id}>"
    line = f"{when}  {who} {row.action} *{escape(row.entry_name)}*"
    if row.action == "edited":
        changes = "; ".join(
            f"{name}: {_short(old)} → {_short(new)}" for name, (old, new) in row.changes.items()
        )
        line += f"\n    {changes}"
    return line


def build_audit_view(rows: Sequence[ResourceAudit]) -> View:
    """The latest changes to the directory: who, when, what."""
    if not rows:
        blocks: list[Block] = [SectionBlock(text="No changes yet.")]
    else:
        blocks = []
        chunk = ""
        for line in (audit_line(row) for row in rows):
            if len(chunk) + len(line) + 1 > 2900:
                blocks.append(SectionBlock(text=chunk))
                chunk = ""
            chunk = f"{chunk}\n{line}" if chunk else line
        blocks.append(SectionBlock(text=chunk))
        blocks.append(_context(f"The latest {len(rows)} changes, newest first."))
    return View(
        type="modal",
        callback_id=ResourceCallback.AUDIT_LOG,
        title="Directory audit log",
        close="Close",
        blocks=blocks,
    )


# -- everyone: the directory -----------------------------------------------------------------------------


def _entry_buttons(entry: ResourceEntry) -> list[ButtonElement]:
    buttons = []
    if entry.channel_id and entry.channel_archived_at is None:
        if entry.needs_approval:
            buttons.append(
                ButtonElement(text="Ask to join", action_id=ResourceAction.ASK_TO_JOIN, value=str(entry.id))
            )
        else:
            buttons.append(
                ButtonElement(
                    text="Join", action_id=ResourceAction.JOIN, value=str(entry.id), style="primary"
                )
            )
    if entry.contact_id:
        buttons.append(
            ButtonElement(
                text="Ask anonymously", action_id=ResourceAction.ASK_ANONYMOUSLY, value=str(entry.id)
            )
        )
    if entry.url:
        buttons.append(ButtonElement(text="Website", action_id=ResourceAction.OPEN_LINK, url=entry.url))
    return buttons


def _professional_blocks(professional: Page[ResourceEntry], region: str | None) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Professional help")]
    if not professional.total:
        blocks.append(_context("_Your HR team has not listed professional help yet._"))
        return blocks
    for entry in professional.items:
        blocks.append(SectionBlock(text=entry_text(entry)))
    note = "Confidential, and you don't need a reason to reach out."
    if region:
        note += f" Help for *{escape(label(region))}* is listed first."
    blocks.append(_context(note))
    return blocks + _directory_pager(DirectoryList.PROFESSIONAL, professional, "professional help")


def _directory_pager(directory_list: DirectoryList, page: Page[ResourceEntry], noun: str) -> list[Block]:
    return build_page_buttons(
        page,
        noun,
        block_id=f"pages:{directory_list}",
        previous_action=ResourceAction.PREVIOUS_PAGE,
        next_action=ResourceAction.NEXT_PAGE,
        value_of=lambda number: page_value(directory_list, number),
    )


def build_directory(
    *,
    professional: Sequence[ResourceEntry],
    groups: Sequence[ResourceEntry],
    tags: Sequence[str],
    wanted: DirectoryFilter,
    region: str | None,
    pages: Mapping[DirectoryList, int] | None = None,
) -> View:
    """The directory modal: filters on top, professional help always first, then the matching groups.

    Each list shows a page at a time, with Previous / Next that redraw the modal in place: someone looking
    for help reaches every entry without having to guess a word to search for, help for their region is
    on the first page, and no filter ever hides professional help. However long the directory grows the
    modal stays within Slack's 100 blocks: 3 filters, 14 for professional help (header, a page of 10, the
    note, two for the pager) and 23 for groups (header, 10 groups of two blocks, two for the pager): 40.

    Args:
        professional: every professional-help entry, already in region order (filters never hide them).
        groups: the groups that match `wanted`.
        pages: the page of each list to show (the first by default; the last if the list has shrunk).
    """
    pages = pages or {}
    any_kind = Option(value=ANY, text="Any kind of support")
    kinds = [any_kind, *(_support_option(k) for k in SupportKind)]
    any_tag = Option(value=ANY, text="Any tag")
    tag_options = [any_tag, *(Option(value=tag, text=tag) for tag in tags[: MAX_OPTIONS - 1])]
    chosen_kind = next(
        (o for o in kinds if wanted.support_kind and o.value == wanted.support_kind.value), any_kind
    )
    chosen_tag = next((o for o in tag_options if o.value == wanted.tag), any_tag)
    professional_page = slice_page(
        professional,
        DIRECTORY_PAGE_SIZES[DirectoryList.PROFESSIONAL],
        pages.get(DirectoryList.PROFESSIONAL, 0),
    )
    groups_page = slice_page(
        groups, DIRECTORY_PAGE_SIZES[DirectoryList.GROUPS], pages.get(DirectoryList.GROUPS, 0)
    )
    blocks: list[Block] = [
        InputBlock(
            block_id=DirectoryBlock.KIND,
            label="Kind of support",
            dispatch_action=True,
            optional=True,
            element=StaticSelectElement(
                action_id=ResourceAction.FILTER_KIND, options=kinds, initial_option=chosen_kind
            ),
        ),
        InputBlock(
            block_id=DirectoryBlock.TAG,
            label="Tag",
            dispatch_action=True,
            optional=True,
            element=StaticSelectElement(
                action_id=ResourceAction.FILTER_TAG, options=tag_options, initial_option=chosen_tag
            ),
        ),
        InputBlock(
            block_id=DirectoryBlock.SEARCH,
            label="Search",
            dispatch_action=True,
            optional=True,
            element=PlainTextInputElement(
                action_id=ResourceAction.SEARCH,
                initial_value=wanted.text or None,
                max_length=100,
                placeholder="Words to look for, then Enter",
                dispatch_action_config={"trigger_actions_on": ["on_enter_pressed"]},
            ),
        ),
        *_professional_blocks(professional_page, region),
        HeaderBlock(text="Groups"),
    ]
    if not groups:
        blocks.append(
            SectionBlock(text="No group matches that yet. Try another kind of support, tag or word.")
        )
    for entry in groups_page.items:
        blocks.append(SectionBlock(text=entry_text(entry)))
        if buttons := _entry_buttons(entry):
            blocks.append(ActionsBlock(elements=buttons))
    blocks += _directory_pager(DirectoryList.GROUPS, groups_page, "groups")
    # What is shown, so a page turn redraws the same filters and the other list's page as they were.
    shown = {DirectoryList.PROFESSIONAL: professional_page.number, DirectoryList.GROUPS: groups_page.number}
    return View(
        type="modal",
        callback_id=ResourceCallback.DIRECTORY,
        title="Groups and help",
        submit="Search",
        close="Close",
        private_metadata=_metadata(region=region, filter=_filter_data(wanted), pages=pages_kept(shown)),
        blocks=blocks,
    )


def _filter_data(wanted: DirectoryFilter) -> dict[str, str | None]:
    """The filters as the directory's metadata keeps them (read back by the listeners)."""
    return {
        "kind": wanted.support_kind.value if wanted.support_kind else None,
        "tag": wanted.tag,
        "text": wanted.text or None,
    }


def build_ask_view(entry: ResourceEntry) -> View:
    return build_form(
        callback_id=ResourceCallback.ASK_ANONYMOUSLY,
        title="Ask anonymously",
        submit="Send",
        metadata={"entry_id": str(entry.id)},
        blocks=[
            SectionBlock(
                text=f"Your question goes to <@{entry.contact_id}>, the contact for *{escape(entry.name)}*."
            ),
            text_input(
                block_id=QUESTION_BLOCK,
                action_id=ResourceAction.QUESTION_FIELD,
                label="Your question",
                multiline=True,
                max_length=QUESTION_MAX,
            ),
            _context(
                "They will not see who asked. Kindred keeps the link to you only until their answer "
                "reaches you, and never longer than 30 days."
            ),
        ],
    )


def build_question_message(entry: ResourceEntry, question_id: str, question: str) -> tuple[str, list[Block]]:
    """The DM to the contact: the question, with no trace of who asked, and a button to answer."""
    text = f"Someone asked an anonymous question about {escape(entry.name)}."
    return text, [
        SectionBlock(text=f"Someone asked an anonymous question about *{escape(entry.name)}*:"),
        SectionBlock(text="\n".join(f"> {escape(line)}" for line in question.splitlines())[:3000]),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Answer",
                    action_id=ResourceAction.ANSWER_QUESTION,
                    value=question_id,
                    style="primary",
                ),
                ButtonElement(
                    text="Report to HR",
                    action_id=ResourceAction.REPORT_QUESTION,
                    value=question_id,
                    confirm=ConfirmObject(
                        title="Report this question?",
                        text="HR will see the question and the group it was about, never who sent it "
                        "(nobody can). The question is then deleted and needs no answer.",
                        confirm="Report",
                        deny="Cancel",
                        style="danger",
                    ),
                ),
            ]
        ),
        _context("Kindred relays your answer; neither of you sees the other's name through it."),
    ]


def build_question_report(entry: ResourceEntry, asked_on: datetime, question: str) -> tuple[str, list[Block]]:
    """The DM to HR when a contact reports a question: the text and the group, nothing about who asked."""
    text = f"A contact reported an anonymous question about {escape(entry.name)}."
    return text, [
        SectionBlock(
            text=f"<@{entry.contact_id}>, the contact for *{escape(entry.name)}*, reported an anonymous "
            f"question sent to them on {_day(asked_on)} as abusive:"
        ),
        SectionBlock(text="\n".join(f"> {escape(line)}" for line in question.splitlines())[:3000]),
        _context("Kindred never shows who sent an anonymous question, to anyone. The question is deleted."),
    ]


def _day(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^{{date_long}}|{moment:%d %B %Y}>"


def build_answer_view(question_id: str, question: str) -> View:
    return build_form(
        callback_id=ResourceCallback.ANSWER,
        title="Answer anonymously",
        submit="Send answer",
        metadata={"question_id": question_id},
        blocks=[
            SectionBlock(text="\n".join(f"> {escape(line)}" for line in question.splitlines())[:3000]),
            text_input(
                block_id=ANSWER_BLOCK,
                action_id=ResourceAction.ANSWER_FIELD,
                label="Your answer",
                multiline=True,
                max_length=QUESTION_MAX,
            ),
        ],
    )


def build_answer_message(answer: str) -> tuple[str, list[Block]]:
    """The DM to the asker: the answer, and nothing the contact's DM also says.

    Not the question's text, and not its group or day either: the contact's DM names the group and Slack
    dates it, so a DM to the asker naming them let a workspace owner's export match the two, and say who
    asked (and that they asked about that group at all).
    """
    text = "Your anonymous question was answered."
    return text, [
        SectionBlock(text="Your anonymous question was answered:"),
        SectionBlock(text=escape(answer)[:3000]),
        _context("The link between you and this question has now been deleted."),
    ]


def build_join_request_message(entry: ResourceEntry, user_id: str) -> tuple[str, list[Block]]:
    """The DM to the contact of a private group: who would like to join. No reason is asked or given."""
    text = f"<@{user_id}> would like to join {escape(entry.name)}."
    return text, [
        SectionBlock(text=f"<@{user_id}> would like to join *{escape(entry.name)}* (<#{entry.channel_id}>)."),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Add them to the channel",
                    action_id=ResourceAction.ADD_REQUESTER,
                    value=json.dumps({"entry_id": str(entry.id), "user_id": user_id}),
                    style="primary",
                )
            ]
        ),
        _context(f"Or add them yourself in the channel with `/invite <@{user_id}>`. Sent through Kindred."),
    ]


def build_added_message(entry: ResourceEntry, user_id: str) -> tuple[str, list[Block]]:
    text = f"You added <@{user_id}> to {escape(entry.name)}."
    return text, [SectionBlock(text=f":white_check_mark: You added <@{user_id}> to <#{entry.channel_id}>.")]


def build_welcome_message(entry: ResourceEntry) -> tuple[str, list[Block]]:
    text = f"You've been added to {escape(entry.name)}."
    return text, [
        SectionBlock(
            text=f"Your request was accepted: you're now in <#{entry.channel_id}> (*{escape(entry.name)}*)."
        )
    ]


def build_countries_input(regions: Sequence[str]) -> InputBlock:
    """HR picks the countries a help line serves from a list (grouped by continent: Block Kit allows 100
    options a group). A region typed before this list existed (a continent) stays offered, and chosen."""
    chosen = [normalise(r) for r in regions]
    groups = [
        OptionGroup(label=continent, options=[Option(value=code, text=name[:75]) for code, name in countries])
        for continent, countries in grouped_countries()
        if countries
    ]
    earlier = [r for r in chosen if r not in country_names()]
    if earlier:
        groups.append(
            OptionGroup(label="Typed before", options=[Option(value=r[:75], text=r[:75]) for r in earlier])
        )
    by_value = {o.value: o for g in groups for o in (g.options or [])}
    return InputBlock(
        block_id=EntryBlock.REGIONS,
        label="Countries served (professional help)",
        optional=True,
        hint="People in these countries (from their Slack time zone) see this first. Leave empty if it "
        "serves everyone.",
        element=StaticMultiSelectElement(
            action_id=ResourceAction.ENTRY_FIELD,
            placeholder="Choose countries",
            option_groups=groups,
            initial_options=[by_value[r] for r in chosen if r in by_value] or None,
        ),
    )


# -- everyone: the App Home ------------------------------------------------------------------------------


def build_person_home_blocks(
    *,
    professional: Sequence[ResourceEntry],
    region: str | None,
    regions: Sequence[str],
    support_map: Mapping[SupportKind, MapLine],
    gap_groups: Mapping[SupportKind, Sequence[ResourceEntry]],
) -> list[Block]:
    """Find support (professional help first, the directory a click away) and My support map."""
    blocks: list[Block] = [
        HeaderBlock(text="Find support"),
        SectionBlock(
            text="Employee resource groups, support groups and professional help. "
            "Type `/resources` anywhere.",
            accessory=ButtonElement(
                text="Browse groups and help", action_id=ResourceAction.BROWSE, style="primary"
            ),
        ),
    ]
    for entry in professional[:5]:
        blocks.append(SectionBlock(text=entry_text(entry)))
    if regions:
        options = [Option(value=r, text=label(r)[:75]) for r in regions[:MAX_OPTIONS]]
        chosen = next((o for o in options if region and o.value.lower() == region.lower()), None)
        blocks.append(
            SectionBlock(
                text="Professional help for your region is listed first"
                + (f" (now *{escape(label(region))}*)." if region else "."),
                accessory=StaticSelectElement(
                    action_id=ResourceAction.CHOOSE_REGION,
                    placeholder="Your region",
                    options=options,
                    initial_option=chosen,
                ),
            )
        )
    blocks += build_support_map_blocks(support_map, gap_groups, has_professional=bool(professional))
    return blocks


def _dots(how_many: HowMany) -> str:
    filled = HOW_MANY_DOTS[how_many]
    return ":large_green_circle:" * filled + ":white_circle:" * (3 - filled) if filled else ":red_circle:"


def build_support_map_blocks(
    support_map: Mapping[SupportKind, MapLine],
    gap_groups: Mapping[SupportKind, Sequence[ResourceEntry]],
    *,
    has_professional: bool,
) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text="My support map"),
        _context("Only you can see this. It is never counted in any report or dashboard."),
    ]
    if not support_map:
        blocks.append(
            SectionBlock(
                text="For each kind of support: how many people could you turn to, and from which parts of "
                "your life? Seeing it drawn out shows where a gap is - and what might fill it.",
                accessory=ButtonElement(text="Map my support", action_id=ResourceAction.EDIT_SUPPORT_MAP),
            )
        )
        return blocks
    lines = []
    for kind, line in support_map.items():
        where = ", ".join(LIFE_PART_LABELS[p].lower() for p in line.from_where)
        lines.append(
            f"{_dots(line.how_many)}  *{kind.label}*: {HOW_MANY_LABELS[line.how_many]}"
            + (f" - {where}" if where else "")
        )
    blocks.append(SectionBlock(text="\n".join(lines)))
    gaps = support_gaps(support_map)
    if gaps:
        ideas = []
        for kind in gaps:
            names = ", ".join(f"*{escape(e.name)}*" for e in gap_groups.get(kind, [])[:3])
            idea = f"• *{kind.label}*: " + (f"groups such as {names}; " if names else "")
            idea += "a peer-support pairing (`/peers`)"
            if has_professional and kind in (SupportKind.EMOTIONAL, SupportKind.ADVICE):
                idea += "; or the professional help above"
            ideas.append(idea + ".")
        blocks.append(SectionBlock(text="*Places to start*\n" + "\n".join(ideas)))
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(text="Update my map", action_id=ResourceAction.EDIT_SUPPORT_MAP),
                ButtonElement(text="Clear my map", action_id=ResourceAction.CLEAR_SUPPORT_MAP),
            ]
        )
    )
    return blocks


def map_block_ids(kind: SupportKind) -> tuple[str, str]:
    return f"map_{kind.value}_how_many", f"map_{kind.value}_from_where"


def build_support_map_form(support_map: Mapping[SupportKind, MapLine]) -> View:
    how_options = [Option(value=h.value, text=HOW_MANY_LABELS[h].capitalize()) for h in HowMany]
    part_options = [Option(value=p.value, text=LIFE_PART_LABELS[p]) for p in LifePart]
    blocks: list[Block] = [_context("Only you will see this. Leave out anything you'd rather not say.")]
    for kind in SupportKind:
        how_block, from_block = map_block_ids(kind)
        line = support_map.get(kind)
        blocks += [
            InputBlock(
                block_id=how_block,
                label=f"{kind.label}: how many people could you turn to?",
                optional=True,
                element=StaticSelectElement(
                    action_id=ResourceAction.MAP_HOW_MANY,
                    options=how_options,
                    initial_option=next(
                        (o for o in how_options if line and o.value == line.how_many.value), None
                    ),
                ),
            ),
            checkboxes_input(
                block_id=from_block,
                action_id=ResourceAction.MAP_FROM_WHERE,
                label="From which parts of your life?",
                optional=True,
                options=part_options,
                ticked=line.from_where if line else (),
            ),
        ]
    return build_form(callback_id=ResourceCallback.SUPPORT_MAP, title="My support map", blocks=blocks)
