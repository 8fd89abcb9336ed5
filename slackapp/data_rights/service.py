"""What Kindred holds that is tied to one person, and forgetting it. Anonymous answers are tied to nobody.

Every column that holds a person's Slack user ID is marked with `person(...)` in its model (see
`slackapp.database`): "see" counts the rows each marked column holds for the person, and "delete" deletes,
pseudonymises or clears each one as its mark says, so a new column is covered by marking it (and a test
fails if it is not marked). Features add the detail a count cannot give: pairing preferences, the chosen
region, anonymous questions found by keyed hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, String, Table, cast, delete, func, select, update
from sqlalchemy.orm import Session

from slackapp.database import (
    CLEAR,
    DELETE_ROW,
    FORGOTTEN,
    HELD,
    PERSON,
    PSEUDONYMISE,
    SCRUB,
    Base,
)
from slackapp.pairing.service import leave as leave_peer_support
from slackapp.pairing.service import what_we_hold as pairing_held
from slackapp.resources.models import PersonRegion
from slackapp.resources.relay import AskerKeys
from slackapp.resources.service import forget_asker, questions_asked_by

# Columns naming the workspace, for tables that have one; the rest are reached through their parent.
_WORKSPACE_COLUMNS = ("workspace_id", "team_id")


def person_columns() -> Iterator[tuple[Table, Column[str]]]:
    """Every column marked as holding a person, with its table, in the schema's dependency order."""
    import slackapp.models  # noqa: F401  (every model on Base.metadata)

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if PERSON in column.info:
                yield table, column


def _in_workspace(table: Table, column: Column[str], workspace_id: str, user_id: str) -> list[object]:
    # A JSON column is searched as text, then each mention is checked exactly (`_scrubbed`).
    mention = cast(column, String).contains(user_id) if column.info[PERSON] == SCRUB else column == user_id
    where: list[object] = [mention]
    for name in _WORKSPACE_COLUMNS:
        if name in table.c:
            where.append(table.c[name] == workspace_id)
            break
    return where


def what_kindred_holds(*, session: Session, workspace_id: str, user_id: str, keys: AskerKeys) -> list[str]:
    """Everything tied to this person, one plain line per kind of thing (empty when nothing is)."""
    lines: list[str] = []
    pairing = pairing_held(session=session, workspace_id=workspace_id, user_id=user_id)
    if pairing.profile is not None:
        lines.append(
            "Your peer-support preferences: you would welcome "
            f"{', '.join(pairing.profile.seeks) or 'nothing chosen'}; you can offer "
            f"{', '.join(pairing.profile.offers) or 'nothing chosen'}"
            + (
                f'; {len(pairing.profile.avoid)} person(s) on your private "don\'t pair me with" list.'
                if pairing.profile.avoid
                else "."
            )
        )
    if pairing.history:
        lines.append(f"Your peer-support history: {len(pairing.history)} past introduction(s).")
    region = session.get(PersonRegion, (workspace_id, user_id))
    if region is not None:
        lines.append(f"The region you chose for professional help: {region.region}.")
    for table, column in person_columns():
        held = str(column.info.get(HELD) or "")
        if not held:
            continue
        where = _in_workspace(table, column, workspace_id, user_id)
        count = session.scalar(select(func.count()).select_from(table).where(*where)) or 0  # type: ignore[arg-type]
        if count:
            lines.append(held.format(n=count))
    pending = questions_asked_by(
        session=session, workspace_id=workspace_id, asker_hashes=keys.every_hash(user_id)
    )
    if pending:
        lines.append(
            f"{pending} anonymous question(s) waiting for an answer (the link to you goes once answered)."
        )
    return lines


def forget_person(*, session: Session, workspace_id: str, user_id: str, keys: AskerKeys) -> None:
    """Delete everything tied to this person, as each marked column says: rows about them go, their ID
    where they only set something up becomes "forgotten", pointers to them are emptied."""
    leave_peer_support(session=session, workspace_id=workspace_id, user_id=user_id)
    forget_asker(session=session, workspace_id=workspace_id, asker_hashes=keys.every_hash(user_id))
    for table, column in person_columns():
        how = column.info[PERSON]
        where = _in_workspace(table, column, workspace_id, user_id)
        if how == DELETE_ROW:
            session.execute(delete(table).where(*where))  # type: ignore[arg-type]
        elif how == PSEUDONYMISE:
            session.execute(update(table).where(*where).values({column.name: FORGOTTEN}))  # type: ignore[arg-type]
        elif how == CLEAR:
            session.execute(update(table).where(*where).values({column.name: None}))  # type: ignore[arg-type]
        elif how == SCRUB:
            primary_key = list(table.primary_key.columns)
            for row in session.execute(select(*primary_key, column).where(*where)).all():  # type: ignore[arg-type]
                session.execute(
                    update(table)
                    .where(*(key == value for key, value in zip(primary_key, row[:-1], strict=True)))
                    .values({column.name: _scrubbed(row[-1], user_id)})
                )


def _scrubbed(value: Any, user_id: str) -> Any:
    """The JSON value with every string that is the person's ID replaced by FORGOTTEN."""
    if isinstance(value, str):
        return FORGOTTEN if value == user_id else value
    if isinstance(value, list):
        return [_scrubbed(item, user_id) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, user_id) for key, item in value.items()}
    return value
