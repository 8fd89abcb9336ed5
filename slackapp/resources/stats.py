"""Numbers for HR: members per group and joins through Kindred, over completed months, small counts hidden.

Only counts leave this module, and a count below `min_group_size` is shown as suppressed (None), so a
group of two cannot be told apart from a group of one. The figures are published step by step over
completed months (`steps`), so that member counts and joins cannot be set against each other, and a
month's figures never change once it is over. Support maps never enter any figure.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.resources.models import ResourceEntry, ResourceJoinCount, ResourceMemberCount


@dataclass(frozen=True)
class GroupCount:
    entry_id: uuid.UUID
    name: str
    count: int | None  # None: too small to show, or unknown
    month: str | None = None  # "YYYY-MM": the month at whose end it was counted, when published


@dataclass(frozen=True)
class GroupJoins:
    """Joins through Kindred over one published step of a group's months (`first_month`..`last_month`)."""

    entry_id: uuid.UUID
    name: str
    first_month: str  # "YYYY-MM"
    last_month: str
    joins: int | None  # None: hidden (fewer than the minimum), or months not published yet
    pending: bool = False  # the months since the last published step: nothing of them is shown yet


@dataclass(frozen=True)
class GroupFigures:
    members: list[GroupCount]
    joins: list[GroupJoins]


@dataclass(frozen=True)
class Step:
    """One published step of a group: its months, the joins over them, the members at the last one's end."""

    first_month: str
    last_month: str
    joins: int
    members: int


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


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def months_from(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included; empty when `first` is later."""
    year, month = int(first[:4]), int(first[5:])
    found: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def last_completed_month(now: datetime) -> str:
    first_of_this = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_of(first_of_this - timedelta(days=1))


def steps(
    months: Sequence[str], joins: Mapping[str, int], members: Mapping[str, int], *, min_group_size: int
) -> tuple[list[Step], str | None]:
    """A group's completed months cut into published steps; and the first month not yet in one.

    A group's member count is, at worst (nobody left, nobody came in but through Kindred), the sum of its
    joins: two member counts shown with a month's joins hidden between them would give those joins away
    (twelve members, then fourteen: the two who joined the grief-support group in March). So a member
    count is shown only at the end of a step, and a step's joins are shown (or hidden) as one figure
    over all its months: between two shown counts lies one joins figure, never a hidden month alone.
    A step ends at the first month whose member count is known and at least the minimum, when the joins
    since the last step reach the minimum, or the count moved by at least the minimum since the last one
    shown (or none was shown yet). With joins hidden, that move cannot have come from them alone.
    """
    found: list[Step] = []
    start: str | None = None
    pending = 0
    shown: int | None = None
    for month in months:
        start = start or month
        pending += joins.get(month, 0)
        counted = members.get(month)
        if counted is None or counted < min_group_size:
            continue
        if pending >= min_group_size or shown is None or abs(counted - shown) >= min_group_size:
            found.append(Step(start, month, pending, counted))
            start, pending, shown = None, 0, counted
    return found, start


def group_figures(*, session: Session, workspace_id: str, min_group_size: int, now: datetime) -> GroupFigures:
    """Each group's published steps (completed months only, so the page is the same all month): its
    joins through Kindred step by step, and its members at the end of its latest step.

    Args:
        min_group_size: settings.min_group_size (never below 3).
        now: what "this month" is; months before it are complete.
    """
    last = last_completed_month(now)
    entries = list(
        session.scalars(
            select(ResourceEntry)
            .where(
                ResourceEntry.workspace_id == workspace_id,
                ResourceEntry.channel_id.is_not(None),
                ResourceEntry.archived_at.is_(None),
            )
            .order_by(ResourceEntry.name, ResourceEntry.id)
        )
    )
    ids = [e.id for e in entries]
    joins: dict[uuid.UUID, dict[str, int]] = {}
    for entry_id, month, count in session.execute(
        select(ResourceJoinCount.entry_id, ResourceJoinCount.month, ResourceJoinCount.count).where(
            ResourceJoinCount.entry_id.in_(ids), ResourceJoinCount.month <= last
        )
    ):
        joins.setdefault(entry_id, {})[month] = count
    members: dict[uuid.UUID, dict[str, int]] = {}
    for entry_id, month, count in session.execute(
        select(ResourceMemberCount.entry_id, ResourceMemberCount.month, ResourceMemberCount.count).where(
            ResourceMemberCount.entry_id.in_(ids), ResourceMemberCount.month <= last
        )
    ):
        members.setdefault(entry_id, {})[month] = count
    figures = GroupFigures(members=[], joins=[])
    for entry in entries:
        first = min([month_of(entry.created_at), *joins.get(entry.id, {}), *members.get(entry.id, {})])
        months = months_from(first, last)
        done, pending_from = steps(
            months, joins.get(entry.id, {}), members.get(entry.id, {}), min_group_size=min_group_size
        )
        latest = done[-1] if done else None
        figures.members.append(
            GroupCount(
                entry.id,
                entry.name,
                latest.members if latest else None,
                latest.last_month if latest else None,
            )
        )
        for step in done:
            shown = step.joins if step.joins >= min_group_size else None
            figures.joins.append(GroupJoins(entry.id, entry.name, step.first_month, step.last_month, shown))
        if pending_from is not None:
            figures.joins.append(GroupJoins(entry.id, entry.name, pending_from, last, None, pending=True))
    return figures


def record_member_count(*, session: Session, entry_id: uuid.UUID, count: int, now: datetime) -> None:
    """Keep the group's latest count for this month: once the month is over, its count at the end."""
    month = month_of(now)
    key = (ResourceMemberCount.entry_id == entry_id, ResourceMemberCount.month == month)
    keep = update(ResourceMemberCount).where(*key).values(count=count)
    if session.execute(keep).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(ResourceMemberCount(entry_id=entry_id, month=month, count=count))
    except IntegrityError:  # a second worker counted the same group this month at the same moment
        session.execute(keep)
