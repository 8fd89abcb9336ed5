"""The resource directory, its audit log, joins, regions, anonymous questions and support maps.

Plain Python over a session: nothing here knows Slack, and nothing commits (the caller's transaction does).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.admin.service import PHONE_PATTERN, is_https_url
from slackapp.errors import InvalidInput, NotFound
from slackapp.resources.countries import country_of_timezone, label, normalise, region_rank
from slackapp.resources.ids import EntryBlock
from slackapp.resources.models import (
    AnonymousQuestion,
    EntryKind,
    HowMany,
    PersonRegion,
    QuestionCount,
    ResourceAudit,
    ResourceEntry,
    ResourceJoinCount,
    SupportMapEntry,
)
from slackapp.resources.relay import AskerKeys
from slackapp.support import SupportKind

NAME_MAX = 150
DESCRIPTION_MAX = 1000
URL_MAX = 500
PHONE_MAX = 40
TAG_MAX = 30
TAGS_MAX = 10
REGION_MAX = 40
REGIONS_MAX = 20
QUESTION_MAX = 2000
QUESTION_LIFETIME = timedelta(days=30)
# Anonymous questions one person may send in a day, across every group of the workspace.
QUESTIONS_PER_DAY = 5
ENTRY_GONE = "That entry is no longer in the directory."


class LifePart(StrEnum):
    """Where the people on someone's support map come from."""

    FAMILY = "family"
    FRIENDS = "friends"
    COLLEAGUES = "colleagues"
    COMMUNITY = "community"


class AuditAction(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    ARCHIVED = "archived"
    RESTORED = "restored"


@dataclass(frozen=True)
class EntrySpec:
    """What HR typed into the entry form, before validation; field names are the form's block ids."""

    kind: str
    name: str
    description: str = ""
    channel_id: str | None = None
    contact_id: str | None = None
    url: str | None = None
    phone: str | None = None
    support_kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    needs_approval: bool = False


@dataclass(frozen=True)
class DirectoryFilter:
    support_kind: SupportKind | None = None
    tag: str | None = None
    text: str = ""


@dataclass(frozen=True)
class MapLine:
    how_many: HowMany
    from_where: tuple[LifePart, ...] = field(default_factory=tuple)


# -- HR: the directory ---------------------------------------------------------------------------------


def split_list(raw: str | None) -> tuple[str, ...]:
    """ "grief, new parents,  caregivers" -> ("grief", "new parents", "caregivers"), without repeats."""
    seen: dict[str, str] = {}
    for part in (raw or "").replace("\n", ",").split(","):
        cleaned = " ".join(part.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return tuple(seen.values())


def entry_errors(spec: EntrySpec) -> dict[str, str]:
    """Every problem with the form, by block id, in plain words; empty when it can be saved."""
    errors: dict[str, str] = {}
    try:
        kind: EntryKind | None = EntryKind(spec.kind)
    except ValueError:
        kind = None
        errors[EntryBlock.KIND] = "Choose what kind of entry this is."
    name = spec.name.strip()
    if not name:
        errors[EntryBlock.NAME] = 'Give it a name people will recognise, like "Parents at Work".'
    elif len(name) > NAME_MAX:
        errors[EntryBlock.NAME] = f"Keep the name to {NAME_MAX} characters (it has {len(name)})."
    if len(spec.description.strip()) > DESCRIPTION_MAX:
        errors[EntryBlock.DESCRIPTION] = f"Keep the description to {DESCRIPTION_MAX} characters."
    url = (spec.url or "").strip()
    if url and len(url) > URL_MAX:
        errors[EntryBlock.URL] = f"Keep the link to {URL_MAX} characters."
    elif url and not is_https_url(url):
        errors[EntryBlock.URL] = "Use a full https:// link, like https://example.com/parents."
    phone = (spec.phone or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        errors[EntryBlock.PHONE] = "Use digits, spaces and an optional leading +, like +44 800 123 4567."
    if kind is EntryKind.PROFESSIONAL and not url and not phone and EntryBlock.URL not in errors:
        errors[EntryBlock.URL] = "Give at least a link or a phone number, so people can reach the service."
    kinds = [value for value in spec.support_kinds if value in {k.value for k in SupportKind}]
    if not kinds or len(kinds) != len(spec.support_kinds):
        errors[EntryBlock.SUPPORT_KINDS] = "Choose at least one kind of support it offers."
    if len(spec.tags) > TAGS_MAX or any(len(tag) > TAG_MAX for tag in spec.tags):
        errors[EntryBlock.TAGS] = f"Use at most {TAGS_MAX} tags, each under {TAG_MAX} characters."
    if len(spec.regions) > REGIONS_MAX or any(len(region) > REGION_MAX for region in spec.regions):
        errors[EntryBlock.REGIONS] = f"Use at most {REGIONS_MAX} regions, each under {REGION_MAX} characters."
    if spec.needs_approval and not spec.contact_id:
        errors[EntryBlock.CONTACT] = "Choose a contact person: requests to join go to them."
    return errors


def _clean(spec: EntrySpec) -> dict[str, Any]:
    kind = EntryKind(spec.kind)
    return {
        "kind": kind,
        "name": spec.name.strip(),
        "description": spec.description.strip(),
        "channel_id": (spec.channel_id or None) if kind is not EntryKind.PROFESSIONAL else None,
        "contact_id": spec.contact_id or None,
        "url": (spec.url or "").strip() or None,
        "phone": (spec.phone or "").strip() or None,
        "support_kinds": [k.value for k in SupportKind if k.value in spec.support_kinds],
        "tags": [tag.lower() for tag in spec.tags],
        "regions": list(spec.regions) if kind is EntryKind.PROFESSIONAL else [],
        "needs_approval": spec.needs_approval,
    }


def create_entry(
    *, session: Session, workspace_id: str, spec: EntrySpec, created_by: str, now: datetime
) -> ResourceEntry:
    """Add an entry to the directory and record it in the audit log.

    Raises:
        InvalidInput: by block id, in plain words.
    """
    if errors := entry_errors(spec):
        raise InvalidInput(errors)
    values = _clean(spec)
    entry = ResourceEntry(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        archived_at=None,
        **values,
    )
    session.add(entry)
    _audit(
        session,
        entry,
        actor_id=created_by,
        action=AuditAction.CREATED,
        changes={name: [None, _plain(value)] for name, value in values.items() if value},
        now=now,
    )
    return entry


def update_entry(
    *,
    session: Session,
    workspace_id: str,
    entry_id: uuid.UUID,
    spec: EntrySpec,
    updated_by: str,
    now: datetime,
) -> ResourceEntry:
    """Change an entry; the audit log records each field's old and new value.

    Raises:
        InvalidInput: by block id. NotFound: no such entry in this workspace.
    """
    entry = get_entry(session=session, workspace_id=workspace_id, entry_id=entry_id)
    if errors := entry_errors(spec):
        raise InvalidInput(errors)
    changes: dict[str, Any] = {}
    for name, value in _clean(spec).items():
        old = getattr(entry, name)
        if _plain(old) != _plain(value):
            changes[name] = [_plain(old), _plain(value)]
            setattr(entry, name, value)
    if changes:
        entry.updated_at = now
        _audit(session, entry, actor_id=updated_by, action=AuditAction.EDITED, changes=changes, now=now)
    return entry


def set_entry_archived(
    *, session: Session, workspace_id: str, entry_id: uuid.UUID, archived: bool, by: str, now: datetime
) -> ResourceEntry:
    """Archive an entry (hidden from everyone but HR, history kept) or bring it back."""
    entry = get_entry(session=session, workspace_id=workspace_id, entry_id=entry_id)
    if (entry.archived_at is not None) == archived:
        return entry
    entry.archived_at = now if archived else None
    entry.updated_at = now
    action = AuditAction.ARCHIVED if archived else AuditAction.RESTORED
    _audit(session, entry, actor_id=by, action=action, changes={}, now=now)
    return entry


def get_entry(*, session: Session, workspace_id: str, entry_id: uuid.UUID) -> ResourceEntry:
    entry = session.get(ResourceEntry, entry_id)
    if entry is None or entry.workspace_id != workspace_id:
        raise NotFound(ENTRY_GONE)
    return entry


def get_active_entry(*, session: Session, workspace_id: str, entry_id: uuid.UUID) -> ResourceEntry:
    entry = get_entry(session=session, workspace_id=workspace_id, entry_id=entry_id)
    if entry.archived_at is not None:
        raise NotFound(ENTRY_GONE)
    return entry


def mark_channel_archived(*, session: Session, entry: ResourceEntry, archived: bool, now: datetime) -> bool:
    """Record whether the group's channel is archived in Slack. True only when it is newly so (tell HR)."""
    if archived and entry.channel_archived_at is None:
        entry.channel_archived_at = now
        return True
    if not archived:
        entry.channel_archived_at = None
    return False


def list_entries(
    *, session: Session, workspace_id: str, include_archived: bool = False
) -> list[ResourceEntry]:
    query = select(ResourceEntry).where(ResourceEntry.workspace_id == workspace_id)
    if not include_archived:
        query = query.where(ResourceEntry.archived_at.is_(None))
    return list(session.scalars(query.order_by(ResourceEntry.name, ResourceEntry.id)))


def list_audit(*, session: Session, workspace_id: str, limit: int = 30) -> list[ResourceAudit]:
    return list(
        session.scalars(
            select(ResourceAudit)
            .where(ResourceAudit.workspace_id == workspace_id)
            .order_by(ResourceAudit.at.desc(), ResourceAudit.id)
            .limit(limit)
        )
    )


def _audit(
    session: Session,
    entry: ResourceEntry,
    *,
    actor_id: str,
    action: AuditAction,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        ResourceAudit(
            workspace_id=entry.workspace_id,
            entry_id=entry.id,
            entry_name=entry.name,
            actor_id=actor_id,
            action=action.value,
            changes=changes,
            at=now,
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


# -- everyone: finding things --------------------------------------------------------------------------


def filter_entries(entries: Iterable[ResourceEntry], wanted: DirectoryFilter) -> list[ResourceEntry]:
    """Entries that serve the chosen kind of support, carry the tag and contain the words searched for."""
    words = wanted.text.lower().split()
    tag = (wanted.tag or "").lower()
    found = []
    for entry in entries:
        if wanted.support_kind and wanted.support_kind.value not in entry.support_kinds:
            continue
        if tag and tag not in entry.tags:
            continue
        haystack = " ".join([entry.name, entry.description, *entry.tags, entry.kind.label]).lower()
        if all(word in haystack for word in words):
            found.append(entry)
    return found


def all_tags(entries: Iterable[ResourceEntry]) -> list[str]:
    return sorted({tag for entry in entries for tag in entry.tags})


def all_regions(entries: Iterable[ResourceEntry]) -> list[str]:
    """Every region some entry serves: a country's code where it names one (older free text such as
    "UK" counts as GB), else the text (a continent)."""
    return sorted({normalise(region) for entry in entries for region in entry.regions}, key=label)


def for_region_first(entries: Sequence[ResourceEntry], region: str | None) -> list[ResourceEntry]:
    """Entries for the person's country first, then their continent, then everywhere, then the rest."""
    return sorted(entries, key=lambda entry: region_rank(entry.regions, region))


def region_from_timezone(timezone: str | None, known_regions: Sequence[str]) -> str | None:
    """The country a Slack time zone is in (tzdata's zone table), as its ISO 3166 code: Europe/London is
    GB, America/New_York is US. `known_regions` is kept for callers; any country is a valid answer."""
    return country_of_timezone(timezone)


def get_region(*, session: Session, workspace_id: str, user_id: str) -> str | None:
    row = session.get(PersonRegion, (workspace_id, user_id))
    return row.region if row else None


def set_region(*, session: Session, workspace_id: str, user_id: str, region: str) -> None:
    region = " ".join(region.split())[:REGION_MAX]
    if not region:
        raise InvalidInput({"region": "Choose a region."})
    row = session.get(PersonRegion, (workspace_id, user_id))
    if row is None:
        session.add(PersonRegion(workspace_id=workspace_id, user_id=user_id, region=region))
    else:
        row.region = region


def record_join(*, session: Session, entry_id: uuid.UUID, now: datetime) -> None:
    """Count one join through Kindred this month (a number only: who joined is not kept)."""
    month = now.strftime("%Y-%m")
    key = (ResourceJoinCount.entry_id == entry_id, ResourceJoinCount.month == month)
    bump = update(ResourceJoinCount).where(*key).values(count=ResourceJoinCount.count + 1)
    if session.execute(bump).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(ResourceJoinCount(entry_id=entry_id, month=month, count=1))
    except IntegrityError:  # another join this month got there first
        session.execute(bump)


# -- anonymous questions -------------------------------------------------------------------------------


def ask_anonymously(
    *,
    session: Session,
    workspace_id: str,
    entry_id: uuid.UUID,
    asker_id: str,
    question: str,
    now: datetime,
    keys: AskerKeys,
) -> AnonymousQuestion:
    """Keep a question for an entry's contact; the asker is kept only sealed, to deliver the answer.

    Counts the question against the asker's daily limit under a keyed hash (never the plain ID).

    Raises:
        InvalidInput: empty, too long, or over today's limit (key "question").
        NotFound: the entry is gone or has no contact.
    """
    text = question.strip()
    if not text:
        raise InvalidInput({"question": "Write your question first."})
    if len(text) > QUESTION_MAX:
        raise InvalidInput({"question": f"Keep your question to {QUESTION_MAX} characters."})
    entry = get_active_entry(session=session, workspace_id=workspace_id, entry_id=entry_id)
    if not entry.contact_id:
        raise NotFound("This entry has no contact person to ask yet.")
    asker_hash = keys.hash(asker_id)
    if not _count_question(session=session, workspace_id=workspace_id, asker_hash=asker_hash, day=_day(now)):
        raise InvalidInput(
            {
                "question": f"You've sent {QUESTIONS_PER_DAY} anonymous questions today, the most Kindred "
                "relays in a day. You can ask again tomorrow."
            }
        )
    row = AnonymousQuestion(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        entry_id=entry.id,
        asker_sealed=keys.seal(asker_id),
        asker_hash=asker_hash,
        contact_id=entry.contact_id,
        question=text,
        expires_at=now + QUESTION_LIFETIME,
    )
    session.add(row)
    return row


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def asked_on(row: AnonymousQuestion) -> datetime:
    """When the question was asked: what the answer and a report refer to, instead of quoting it."""
    return row.expires_at - QUESTION_LIFETIME


def _count_question(*, session: Session, workspace_id: str, asker_hash: bytes, day: str) -> bool:
    """Count one question today; False (and nothing counted) when the day's limit is reached already."""
    key = (
        QuestionCount.workspace_id == workspace_id,
        QuestionCount.asker_hash == asker_hash,
        QuestionCount.day == day,
    )
    # One statement that both checks and counts, so two questions sent at once cannot both slip under.
    bump = (
        update(QuestionCount)
        .where(*key, QuestionCount.count < QUESTIONS_PER_DAY)
        .values(count=QuestionCount.count + 1)
    )
    if session.execute(bump).rowcount:  # type: ignore[attr-defined]
        return True
    if session.scalar(select(QuestionCount.count).where(*key)) is not None:
        return False  # at the limit
    try:
        with session.begin_nested():
            session.add(QuestionCount(workspace_id=workspace_id, asker_hash=asker_hash, day=day, count=1))
    except IntegrityError:  # another question of theirs got there first
        return bool(session.execute(bump).rowcount)  # type: ignore[attr-defined]
    return True


def get_question_for_contact(
    *, session: Session, workspace_id: str, question_id: uuid.UUID, contact_id: str, now: datetime
) -> AnonymousQuestion:
    """The question, if it is still waiting and `contact_id` is the person it was sent to.

    Raises:
        NotFound: answered already, expired, or meant for someone else.
    """
    row = session.get(AnonymousQuestion, question_id)
    if (
        row is None
        or row.workspace_id != workspace_id
        or row.contact_id != contact_id
        or row.expires_at <= now
    ):
        raise NotFound("This question has already been answered, or it has expired.")
    return row


def check_answer(answer: str) -> str:
    text = answer.strip()
    if not text:
        raise InvalidInput({"answer": "Write your answer first."})
    if len(text) > QUESTION_MAX:
        raise InvalidInput({"answer": f"Keep your answer to {QUESTION_MAX} characters."})
    return text


def forget_question(*, session: Session, question_id: uuid.UUID) -> None:
    """Delete the question and with it the only link to who asked (once answered, or reported)."""
    session.execute(delete(AnonymousQuestion).where(AnonymousQuestion.id == question_id))


def withdraw_question(*, session: Session, question_id: uuid.UUID) -> None:
    """Delete a question that could not be sent, and give the asker back its place in today's count."""
    row = session.get(AnonymousQuestion, question_id)
    if row is None:
        return
    session.execute(
        update(QuestionCount)
        .where(
            QuestionCount.workspace_id == row.workspace_id,
            QuestionCount.asker_hash == row.asker_hash,
            QuestionCount.day == _day(asked_on(row)),
            QuestionCount.count > 0,
        )
        .values(count=QuestionCount.count - 1)
    )
    forget_question(session=session, question_id=question_id)


def purge_expired_questions(*, session: Session, now: datetime) -> int:
    """Delete every question older than its 30 days, answered or not, and the counts of past days.

    Returns:
        How many questions were deleted.
    """
    result = session.execute(delete(AnonymousQuestion).where(AnonymousQuestion.expires_at <= now))
    session.execute(delete(QuestionCount).where(QuestionCount.day < _day(now)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def questions_asked_by(*, session: Session, workspace_id: str, asker_hashes: Sequence[bytes]) -> int:
    """How many questions from this person still wait for an answer (found by their keyed hashes)."""
    return len(
        session.scalars(
            select(AnonymousQuestion.id).where(
                AnonymousQuestion.workspace_id == workspace_id, AnonymousQuestion.asker_hash.in_(asker_hashes)
            )
        ).all()
    )


def forget_asker(*, session: Session, workspace_id: str, asker_hashes: Sequence[bytes]) -> None:
    """Delete this person's waiting questions and today's count of them."""
    for model in (AnonymousQuestion, QuestionCount):
        session.execute(
            delete(model).where(model.workspace_id == workspace_id, model.asker_hash.in_(asker_hashes))
        )


# -- my support map ------------------------------------------------------------------------------------


def get_support_map(*, session: Session, workspace_id: str, user_id: str) -> dict[SupportKind, MapLine]:
    rows = session.scalars(
        select(SupportMapEntry).where(
            SupportMapEntry.workspace_id == workspace_id, SupportMapEntry.user_id == user_id
        )
    )
    found: dict[SupportKind, MapLine] = {}
    for row in rows:
        parts = tuple(LifePart(p) for p in row.from_where if p in {lp.value for lp in LifePart})
        found[SupportKind(row.support_kind)] = MapLine(how_many=row.how_many, from_where=parts)
    return {kind: found[kind] for kind in SupportKind if kind in found}


def save_support_map(
    *, session: Session, workspace_id: str, user_id: str, lines: Mapping[SupportKind, MapLine]
) -> None:
    """Replace the person's map with `lines` (kinds left out are left off the map)."""
    clear_support_map(session=session, workspace_id=workspace_id, user_id=user_id)
    for kind, line in lines.items():
        session.add(
            SupportMapEntry(
                workspace_id=workspace_id,
                user_id=user_id,
                support_kind=kind.value,
                how_many=line.how_many,
                from_where=[part.value for part in line.from_where],
            )
        )


def clear_support_map(*, session: Session, workspace_id: str, user_id: str) -> None:
    session.execute(
        delete(SupportMapEntry).where(
            SupportMapEntry.workspace_id == workspace_id, SupportMapEntry.user_id == user_id
        )
    )


def support_gaps(support_map: Mapping[SupportKind, MapLine]) -> list[SupportKind]:
    """Kinds with nobody or only one person to turn to."""
    return [kind for kind, line in support_map.items() if line.how_many in (HowMany.NONE, HowMany.ONE)]
