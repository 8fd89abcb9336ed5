"""How many Slack-calling requests a person made in the current minute, under a keyed hash of who they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import KEPT, Base, UTCDateTime, person


class PersonPace(Base):
    """One row per person who clicked lately: shared by every web process, gone minutes later.

    `person_key` is HMAC-SHA256 of the workspace and user id under a key derived from KINDRED_SECRET_KEY:
    the table names nobody, and a dump of it cannot be matched to people without the key.
    """

    __tablename__ = "person_pace"

    person_key: Mapped[str] = mapped_column(
        String(64),
        primary_key=True,
        info=person(KEPT, why="keyed hash of workspace and user, its row gone within minutes"),
    )
    window_started: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    requests: Mapped[int] = mapped_column(Integer)
