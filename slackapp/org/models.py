"""Org structure tables. They hold names and who manages what; nothing here is about answers."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import DELETE_ROW, PSEUDONYMISE, Base, RandomId, SlackId, Timestamp, person


class Department(Base):
    """A group of teams, such as "Engineering"; department totals and managers hang off it."""

    __tablename__ = "org_department"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[Timestamp]


class Team(Base):
    """A team is a pulse channel; this row gives it a display name and a department."""

    __tablename__ = "org_team"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    channel_id: Mapped[SlackId]
    name: Mapped[str] = mapped_column(String(80))
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_department.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[Timestamp]


class ManagerAssignment(Base):
    """A Slack user who may see one team's, or one department's, aggregates on the dashboard."""

    __tablename__ = "org_manager"
    __table_args__ = (
        CheckConstraint(
            "(team_id IS NULL) <> (department_id IS NULL)", name="manages_a_team_or_a_department"
        ),
        UniqueConstraint("workspace_id", "user_id", "team_id"),
        UniqueConstraint("workspace_id", "user_id", "department_id"),
        Index("ix_org_manager_workspace_user", "workspace_id", "user_id"),
    )

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    user_id: Mapped[SlackId] = mapped_column(
        info=person(DELETE_ROW, "You are a manager on the dashboard for {n} team(s) or department(s).")
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_team.id", ondelete="CASCADE"))
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_department.id", ondelete="CASCADE")
    )
    assigned_by: Mapped[SlackId] = mapped_column(
        info=person(PSEUDONYMISE, "You assigned {n} manager role(s) (your ID is kept as who assigned them).")
    )
    assigned_at: Mapped[Timestamp]
