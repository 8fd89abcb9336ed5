"""Check-in tables, laid out so no row about an answer can name a person (docs/anonymity.md, rules 1-3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Enum,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from slackapp.cadence.schedule import Cadence
from slackapp.database import KEPT, PSEUDONYMISE, Base, RandomId, SlackId, Timestamp, person


class RoundState(StrEnum):
    OPENING = "opening"  # created; the invitation may not be in the channel yet
    OPEN = "open"
    CLOSED = "closed"


def _enum_by_value(enum: type[StrEnum]) -> Enum:
    return Enum(enum, values_callable=lambda e: [m.value for m in e], native_enum=False, length=16)


class Pulse(Base):
    """A recurring check-in in one channel; the channel's members are the team."""

    __tablename__ = "checkin_pulse"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    channel_id: Mapped[SlackId]
    cadence: Mapped[Cadence] = mapped_column(_enum_by_value(Cadence))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 is Monday
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    open_hours: Mapped[int] = mapped_column(SmallInteger)
    question_keys: Mapped[list[Any]]
    comments_enabled: Mapped[bool]
    reminder_enabled: Mapped[bool]
    paused: Mapped[bool] = mapped_column(default=False)
    next_open_at: Mapped[datetime | None]
    created_by: Mapped[SlackId] = mapped_column(
        info=person(PSEUDONYMISE, "You set up {n} check-in schedule(s) (your ID is kept as who set them up).")
    )
    created_at: Mapped[Timestamp]


class Round(Base):
    """One check-in in one channel. It keeps its own copy of the questions so history stays true."""

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("pulse_id", "slot"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    pulse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checkin_pulse.id", ondelete="SET NULL"))
    channel_id: Mapped[SlackId]
    # The schedule slot this round fills; unique per pulse so no slot is ever opened twice.
    slot: Mapped[Timestamp]
    questions: Mapped[list[Any]]
    comments_enabled: Mapped[bool]
    state: Mapped[RoundState] = mapped_column(_enum_by_value(RoundState), index=True)
    opens_at: Mapped[Timestamp]
    closes_at: Mapped[Timestamp]
    remind_at: Mapped[datetime | None]
    invitation_ts: Mapped[str | None] = mapped_column(String(32))
    # Kindred's own records of the reminder and results it posted in the channel: a retried job never
    # posts either again, and reads no channel history (no *:history scope, docs/anonymity.md rule 8).
    reminder_ts: Mapped[str | None] = mapped_column(String(32))
    results_ts: Mapped[str | None] = mapped_column(String(32))
    # Encrypted under KINDRED_SECRET_KEY; erased when the round closes (rule 2).
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # How many people were invited: the rows of `checkin_invitee` (rule 5), kept after they are erased.
    # Both counts go when the round's publication does not show its team (slackapp/privacy/publish.py).
    invited_count: Mapped[int | None]
    respondent_count: Mapped[int | None]
    # The team's department when the round closed, and its name then. A closed round is counted in
    # this department for good, so moving a team or deleting a department changes only rounds that
    # close afterwards (slackapp/privacy/suppression.py). Not a foreign key on purpose: deleting the
    # department must not take its past rounds out of its past totals.
    department_id: Mapped[uuid.UUID | None]
    department_name: Mapped[str | None] = mapped_column(String(80))


def _voter_hash_column() -> MappedColumn[bytes]:
    """HMAC-SHA256(round secret, user ID), the one way the ledger and the invitee list name a person."""
    return mapped_column(
        LargeBinary(32),
        primary_key=True,
        info=person(
            KEPT,
            why="HMAC under the open round's secret: nobody can recompute it once the round closes, when it "
            "is erased; deleting it earlier would let the person answer twice",
        ),
    )


class Participation(Base):
    """The participation ledger: HMAC(round secret, user ID), erased with the secret at close."""

    __tablename__ = "checkin_participation"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), primary_key=True
    )
    voter_hash: Mapped[bytes] = _voter_hash_column()


class Invitee(Base):
    """A person the round was for (a member of its channel when it opened), as HMAC(round secret, user ID).

    The same keyed hash as the ledger, so the ledger's insert checks it in the same statement; erased
    with the secret when the round closes (docs/anonymity.md rules 2 and 5).
    """

    __tablename__ = "checkin_invitee"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), primary_key=True
    )
    voter_hash: Mapped[bytes] = _voter_hash_column()


class Answer(Base):
    """One score for one question. It knows its round and nothing else: no person, no time, no response."""

    __tablename__ = "checkin_answer"

    id: Mapped[RandomId]
    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), index=True
    )
    question_key: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(SmallInteger)


class Comment(Base):
    """A free-text comment, written in its own transaction apart from the scores, and undated."""

    __tablename__ = "checkin_comment"

    id: Mapped[RandomId]
    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)


class Histogram(Base):
    """What a closed round keeps until a publication takes it: per question, how many people chose each
    scale value (deleted with that publication: slackapp/privacy/publish.py)."""

    __tablename__ = "checkin_histogram"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int]
