"""The directory as a check-in `SuggestionSource`: entries that serve what the person is missing.

Built from entries already loaded, and run on the answers in memory: nothing about the person or the
suggestions is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from slackapp.checkins.suggestions import Needs, Suggestion, SuggestionSource
from slackapp.mrkdwn import escape
from slackapp.resources.models import EntryKind, ResourceEntry
from slackapp.resources.service import for_region_first, get_region, list_entries

MAX_SUGGESTIONS = 4


def _suggestion(entry: ResourceEntry) -> Suggestion:
    where = f" Find it in <#{entry.channel_id}> or with `/resources`." if entry.channel_id else ""
    text = (escape(entry.description[:280]) if entry.description else entry.kind.label) + where
    return Suggestion(
        title=entry.name,
        text=text,
        url=entry.url,
        phone=entry.phone,
        professional=entry.kind is EntryKind.PROFESSIONAL,
    )


def directory_source(entries: Sequence[ResourceEntry], *, region: str | None = None) -> SuggestionSource:
    """A source suggesting entries that serve the person's low-scoring kinds of support.

    When well-being is low or stress is high (`needs.urgent`), professional help comes first, for the
    person's region first, whatever kinds it serves.
    """
    active = [e for e in entries if e.archived_at is None]

    def suggest_from_directory(needs: Needs) -> list[Suggestion]:
        wanted = {kind.value for kind in needs.low_support}
        professional = for_region_first([e for e in active if e.kind is EntryKind.PROFESSIONAL], region)
        groups = [e for e in active if e.kind is not EntryKind.PROFESSIONAL and wanted & set(e.support_kinds)]
        if needs.urgent:
            chosen = professional + groups
        else:
            chosen = groups + [e for e in professional if wanted & set(e.support_kinds)]
        return [_suggestion(entry) for entry in chosen[:MAX_SUGGESTIONS]]

    return suggest_from_directory


def directory_suggestions(*, session: Session, workspace_id: str, user_id: str) -> SuggestionSource:
    """The workspace's directory as a source, with the person's chosen region (read, never written)."""
    return directory_source(
        list_entries(session=session, workspace_id=workspace_id),
        region=get_region(session=session, workspace_id=workspace_id, user_id=user_id),
    )
