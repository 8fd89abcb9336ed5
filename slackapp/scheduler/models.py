"""Work the worker does on a clock, claimed with a lease so two workers never do one job twice."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import Base, RandomId, Timestamp


class Job(Base):
    __tablename__ = "worker_job"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[RandomId]
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    due_at: Mapped[Timestamp] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    # A short error class name only: never a payload.
    last_error: Mapped[str | None] = mapped_column(String(200))
