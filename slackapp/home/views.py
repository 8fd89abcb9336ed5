"""The App Home: what Kindred is and promises for everyone, and the admin section for admins."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View


def build_home(*, min_group_size: int, admin_blocks: Sequence[Block] | None) -> View:
    blocks: list[Block] = [
        HeaderBlock(text="Kindred"),
        SectionBlock(
            text=(
                "Short, anonymous check-ins in your team's channel, so your team can see where support is "
                "missing - and do something about it.\nWhen a check-in opens you'll see it in the channel; "
                "you can also type `/checkin` there."
            )
        ),
        HeaderBlock(text="Your privacy"),
        SectionBlock(
            text=(
                f"• Leaders see team averages only, and nothing from groups under {min_group_size} people.\n"
                "• Your answers are stored with no name, no Slack ID and no time. Once a round closes, only "
                "the totals remain.\n"
                "• Nobody - not your manager, not HR, not an admin - can see whether you answered."
            )
        ),
    ]
    if admin_blocks:
        blocks += [
            DividerBlock(),
            ContextBlock(
                elements=[MarkdownTextObject(text=":gear: *Admin* - only Kindred admins see this part.")]
            ),
            *admin_blocks,
        ]
    return View(type="home", blocks=blocks)
