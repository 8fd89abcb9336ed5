"""Reading the parts of Slack payloads every feature's listeners need, forgivingly."""

from __future__ import annotations

import json
import uuid
from typing import Any

from slackapp.errors import NotFound


def private_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A view's JSON private_metadata as a dict; anything unreadable is an empty one."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_uuid(value: object) -> uuid.UUID | None:
    """An id from a button value or metadata, or None when it is missing or not an id."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def required_uuid(value: object, *, gone: str) -> uuid.UUID:
    """The id of the thing a button or form is about. Raises NotFound(gone) when it carries none."""
    item_id = parse_uuid(value)
    if item_id is None:
        raise NotFound(gone)
    return item_id


def selected_value(action: dict[str, Any]) -> str:
    """The value of the option chosen in a select's action, or "" when none is."""
    return str((action.get("selected_option") or {}).get("value") or "")
