"""Numbers for HR: members per group and joins through Kindred per month, small counts suppressed.

Only counts leave this module, and a count below `min_group_size` is shown as suppressed (None), so a
group of two cannot be told apart from a group of one. Support maps never enter any figure.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.resources.models import ResourceEntry, ResourceJoinCount


@dataclass(frozen=True)
class GroupCount:
    entry_id: uuid.UUID
    name: str
    count: int | None  # None: too small to show, or unknown


@dataclass(frozen=True)
class MonthlyJoins:
    entry_id: uuid.UUID
    name: str
    month: str  # "YYYY-MM"
    joins: int | None  # None: fewer than the smallest group that may be shown


def suppress(count: int | None, min_group_size: int) -> int | None:
    return count if count is not None and count >= min_group_size else None


def count_channel_members(
    client: WebClient, channel_id: str, *, bot_user_id: str | None = None
) -> int | None:
    """People in a channel (Kindred itself not counted), or None if Slack won't say."""
    try:
        total = 0
        for page in client.conversations_members(channel=channel_id, limit=1000):
            total += sum(1 for member in page.get("members", []) if member != bot_user_id)
    except SlackApiError:
        return None
    return total


def members_per_group(
    entries: Sequence[ResourceEntry], member_counts: Mapping[uuid.UUID, int | None], *, min_group_size: int
) -> list[GroupCount]:
    """Each group with a channel, with its member count suppressed below `min_group_size`."""
    return [
        GroupCount(entry_id=e.id, name=e.name, count=suppress(member_counts.get(e.id), min_group_size))
        for e in entries
        if e.channel_id
    ]


def read_members_per_group(
    client: WebClient, entries: Sequence[ResourceEntry], *, min_group_size: int
) -> list[GroupCount]:
    """Ask Slack for each group channel's size, then suppress small ones."""
    bot_user_id = None
    with contextlib.suppress(SlackApiError):
        bot_user_id = client.auth_test().get("user_id")
    counts = {
        e.id: count_channel_members(client, e.channel_id, bot_user_id=bot_user_id)
        for e in entries
        if e.channel_id
    }
    return members_per_group(entries, counts, min_group_size=min_group_size)


def joins_per_month(*, session: Session, workspace_id: str, min_group_size: int) -> list[MonthlyJoins]:
    """Joins through Kindred per group per month, oldest month first; small counts suppressed."""
    rows = session.execute(
        select(ResourceEntry.id, ResourceEntry.name, ResourceJoinCount.month, ResourceJoinCount.count)
        .join(ResourceJoinCount, ResourceJoinCount.entry_id == ResourceEntry.id)
        .where(ResourceEntry.workspace_id == workspace_id)
        .order_by(ResourceJoinCount.month, ResourceEntry.name)
    )
    return [
        MonthlyJoins(entry_id=entry_id, name=name, month=month, joins=suppress(count, min_group_size))
        for entry_id, name, month, count in rows
    ]


def stored_members_per_group(*, session: Session, workspace_id: str, min_group_size: int) -> list[GroupCount]:
    """The worker's latest member counts for groups with a channel, small ones suppressed."""
    entries = session.scalars(
        select(ResourceEntry)
        .where(
            ResourceEntry.workspace_id == workspace_id,
            ResourceEntry.channel_id.is_not(None),
            ResourceEntry.archived_at.is_(None),
        )
        .order_by(ResourceEntry.name)
    )
    return [
        GroupCount(entry_id=e.id, name=e.name, count=suppress(e.member_count, min_group_size))
        for e in entries
    ]
