"""Publications: each completed period's cells, computed once by the worker and never changed.

The anonymity model's rule 4, "publish once" (docs/anonymity.md).

A publication holds only what may be shown: a hidden cell keeps its reason and nothing else, so no
reader, however careless, can show a hidden number. Every surface (dashboard pages and callbacks, the
CSV export, the results post in a team's channel) reads these rows and nothing else.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import Base, RandomId, SlackId, Timestamp


class PublicationSchedule(Base):
    """One row per workspace that has rounds: the subject of its recurring "publish" job, and the row a
    publishing worker locks, so two workers never publish the same workspace at once."""

    __tablename__ = "privacy_publication_schedule"

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId] = mapped_column(unique=True)


class Publication(Base):
    """One completed period of one workspace, as published. Written once; never updated."""

    __tablename__ = "privacy_publication"
    __table_args__ = (UniqueConstraint("workspace_id", "period"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    period: Mapped[date] = mapped_column(Date)  # the Monday (UTC) the week starts on
    published_at: Mapped[Timestamp]
    # The minimum group size this publication was suppressed with, and the tree it was computed on
    # ({"departments": {id: {"name": …, "teams": [channel, …]}}, "teams": [channel without one, …]}).
    min_group_size: Mapped[int] = mapped_column(SmallInteger)
    tree: Mapped[dict[str, Any]]


class PublishedRound(Base):
    """Which publication a closed round went into. The round id is the key, so a round goes into one
    publication and never two; `counted` is False for a team's earlier round in the same publication,
    which a later round of the team replaced (people would otherwise be counted twice)."""

    __tablename__ = "privacy_published_round"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), primary_key=True
    )
    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("privacy_publication.id", ondelete="CASCADE"), index=True
    )
    counted: Mapped[bool]


class PublishedCell(Base):
    """One unit (the organisation, a department or a team) in one publication.

    `respondents is None` means hidden, for `reason`. `figures` maps each question the unit's teams
    asked to {"n", "counts", "mean", "low", "high", "change"} when shown ("change": the mean's change
    since the unit's previous cell, or null), or {"hidden": reason} when not.
    """

    __tablename__ = "privacy_published_cell"
    __table_args__ = (
        Index("ix_privacy_published_cell_workspace_id_unit_period", "workspace_id", "unit", "period"),
    )

    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("privacy_publication.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[str] = mapped_column(String(80), primary_key=True)  # UnitKey.to_param()
    workspace_id: Mapped[SlackId]
    period: Mapped[date] = mapped_column(Date)
    parent: Mapped[str | None] = mapped_column(String(80))  # the node above it in this period's tree
    name: Mapped[str | None] = mapped_column(String(80))  # a department's name when the period closed
    respondents: Mapped[int | None]
    invited: Mapped[int | None]
    # Against the unit's previous cell (frozen too, so worked out once here): None when either is hidden.
    respondents_change: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(16))  # HiddenReason, when hidden
    figures: Mapped[dict[str, Any]]
    # A team cell's counted round, so its comments can be found (shown only with the cell itself).
    round_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class PublishedUnit(Base):
    """Every unit that has a cell in some publication, with its latest period: an index of the
    publications (rewritten at each one), so the dashboard lists units without scanning every cell."""

    __tablename__ = "privacy_published_unit"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(80), primary_key=True)
    latest_period: Mapped[date] = mapped_column(Date)
    previous_period: Mapped[date | None] = mapped_column(Date)  # the one before, for "change since"
    name: Mapped[str | None] = mapped_column(String(80))
