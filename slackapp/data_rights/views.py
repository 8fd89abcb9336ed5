"""Block Kit for data rights: the privacy page in the App Home and the "what Kindred holds" modal."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from slackapp.data_rights.ids import DataRightsAction
from slackapp.mrkdwn import escape


def build_privacy_page(min_group_size: int, min_comment_group_size: int) -> list[Block]:
    return [
        HeaderBlock(text="Your privacy and your data"),
        SectionBlock(
            text=(
                "*What Kindred stores.* Check-in scores with no name, no Slack ID and no time; once a round "
                "closes only the team's totals remain. Comments, if your team has them, are kept shuffled, "
                "undated and apart from the scores. Things you choose to give: peer-support preferences, "
                "your region, your private support map."
            )
        ),
        SectionBlock(
            text=(
                "*What Kindred never stores.* Who gave which answer, when you answered, whether you "
                "answered (known only while a round is open, as a keyed hash, so you answer once), or the "
                "suggestions shown to you after a check-in."
            )
        ),
        SectionBlock(
            text=(
                f"*Who sees what.* Managers see their own teams' averages; HR sees the whole organisation "
                f"- never anything from a group of fewer than {min_group_size} people, and comments only "
                f"from groups of {min_comment_group_size} or more. Nobody, admins included, sees who "
                "answered what or who has not answered."
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="See what Kindred holds about me", action_id=DataRightsAction.SHOW_MY_DATA
                ),
                ButtonElement(
                    text="Delete everything tied to me",
                    action_id=DataRightsAction.DELETE_MY_DATA,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Delete your data?",
                        text="Your roles, dashboard sign-ins, peer-support preferences and history, "
                        "region, support map and pending anonymous questions will be deleted; where you set "
                        "something up, your ID is replaced. Anonymous answers are tied to nobody, so they "
                        "stay in the team totals.",
                        confirm="Delete",
                        deny="Keep it",
                        style="danger",
                    ),
                ),
            ]
        ),
    ]


def build_held_data_view(lines: Sequence[str], *, deleted: bool = False) -> View:
    if deleted:
        text = "Done: everything tied to you is deleted."
    elif lines:
        text = "\n".join(f"• {escape(line)}" for line in lines)
    else:
        text = "Nothing. Kindred holds nothing tied to you."
    return View(
        type="modal",
        title="Your data",
        close="Close",
        blocks=[
            SectionBlock(text=text),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Your check-in answers are not listed: they are stored with no name and "
                        "cannot be traced back to you - not even by Kindred."
                    )
                ]
            ),
        ],
    )
