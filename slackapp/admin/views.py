"""Block Kit for the admin feature: the professional-help form and the admin parts of the App Home."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp.admin.ids import PURGE_BLOCK, PURGE_WORD, AdminAction, AdminCallback, HelpBlock
from slackapp.admin.service import HelpContact
from slackapp.home.ids import HomeList
from slackapp.home.pages import build_pager, page_of
from slackapp.slack.forms import build_form, text_input
from slackapp.slack.mrkdwn import escape


def build_help_form(contact: HelpContact | None) -> View:
    def text(block_id: HelpBlock, label: str, value: str | None, hint: str, optional: bool) -> InputBlock:
        return text_input(
            block_id=block_id,
            action_id=AdminAction.HELP_FIELD,
            label=label,
            initial=value,
            max_length=500,
            hint=hint,
            optional=optional,
        )

    return build_form(
        callback_id=AdminCallback.HELP_FORM,
        title="Professional help",
        blocks=[
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Check-ins point here, privately, when someone's answers show they may "
                        "need support."
                    )
                ]
            ),
            text(
                HelpBlock.NAME,
                "Name",
                contact.name if contact else None,
                'Like "Employee Assistance Programme".',
                False,
            ),
            text(HelpBlock.URL, "Link", contact.url if contact else None, "A full https:// link.", True),
            text(
                HelpBlock.PHONE, "Phone", contact.phone if contact else None, "Like +44 800 123 4567.", True
            ),
        ],
    )


def build_admin_settings_blocks(
    contact: HelpContact | None, admin_ids: Sequence[str], page: int = 0
) -> list[Block]:
    """Professional help and the Kindred admins (the newest first, a page at a time), for the App Home.

    Args:
        admin_ids: every Kindred admin, in the order they were added.
        page: which page of them to show.
    """
    if contact:
        reach = " · ".join(escape(part) for part in (contact.phone, contact.url) if part)
        help_text = f"*{escape(contact.name)}*\n{reach}"
    else:
        help_text = "_Not set yet._ Check-ins will suggest it to people whose answers show a need."
    blocks: list[Block] = [
        HeaderBlock(text="Professional help"),
        SectionBlock(
            text=help_text,
            accessory=ButtonElement(text="Edit", action_id=AdminAction.EDIT_HELP),
        ),
        HeaderBlock(text="Kindred admins"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Workspace admins and owners are always Kindred admins. Admins set up check-ins; "
                    "nobody, admins included, can see who answered what or who has not answered."
                )
            ]
        ),
    ]
    shown = page_of(admin_ids[::-1], HomeList.ADMINS, page)
    for user_id in shown.items:
        blocks.append(
            SectionBlock(
                text=f"<@{user_id}>",
                accessory=ButtonElement(text="Remove", action_id=AdminAction.REMOVE_ADMIN, value=user_id),
            )
        )
    blocks += build_pager(HomeList.ADMINS, shown, "Kindred admins")
    blocks.append(
        ActionsBlock(
            elements=[UserSelectElement(action_id=AdminAction.ADD_ADMIN, placeholder="Add a Kindred admin")]
        )
    )
    blocks += [
        HeaderBlock(text="Workspace data"),
        SectionBlock(
            text="Delete everything Kindred holds for this workspace: check-ins and their results, teams, "
            "pairing, resources and roles. It cannot be undone.",
            accessory=ButtonElement(text="Delete all data…", action_id=AdminAction.ASK_PURGE, style="danger"),
        ),
    ]
    return blocks


def build_purge_form() -> View:
    return build_form(
        callback_id=AdminCallback.PURGE_FORM,
        title="Delete all data",
        submit="Delete everything",
        close="Keep it",
        blocks=[
            SectionBlock(
                text="This deletes every check-in, result, team, pairing programme, resource and role "
                "Kindred holds for this workspace, for everyone. Kindred stays installed and starts afresh."
            ),
            text_input(
                block_id=PURGE_BLOCK,
                action_id=AdminAction.PURGE_CONFIRMATION,
                label=f"Type {PURGE_WORD} to confirm",
                max_length=20,
            ),
        ],
    )
