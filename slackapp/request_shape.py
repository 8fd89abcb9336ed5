"""The shape every Slack request must have before Bolt's authorization or a listener reads it.

Slack always sends these fields, with these types; a signed request without them is malformed. It is
refused with 400 right after the signature check (Bolt's `before_authorize`), so neither Bolt's own
middleware nor a listener can trip over an odd shape, and nothing half-happens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# The kinds of request Kindred answers; anything else is named "other" in logs (a payload's `type` is
# text an attacker chooses, and logs never echo payload text).
KNOWN_KINDS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "event_callback",
        "url_verification",
        "ssl_check",
        "shortcut",
        "message_action",
    }
)
# Parts of a payload that are objects when present (Slack may send some as null).
OBJECT_FIELDS = ("team", "user", "channel", "message", "view", "container", "enterprise", "state", "event")
# Of those, the ones Slack sends as null (a workspace outside Enterprise Grid, an org-wide install).
NULLABLE_OBJECTS = frozenset({"team", "enterprise"})
# Top-level fields that are text when present.
TEXT_FIELDS = (
    "type",
    "team_id",
    "enterprise_id",
    "user_id",
    "channel_id",
    "api_app_id",
    "trigger_id",
    "response_url",
    "action_id",
    "callback_id",
    "event_id",
    "command",
    "text",
    "token",
)
# Fields of those objects that are text when present.
OBJECT_TEXT_FIELDS = ("id", "team_id", "enterprise_id", "type", "name", "ts", "hash", "callback_id")


def request_kind(body: Any) -> str:
    """What kind of request this is, for a log line: a command, a known type, or "other"."""
    if not isinstance(body, dict):
        return "other"
    if isinstance(body.get("command"), str):
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in KNOWN_KINDS else "other"


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255


def _optional_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _object_fields_are_sound(container: dict[str, Any]) -> bool:
    for name in OBJECT_FIELDS:
        part = container.get(name)
        if part is None:
            # Slack leaves these out rather than sending null, and code that reads
            # `body.get("view", {})` (Bolt's among it) trips over a null.
            if name in container and name not in NULLABLE_OBJECTS:
                return False
            continue
        if not isinstance(part, dict):
            return False
        if not all(_optional_text(part.get(field)) for field in OBJECT_TEXT_FIELDS):
            return False
    return True


def _url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _has_user(body: dict[str, Any]) -> bool:
    user = body.get("user")
    return isinstance(user, dict) and _text(user.get("id"))


def _well_formed_view(view: Any, *, needs_callback_id: bool = True) -> bool:
    if not isinstance(view, dict):
        return False
    callback_id = view.get("callback_id")
    if not (_text(callback_id) if needs_callback_id else _optional_text(callback_id)):
        return False
    state = view.get("state", {"values": {}})
    values = state.get("values") if isinstance(state, dict) else None
    return (
        isinstance(values, dict)
        and all(isinstance(block, dict) for block in values.values())
        and all(isinstance(element, dict) for block in values.values() for element in block.values())
        and isinstance(view.get("private_metadata", ""), str)
    )


def _optional_view(view: Any) -> bool:
    """A view that may be absent (a message's buttons) but, when there, is a well-formed one.

    The App Home's view has an empty callback_id.
    """
    return view is None or _well_formed_view(view, needs_callback_id=False)


def _well_formed_event(event: Any) -> bool:
    if not isinstance(event, dict) or not _text(event.get("type")):
        return False
    if not all(_optional_text(event.get(field)) for field in ("channel", "tab", "event_ts", "ts")):
        return False
    user = event.get("user")
    if event["type"] == "app_home_opened" and not _text(user):
        return False
    return user is None or isinstance(user, (str, dict))


def _sound_everywhere(body: dict[str, Any]) -> bool:
    """What every kind of request shares: typed ids, objects where objects go, a real response_url."""
    if not all(_optional_text(body.get(field)) for field in TEXT_FIELDS):
        return False
    if not _object_fields_are_sound(body):
        return False
    if "response_url" in body and not _url(body["response_url"]):
        return False
    urls = body.get("response_urls")
    if urls is not None and not (
        isinstance(urls, list) and all(isinstance(u, dict) and _url(u.get("response_url")) for u in urls)
    ):
        return False
    authorizations = body.get("authorizations")
    return authorizations is None or (
        isinstance(authorizations, list)
        and all(
            isinstance(a, dict)
            and all(_optional_text(a.get(f)) for f in ("team_id", "enterprise_id", "user_id"))
            for a in authorizations
        )
    )


def is_well_formed(body: Any) -> bool:
    """True when the request carries what Slack always sends for its kind, with the right types."""
    if not isinstance(body, dict) or not _sound_everywhere(body):
        return False
    kind = body.get("type")
    if "command" in body:
        return all(_text(body.get(key)) for key in ("command", "user_id", "trigger_id", "team_id")) and (
            _optional_text(body.get("channel_id"))
        )
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            _has_user(body)
            and _text(body.get("trigger_id"))
            and isinstance(actions, list)
            and len(actions) > 0
            and all(
                isinstance(a, dict)
                and _text(a.get("action_id"))
                and all(_optional_text(a.get(f)) for f in ("block_id", "type", "value"))
                for a in actions
            )
            and _optional_view(body.get("view"))
        )
    if kind == "block_suggestion":  # an external_select asking for options as someone types
        return (
            _has_user(body)
            and _text(body.get("action_id"))
            and isinstance(body.get("value"), str)
            and _optional_view(body.get("view"))
        )
    if kind in ("view_submission", "view_closed"):
        return _has_user(body) and _well_formed_view(body.get("view"))
    if kind == "event_callback":
        return _well_formed_event(body.get("event"))
    return kind in ("url_verification", "ssl_check")
