"""The App Home: what Kindred is and promises for everyone, a leader's dashboard link, and the admin section
for admins."""

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


def build_home(
    *,
    member_blocks: Sequence[Block],
    privacy_blocks: Sequence[Block],
    admin_blocks: Sequence[Block] | None,
    private_metadata: str | None = None,
) -> View:
    """Everyone's part (what Kindred is, their features, their privacy), then the admin section for admins.

    Args:
        private_metadata: what the Home remembers for the next button pressed in it (see home/pages.py).
    """
    blocks: list[Block] = [
        HeaderBlock(text="Kindred"),
        SectionBlock(
            text=(
                "Short, anonymous check-ins in your team's channel, so your team can see where support is "
                "missing - and do something about it.\nWhen a check-in opens you'll see it in the channel; "
                "you can also type `/checkin` there."
            )
        ),
        *member_blocks,
        *privacy_blocks,
    ]
    if admin_blocks:
        blocks += [
            DividerBlock(),
            ContextBlock(
                elements=[MarkdownTextObject(text=":gear: *Admin* - only Kindred admins see this part.")]
            ),
            *admin_blocks,
        ]
    return View(type="home", blocks=blocks, private_metadata=private_metadata)


def build_dashboard_link_blocks(dashboard_url: str) -> list[Block]:
    """For a manager: where their teams' results are (only groups large enough to keep everyone anonymous).

    Args:
        dashboard_url: the dashboard's address (`KINDRED_PUBLIC_URL` + /dashboard/), checked in settings.
    """
    return [
        SectionBlock(
            text=(
                "*Your teams' results* are on the dashboard: averages and trends of groups large enough "
                f"to keep everyone anonymous. <{dashboard_url}|Open the dashboard>"
            )
        )
    ]
