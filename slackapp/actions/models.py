"""Action plans ("you said, we did"): what a manager or HR will do about a team's results. No answers here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import KEPT, PSEUDONYMISE, Base, RandomId, SlackId, Timestamp, person


class ActionNote(Base):
    """Last time you told us ...; here is what we will do: for a team (a pulse channel) and a week."""

    __tablename__ = "team_action_note"
    __table_args__ = (Index("ix_team_action_note_workspace_channel", "workspace_id", "channel_id"),)

    id: Mapped[RandomId]
    workspace_id: Mapped[SlackId]
    channel_id: Mapped[SlackId]
    week: Mapped[date] = mapped_column(Date)  # the Monday of the results it answers
    body: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(  # who does it, in the writer's words
        String(120),
        info=person(KEPT, why="free text the writer typed (a name or a role), never a Slack user ID"),
    )
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # a PlanStatus value
    written_by: Mapped[SlackId] = mapped_column(
        info=person(
            PSEUDONYMISE, 'You wrote {n} "you said, we did" note(s) (your ID is kept as their writer).'
        )
    )
    written_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    # Set (to a placeholder, then the message ts) by the one click that posts it: a second click finds it set.
    posted_ts: Mapped[str | None] = mapped_column(String(32))

    @property
    def last_changed(self) -> datetime:
        return self.updated_at
