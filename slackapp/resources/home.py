"""The resource parts of a person's App Home, read from the database (and Slack, for a time zone)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from slackapp.database import SessionFactory
from slackapp.resources.models import EntryKind, ResourceEntry
from slackapp.resources.service import (
    all_regions,
    for_region_first,
    get_region,
    get_support_map,
    list_entries,
    region_from_timezone,
    support_gaps,
)
from slackapp.resources.views import build_admin_blocks, build_person_home_blocks
from slackapp.slack.people import person_timezone


def person_region(
    *, client: WebClient, db: SessionFactory, workspace_id: str, user_id: str, entries: list[ResourceEntry]
) -> str | None:
    """The region the person chose, or else the one their Slack time zone suggests."""
    with db() as session:
        chosen = get_region(session=session, workspace_id=workspace_id, user_id=user_id)
    if chosen:
        return chosen
    return region_from_timezone(person_timezone(client, user_id), all_regions(entries))


def resource_home_blocks(
    *, client: WebClient, db: SessionFactory, workspace_id: str, user_id: str
) -> list[Block]:
    """Find support and My support map, for everyone."""
    with db() as session:
        entries = list_entries(session=session, workspace_id=workspace_id)
        support_map = get_support_map(session=session, workspace_id=workspace_id, user_id=user_id)
    region = person_region(client=client, db=db, workspace_id=workspace_id, user_id=user_id, entries=entries)
    professional = [e for e in entries if e.kind is EntryKind.PROFESSIONAL]
    groups = [e for e in entries if e.kind is not EntryKind.PROFESSIONAL]
    gap_groups = {
        kind: [g for g in groups if kind.value in g.support_kinds] for kind in support_gaps(support_map)
    }
    return build_person_home_blocks(
        professional=for_region_first(professional, region),
        region=region,
        regions=all_regions(professional),
        support_map=support_map,
        gap_groups=gap_groups,
    )


def resource_admin_blocks(*, db: SessionFactory, workspace_id: str, page: int = 0) -> list[Block]:
    """The directory for HR, archived entries included, a page at a time."""
    with db() as session:
        entries = list_entries(session=session, workspace_id=workspace_id, include_archived=True)
    return build_admin_blocks(entries, page)
