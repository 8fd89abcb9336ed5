"""Counting a person's Slack-calling requests per minute in the database, so every web process agrees."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal
from sqlalchemy.orm import Session

from slackapp.database import UTCDateTime, insert_on_conflict
from slackapp.fair_use.models import PersonPace

# A person may make this many requests that call Slack (slash commands and clicks) per window.
# Far above what anyone does by hand; well below Slack's per-workspace limits for the methods they use
# (views.open and chat.postEphemeral are Tier 4, 100+ a minute), so one person cannot use them up.
REQUESTS_PER_WINDOW = 30
WINDOW = timedelta(minutes=1)
# Rows of windows this old are nobody's current count: removed when any window starts.
FORGET_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Turn:
    """Whether this request may go on, and whether it is the first one refused in its window."""

    allowed: bool
    first_refusal: bool


def person_key(*, key: bytes, workspace_id: str, user_id: str) -> str:
    """The keyed hash a person's count is stored under (no user id is stored)."""
    return hmac.new(key, f"{workspace_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def take_turn(
    *,
    session: Session,
    key: str,
    now: datetime,
    limit: int = REQUESTS_PER_WINDOW,
    window: timedelta = WINDOW,
) -> Turn:
    """Count one request for the person under `key`, atomically (one upsert), and say if it may go on.

    Args:
        key: `person_key(...)` of the person.
    Returns:
        The turn: allowed while the person's count in the current window is at most `limit`.
    """
    table = PersonPace.__table__
    c = table.c
    insert = insert_on_conflict(session.get_bind())
    started_at = literal(now, UTCDateTime())
    window_over = c.window_started <= literal(now - window, UTCDateTime())
    upsert = (
        insert(PersonPace)
        .values(person_key=key, window_started=now, requests=1)
        .on_conflict_do_update(
            index_elements=[c.person_key],
            set_={
                "window_started": case((window_over, started_at), else_=c.window_started),
                "requests": case((window_over, 1), else_=c.requests + 1),
            },
        )
        .returning(c.requests)
    )
    count = int(session.execute(upsert).scalar_one())
    if count == 1:  # a new window: a good moment to forget windows long over
        session.execute(delete(PersonPace).where(PersonPace.window_started < now - FORGET_AFTER))
    return Turn(allowed=count <= limit, first_refusal=count == limit + 1)
