"""Recording and reading "you said, we did" notes, without Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.actions.models import ActionNote
from slackapp.errors import InvalidInput
from slackapp.mrkdwn import escape

NOTE_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Note:
    channel_id: str
    week: date
    body: str
    written_at: datetime


def record_action(
    *,
    session: Session,
    workspace_id: str,
    channel_id: str,
    week: date,
    body: str,
    written_by: str,
    now: datetime,
) -> ActionNote:
    """Keep a note of what will be done about a team's results for `week`.

    Raises:
        InvalidInput: the note is empty or too long (key "note").
    """
    text = body.strip()
    if not text:
        raise InvalidInput({"note": "Please write what you will do."})
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput({"note": f"Please keep it under {NOTE_MAX_LENGTH} characters."})
    note = ActionNote(
        workspace_id=workspace_id,
        channel_id=channel_id,
        week=week,
        body=text,
        written_by=written_by,
        written_at=now,
    )
    session.add(note)
    session.flush()
    return note


def mark_posted(*, session: Session, note: ActionNote, ts: str) -> None:
    note.posted_ts = ts


def list_actions(*, session: Session, workspace_id: str, channel_id: str) -> list[Note]:
    """A team's notes, oldest first."""
    rows = session.scalars(
        select(ActionNote)
        .where(ActionNote.workspace_id == workspace_id, ActionNote.channel_id == channel_id)
        .order_by(ActionNote.written_at)
    )
    return [Note(channel_id=r.channel_id, week=r.week, body=r.body, written_at=r.written_at) for r in rows]


def latest_action(*, session: Session, workspace_id: str, channel_id: str) -> Note | None:
    """The newest note for a team: what the next round's invitation repeats ("Last time you told us…")."""
    notes = list_actions(session=session, workspace_id=workspace_id, channel_id=channel_id)
    return notes[-1] if notes else None


def action_message(note_body: str) -> str:
    """The channel message that tells the team what will change."""
    return f":speech_balloon: *You said, we did.* After your last check-in: {escape(note_body)}"
