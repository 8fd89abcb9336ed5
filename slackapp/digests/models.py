"""Which manager was sent which week's digest: one DM per manager per week, whatever the workers do."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import DELETE_ROW, Base, SlackId, Timestamp, person


class DigestSent(Base):
    """Claimed before the DM goes (a crash may skip one digest, never send two)."""

    __tablename__ = "digest_sent"

    workspace_id: Mapped[SlackId] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday of the results
    user_id: Mapped[SlackId] = mapped_column(
        primary_key=True, info=person(DELETE_ROW, "You were sent {n} results digest(s) as a manager.")
    )
    sent_at: Mapped[Timestamp]

    @property
    def when(self) -> datetime:
        return self.sent_at
