"""The directory as a check-in `SuggestionSource`: entries that serve what the person is missing.

Built from entries already loaded, and run on the answers in memory: nothing about the person or the
suggestions is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from slackapp.checkins.suggestions import Needs, Suggestion, SuggestionSource
from slackapp.resources.countries import region_rank
from slackapp.resources.models import EntryKind, PersonRegion, ResourceEntry
from slackapp.resources.service import list_entries
from slackapp.slack.mrkdwn import escape

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


@dataclass(frozen=True)
class _Listed:
    """One active entry, already rendered as a suggestion, with what choosing it needs."""

    suggestion: Suggestion
    support_kinds: frozenset[str]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    """A workspace's active directory entries, ready to suggest from: HR's data, nothing about a person.

    Immutable, so a web process may keep one for a short while (slackapp/checkins/intake.py) instead of
    reading the directory on every check-in.
    """

    professional: tuple[_Listed, ...]
    groups: tuple[_Listed, ...]

    @classmethod
    def of(cls, entries: Sequence[ResourceEntry]) -> Directory:
        """From loaded entries (archived ones are left out), keeping their order."""
        listed = [
            (
                entry.kind is EntryKind.PROFESSIONAL,
                _Listed(_suggestion(entry), frozenset(entry.support_kinds), tuple(entry.regions)),
            )
            for entry in entries
            if entry.archived_at is None
        ]
        return cls(
            professional=tuple(item for is_professional, item in listed if is_professional),
            groups=tuple(item for is_professional, item in listed if not is_professional),
        )

    @property
    def ranks_by_region(self) -> bool:
        """Whether a person's region can change the order: only professional help for named regions."""
        return any(item.regions for item in self.professional)

    def source(self, *, region: str | None) -> SuggestionSource:
        """A source suggesting entries that serve the person's low-scoring kinds of support.

        When well-being is low or stress is high (`needs.urgent`), professional help comes first, for
        the person's region first, whatever kinds it serves.
        """

        def suggest_from_directory(needs: Needs) -> list[Suggestion]:
            wanted = {kind.value for kind in needs.low_support}
            # Entries for the person's country first, then their continent, then everywhere (stable).
            professional = sorted(self.professional, key=lambda item: region_rank(item.regions, region))
            groups = [item for item in self.groups if wanted & item.support_kinds]
            if needs.urgent:
                chosen = professional + groups
            else:
                chosen = groups + [item for item in professional if wanted & item.support_kinds]
            return [item.suggestion for item in chosen[:MAX_SUGGESTIONS]]

        return suggest_from_directory


def directory_source(entries: Sequence[ResourceEntry], *, region: str | None = None) -> SuggestionSource:
    """A source suggesting entries that serve the person's low-scoring kinds of support (see `Directory`)."""
    return Directory.of(entries).source(region=region)


def read_directory(*, session: Session, workspace_id: str) -> Directory:
    """The workspace's active directory entries, ready to suggest from."""
    return Directory.of(list_entries(session=session, workspace_id=workspace_id))


_REGION = select(PersonRegion.region).where(
    PersonRegion.workspace_id == bindparam("workspace_id"), PersonRegion.user_id == bindparam("user_id")
)


def read_region(*, session: Session, workspace_id: str, user_id: str) -> str | None:
    """The region the person chose (read, never written, never kept): one plain read."""
    region = session.execute(_REGION, {"workspace_id": workspace_id, "user_id": user_id}).scalar()
    return str(region) if region is not None else None
