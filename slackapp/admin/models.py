"""Who administers Kindred in a workspace, and the workspace's professional-help contact."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import DELETE_ROW, PSEUDONYMISE, Base, SlackId, Timestamp, person


class KindredAdmin(Base):
    """Someone a workspace admin or owner has made a Kindred admin (HR, well-being leads)."""

    __tablename__ = "kindred_admin"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True,
        info=person(DELETE_ROW, "You are a Kindred admin (you can set up check-ins and resources)."),
    )
    added_by: Mapped[SlackId] = mapped_column(
        info=person(
            PSEUDONYMISE, "You made {n} person(s) a Kindred admin (your ID is kept as who added them)."
        )
    )
    added_at: Mapped[Timestamp]


class ProfessionalHelp(Base):
    """The contact every check-in points to when answers show a need (EAP, counselling, a crisis line)."""

    __tablename__ = "professional_help"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    url: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    updated_by: Mapped[SlackId] = mapped_column(
        info=person(
            PSEUDONYMISE, "You last changed the professional-help contact (your ID is kept as who did)."
        )
    )
    updated_at: Mapped[Timestamp]
