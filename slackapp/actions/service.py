"""Action plans for a team's results ("you said, we did"): record, edit, delete, post once. No Slack here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from slackapp.actions.models import ActionNote
from slackapp.errors import InvalidInput, NotFound
from slackapp.mrkdwn import escape

NOTE_MAX_LENGTH = 1000
OWNER_MAX_LENGTH = 120
POSTING = "posting"  # posted_ts while one click is posting the plan
PLAN_GONE = "That plan no longer exists."


class PlanStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"planned": "Planned", "in_progress": "In progress", "done": "Done"}[self.value]


@dataclass(frozen=True)
class Note:
    channel_id: str
    week: date
    body: str
    written_at: datetime
    id: uuid.UUID | None = None
    owner: str | None = None
    due: date | None = None
    status: PlanStatus = PlanStatus.PLANNED
    posted: bool = False

    @property
    def summary(self) -> str:
        """The plan in one line, as the next invitation repeats it."""
        details = [self.status.label.lower()]
        if self.owner:
            details.insert(0, f"{self.owner} is on it")
        if self.due:
            details.append(f"due {self.due.day} {self.due:%b}")
        return f"{self.body} ({', '.join(details)})"


@dataclass(frozen=True)
class PlanSpec:
    """What the form holds, before it is checked."""

    body: str
    owner: str | None = None
    due: date | None = None
    status: str = PlanStatus.PLANNED.value


def _checked(spec: PlanSpec) -> tuple[str, str | None, PlanStatus]:
    text = spec.body.strip()
    errors: dict[str, str] = {}
    if not text:
        errors["note"] = "Please write what you will do."
    elif len(text) > NOTE_MAX_LENGTH:
        errors["note"] = f"Please keep it under {NOTE_MAX_LENGTH} characters."
    owner = (spec.owner or "").strip() or None
    if owner is not None and len(owner) > OWNER_MAX_LENGTH:
        errors["owner"] = f"Please keep the owner under {OWNER_MAX_LENGTH} characters."
    try:
        status = PlanStatus(spec.status)
    except ValueError:
        errors["status"] = "Choose planned, in progress or done."
        status = PlanStatus.PLANNED
    if errors:
        raise InvalidInput(errors)
    return text, owner, status


def record_action(
    *,
    session: Session,
    workspace_id: str,
    channel_id: str,
    week: date,
    body: str,
    written_by: str,
    now: datetime,
    owner: str | None = None,
    due: date | None = None,
    status: str = PlanStatus.PLANNED.value,
) -> ActionNote:
    """Keep a plan for what will be done about a team's results for `week`.

    Raises:
        InvalidInput: the text is empty or too long (key "note"), the owner too long ("owner"), or the
            status unknown ("status"); nothing is written.
    """
    text, owner_name, checked_status = _checked(PlanSpec(body, owner, due, status))
    note = ActionNote(
        workspace_id=workspace_id,
        channel_id=channel_id,
        week=week,
        body=text,
        owner=owner_name,
        due=due,
        status=checked_status.value,
        written_by=written_by,
        written_at=now,
        updated_at=now,
    )
    session.add(note)
    session.flush()
    return note


def _plan(session: Session, workspace_id: str, channel_id: str, plan_id: uuid.UUID) -> ActionNote:
    note = session.get(ActionNote, plan_id)
    if note is None or note.workspace_id != workspace_id or note.channel_id != channel_id:
        raise NotFound(PLAN_GONE)
    return note


def update_action(
    *,
    session: Session,
    workspace_id: str,
    channel_id: str,
    plan_id: uuid.UUID,
    spec: PlanSpec,
    now: datetime,
) -> ActionNote:
    """Change a team's plan (text, owner, due date, status). A posted message is not re-posted.

    Raises:
        NotFound: no such plan for this team. InvalidInput: as `record_action`.
    """
    note = _plan(session, workspace_id, channel_id, plan_id)
    note.body, note.owner, status = _checked(spec)
    note.status = status.value
    note.due = spec.due
    note.updated_at = now
    session.flush()
    return note


def delete_action(*, session: Session, workspace_id: str, channel_id: str, plan_id: uuid.UUID) -> None:
    """Remove a team's plan. Raises NotFound when it is not this team's (or already gone)."""
    _plan(session, workspace_id, channel_id, plan_id)
    session.execute(delete(ActionNote).where(ActionNote.id == plan_id))


def claim_posting(*, session: Session, workspace_id: str, channel_id: str, plan_id: uuid.UUID) -> bool:
    """True for the one click that may post this plan; False when it is posted or being posted."""
    _plan(session, workspace_id, channel_id, plan_id)
    claimed = session.execute(
        update(ActionNote)
        .where(ActionNote.id == plan_id, ActionNote.posted_ts.is_(None))
        .values(posted_ts=POSTING)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def mark_posted(*, session: Session, plan_id: uuid.UUID, ts: str | None) -> None:
    """Record the message's ts; None gives the claim back (Slack did not take it), so it can be retried."""
    session.execute(update(ActionNote).where(ActionNote.id == plan_id).values(posted_ts=ts))


def list_actions(*, session: Session, workspace_id: str, channel_id: str) -> list[Note]:
    """A team's plans, oldest first."""
    rows = session.scalars(
        select(ActionNote)
        .where(ActionNote.workspace_id == workspace_id, ActionNote.channel_id == channel_id)
        .order_by(ActionNote.written_at, ActionNote.id)
    )
    return [_note(r) for r in rows]


def _note(row: ActionNote) -> Note:
    return Note(
        channel_id=row.channel_id,
        week=row.week,
        body=row.body,
        written_at=row.written_at,
        id=row.id,
        owner=row.owner,
        due=row.due,
        status=PlanStatus(row.status),
        posted=row.posted_ts is not None and row.posted_ts != POSTING,
    )


def latest_action(*, session: Session, workspace_id: str, channel_id: str) -> Note | None:
    """The newest plan for a team: what the next round's invitation repeats ("Last time you told us…")."""
    notes = list_actions(session=session, workspace_id=workspace_id, channel_id=channel_id)
    return notes[-1] if notes else None


def action_message(note_body: str) -> str:
    """The channel message that tells the team what will change."""
    return f":speech_balloon: *You said, we did.* After your last check-in: {escape(note_body)}"
