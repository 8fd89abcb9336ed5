"""Resource tables: the directory, its audit log, join counts, anonymous questions and support maps."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import (
    CLEAR,
    DELETE_ROW,
    FEATURE,
    PSEUDONYMISE,
    SCRUB,
    Base,
    RandomId,
    SlackId,
    Timestamp,
    person,
)


class EntryKind(StrEnum):
    EMPLOYEE_GROUP = "employee_group"
    SUPPORT_GROUP = "support_group"
    PROFESSIONAL = "professional"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EntryKind.EMPLOYEE_GROUP: "Employee resource group",
    EntryKind.SUPPORT_GROUP: "Support group",
    EntryKind.PROFESSIONAL: "Professional help",
}


class HowMany(StrEnum):
    """How many people someone could turn to for one kind of support, on their own support map."""

    NONE = "none"
    ONE = "one"
    A_FEW = "a_few"
    MANY = "many"


def _enum_by_value(enum: type[StrEnum], length: int = 16) -> Enum:
    return Enum(enum, values_callable=lambda e: [m.value for m in e], native_enum=False, length=length)


class ResourceEntry(Base):
    """One entry in HR's directory: an employee resource group, a support group or professional help."""

    __tablename__ = "resource_entry"
    __table_args__ = (Index("ix_resource_entry_workspace_id_archived_at", "workspace_id", "archived_at"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    kind: Mapped[EntryKind] = mapped_column(_enum_by_value(EntryKind, 20))
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str | None] = mapped_column(String(32))
    contact_id: Mapped[str | None] = mapped_column(
        String(32), info=person(CLEAR, "You are the contact person for {n} group(s) or service(s).")
    )
    url: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    support_kinds: Mapped[list[Any]]
    tags: Mapped[list[Any]]
    regions: Mapped[list[Any]]
    needs_approval: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None]
    created_by: Mapped[SlackId] = mapped_column(
        info=person(PSEUDONYMISE, "You added {n} directory entry(ies) (your ID is kept as who added them).")
    )
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    # How many people are in the group's channel, counted by the worker once a day (a count, no names).
    member_count: Mapped[int | None]
    members_counted_at: Mapped[datetime | None]
    # When the worker found the group's channel archived in Slack (HR is told once); None while open.
    channel_archived_at: Mapped[datetime | None]


class ResourceAudit(Base):
    """Who changed which entry, when, and what changed; HR reads it in the App Home."""

    __tablename__ = "resource_audit"

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId] = mapped_column(index=True)
    # No foreign key: the log outlives anything it describes.
    entry_id: Mapped[uuid.UUID]
    entry_name: Mapped[str] = mapped_column(String(150))
    actor_id: Mapped[SlackId] = mapped_column(
        info=person(PSEUDONYMISE, "The directory's change log names you in {n} change(s).")
    )
    action: Mapped[str] = mapped_column(String(16))
    # Old and new values of what changed; a contact person's ID among them.
    changes: Mapped[dict[str, Any]] = mapped_column(
        info=person(SCRUB, "The directory's change log mentions you in {n} change(s).")
    )
    at: Mapped[Timestamp]


class ResourceJoinCount(Base):
    """Joins through Kindred per entry per month: a count only, never who joined."""

    __tablename__ = "resource_join_count"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource_entry.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM"
    count: Mapped[int] = mapped_column(default=0)


class ResourceMemberCount(Base):
    """How many people were in a group's channel in a month, as last counted in it (so, at its end once
    the month is over): a count only. The engagement page reads completed months, never today's count."""

    __tablename__ = "resource_member_count"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resource_entry.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM"
    count: Mapped[int]


class PersonRegion(Base):
    """The region a person chose, so professional help for it is listed first."""

    __tablename__ = "resource_person_region"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True, info=person(DELETE_ROW, why="listed with the region by data rights")
    )
    region: Mapped[str] = mapped_column(String(60))


class AnonymousQuestion(Base):
    """A question relayed to an entry's contact. The row, and with it the asker, is deleted once the
    answer is delivered or the question reported, or after 30 days by the worker.

    Who asked is kept only sealed (under the stored-secrets key, so a dump alone does not say), and as a
    keyed hash so that "see" and "delete everything tied to me" find the person's pending questions.
    """

    __tablename__ = "resource_question"

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resource_entry.id", ondelete="CASCADE"))
    asker_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    asker_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), index=True, info=person(FEATURE, why="keyed hash, found by resources.service")
    )
    contact_id: Mapped[SlackId] = mapped_column(
        info=person(DELETE_ROW, "{n} anonymous question(s) sent to you wait for your answer.")
    )
    question: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[Timestamp] = mapped_column(index=True)


class QuestionCount(Base):
    """How many anonymous questions one person sent today, under a keyed hash of who: never the ID, and
    never which questions. Rows of past days are deleted by the worker."""

    __tablename__ = "resource_question_count"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    asker_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), primary_key=True, info=person(FEATURE, why="keyed hash, found by resources.service")
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # "YYYY-MM-DD", UTC
    count: Mapped[int] = mapped_column(default=0)


class SupportMapEntry(Base):
    """One line of a person's private support map. Read only by that person; never aggregated."""

    __tablename__ = "resource_support_map"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True, info=person(DELETE_ROW, "Your private support map (only you can see it).")
    )
    support_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    how_many: Mapped[HowMany] = mapped_column(_enum_by_value(HowMany))
    from_where: Mapped[list[Any]]
