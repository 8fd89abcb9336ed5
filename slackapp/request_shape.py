"""The shape every Slack request must have before a listener sees it.

Slack always sends these fields; a signed request without them is malformed, and is refused with 400
before any listener runs, so listeners can rely on them and nothing half-happens.
"""

from __future__ import annotations

from typing import Any


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255


def _has_user(body: dict[str, Any]) -> bool:
    user = body.get("user")
    return isinstance(user, dict) and _text(user.get("id"))


def _well_formed_view(view: Any) -> bool:
    if not isinstance(view, dict) or not _text(view.get("callback_id")):
        return False
    state = view.get("state", {"values": {}})
    values = state.get("values") if isinstance(state, dict) else None
    return (
        isinstance(values, dict)
        and all(isinstance(block, dict) for block in values.values())
        and isinstance(view.get("private_metadata", ""), str)
    )


def is_well_formed(body: dict[str, Any]) -> bool:
    """True when the request carries what Slack always sends for its kind."""
    kind = body.get("type")
    if "command" in body:
        return all(_text(body.get(key)) for key in ("command", "user_id", "trigger_id", "team_id"))
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            _has_user(body)
            and _text(body.get("trigger_id"))
            and isinstance(actions, list)
            and len(actions) > 0
            and all(isinstance(a, dict) and _text(a.get("action_id")) for a in actions)
        )
    if kind == "block_suggestion":  # an external_select asking for options as someone types
        return _has_user(body) and _text(body.get("action_id")) and isinstance(body.get("value"), str)
    if kind in ("view_submission", "view_closed"):
        return _has_user(body) and _well_formed_view(body.get("view"))
    if kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and _text(event.get("type"))
    return kind in ("url_verification", "ssl_check")
