"""Action notes: one short note per team and week, written by a manager or HR. No answers live here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import PSEUDONYMISE, Base, RandomId, SlackId, Timestamp, person


class ActionNote(Base):
    """Last time you told us ...; here is what we will do: for a team (a pulse channel) and a week."""

    __tablename__ = "team_action_note"
    __table_args__ = (Index("ix_team_action_note_workspace_channel", "workspace_id", "channel_id"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    channel_id: Mapped[SlackId]
    week: Mapped[date] = mapped_column(Date)  # the Monday of the results it answers
    body: Mapped[str] = mapped_column(Text)
    written_by: Mapped[SlackId] = mapped_column(
        info=person(
            PSEUDONYMISE, 'You wrote {n} "you said, we did" note(s) (your ID is kept as their writer).'
        )
    )
    written_at: Mapped[Timestamp]
    posted_ts: Mapped[str | None] = mapped_column(String(32))
