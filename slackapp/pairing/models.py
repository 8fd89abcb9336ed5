"""Pairing tables: programmes, what people told us, rounds, groups and who was in them.

Pairing is not anonymous by nature (you meet a person), but it is private: the "don't pair me with" list
lives only on its owner's row, and leaving deletes a person's rows here (docs/anonymity.md). Groups keep no
text about their members, so nothing of a person who left remains in another person's history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Enum, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.cadence.schedule import Cadence
from slackapp.database import (
    DELETE_ROW,
    FEATURE,
    KEPT,
    PSEUDONYMISE,
    Base,
    RandomId,
    SlackId,
    Timestamp,
    person,
)


class RoundState(StrEnum):
    MATCHING = "matching"  # created; the groups are not made yet
    INTRODUCING = "introducing"  # groups made; introductions go out as jobs
    CLOSED = "closed"  # follow-up done, silence counted


class Outcome(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    COULD_NOT_MEET = "could_not_meet"


def _enum_by_value(enum: type[StrEnum], name: str) -> Enum:
    return Enum(enum, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=16)


class Programme(Base):
    """A peer-support programme in one channel: its members may opt in; the cadence says when rounds run."""

    __tablename__ = "pairing_programme"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    channel_id: Mapped[SlackId]
    cadence: Mapped[Cadence] = mapped_column(_enum_by_value(Cadence, "pairing_cadence"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 is Monday
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    repeat_window: Mapped[int] = mapped_column(SmallInteger)  # rounds before a pair may meet again
    prefer_cross_team: Mapped[bool]
    paused: Mapped[bool] = mapped_column(default=False)
    next_round_at: Mapped[datetime | None]
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[SlackId] = mapped_column(
        info=person(PSEUDONYMISE, "You set up {n} peer-support programme(s) (your ID is kept as who did).")
    )
    created_at: Mapped[Timestamp]


class Profile(Base):
    """What one person told Kindred about pairing in a workspace. Deleted, with the rest, when they leave."""

    __tablename__ = "pairing_profile"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True, info=person(DELETE_ROW, why="listed in detail by pairing's what_we_hold")
    )
    seeks: Mapped[list[Any]]  # SupportKind values they would welcome
    offers: Mapped[list[Any]]  # SupportKind values they can offer
    topics: Mapped[str | None] = mapped_column(String(300))
    # The private "please don't pair me with" list: only its owner ever sees it.
    avoid: Mapped[list[Any]] = mapped_column(
        info=person(
            KEPT,
            why="the owner's private choice: telling the people on it, or removing them, would reveal it "
            "or lift a protection they asked for; it goes when its owner's data goes",
        )
    )
    paused_until: Mapped[date | None] = mapped_column(Date)
    skip_next_round: Mapped[bool] = mapped_column(default=False)
    unanswered_in_a_row: Mapped[int] = mapped_column(SmallInteger, default=0)
    paused_for_silence: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[Timestamp]


class Membership(Base):
    """Someone has opted in to a programme (being in its channel is not consent)."""

    __tablename__ = "pairing_membership"

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pairing_programme.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True, info=person(DELETE_ROW, "You take part in {n} peer-support programme(s).")
    )
    workspace_id: Mapped[SlackId] = mapped_column(index=True)
    joined_at: Mapped[Timestamp]


class PairingRound(Base):
    """One round of a programme: a slot in its schedule, never filled twice."""

    __tablename__ = "pairing_round"
    __table_args__ = (UniqueConstraint("programme_id", "slot"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pairing_programme.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 1, 2, 3... within the programme: the matcher's idea of "rounds ago"
    slot: Mapped[Timestamp]
    seed: Mapped[int]
    state: Mapped[RoundState] = mapped_column(_enum_by_value(RoundState, "pairing_round_state"))
    opted_in_count: Mapped[int | None]  # members of the programme when the round was matched
    matched_count: Mapped[int | None]  # people put in a group
    # People whose group met, counted once when the round closed: the dashboard's figure never moves
    # after that (a late "We met" still thanks the person, and counts nowhere).
    met_count: Mapped[int | None]
    nudge_at: Mapped[Timestamp]
    follow_up_at: Mapped[Timestamp]
    closes_at: Mapped[Timestamp]


class Group(Base):
    """Two people (or three) introduced to each other in a round, and how it went."""

    __tablename__ = "pairing_group"

    id: Mapped[RandomId]
    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pairing_round.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[SlackId]
    size: Mapped[int] = mapped_column(SmallInteger)
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    introduction_ts: Mapped[str | None] = mapped_column(String(32))
    introduced_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    followed_up_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(_enum_by_value(Outcome, "pairing_outcome"))


class GroupMember(Base):
    """Who was in a group; whether they answered (pressed "We met" or answered the follow-up)."""

    __tablename__ = "pairing_group_member"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pairing_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True,
        index=True,
        info=person(
            FEATURE,
            why="in a workspace through its group: pairing's leave() deletes it, what_we_hold lists it",
        ),
    )
    responded: Mapped[bool] = mapped_column(default=False)
