"""Signed Slack requests to the app's real `/slack/events` endpoint, for tests.

`SlackRequests` builds the bodies Slack sends (slash commands, block actions, external_select option
requests, view submissions, Events API callbacks), signs them exactly as Slack does, and posts them
through a Flask test client or to a real server over HTTP:

    slack = SlackRequests.for_flask(flask_app.test_client(), signing_secret="secret")
    response = slack.view_submission("checkin", {"mood": {"pick": radio("4")}})
    assert response.status == 200
    assert slack.stale().command("/checkin").status == 401

The element-state helpers (`radio`, `text`, `checkboxes`, ...) return what Slack puts under
`view.state.values[block_id][action_id]` for each kind of input, and what it sends as an action.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlencode

from flask.testing import FlaskClient

# The same workspace as tests/slack_standin.py describes (kept separate so either module stands alone).
TEAM_ID = "T0KINDRED"
TEAM_DOMAIN = "kindred-test"
BOT_USER_ID = "U0KINDREDBOT"
BOT_ID = "B0KINDRED"
APP_ID = "A0KINDRED"
DEFAULT_USER_ID = "U0MEMBER01"
DEFAULT_CHANNEL_ID = "C0TEAM01"
VERIFICATION_TOKEN = "kindred-verification-token"  # deprecated by Slack, still sent in every payload

EVENTS_PATH = "/slack/events"
STALE_AGE_SECONDS = 600  # Slack's verifiers (and Bolt's) reject timestamps older than 5 minutes

PostFunction = Callable[[str, bytes, Mapping[str, str]], tuple[int, str]]
"""`post(path, body, headers) -> (status, body_text)`: how a request reaches the app."""

_counter = itertools.count(1)


@dataclass(frozen=True)
class EndpointResponse:
    """The app's answer to one request."""

    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: HMAC-SHA256 over `v0:{timestamp}:{body}`, hex, prefixed `v0=`."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SlackRequests:
    """Builds, signs and sends the requests Slack makes to the app.

    Args:
        post: sends a request and returns (status, body text); see `for_flask` and `for_url`.
        signing_secret: the app's signing secret.
        path: the endpoint (`/slack/events` handles events, commands and interactivity alike).
        signing: "valid", "forged" (signed with another secret) or "stale" (a 10-minute-old timestamp);
            prefer `forged()` and `stale()`.
        response_url_base: where the response_url of commands and message actions points; a test that
            lets the app `respond()` should pass `SlackStandIn.hooks_url` so nothing leaves the machine.
    """

    post: PostFunction
    signing_secret: str
    path: str = EVENTS_PATH
    signing: Literal["valid", "forged", "stale"] = "valid"
    response_url_base: str = "https://hooks.slack.com/"

    @classmethod
    def for_flask(
        cls, client: FlaskClient, signing_secret: str, path: str = EVENTS_PATH, **options: Any
    ) -> SlackRequests:
        """Send through a Flask test client (no network, same WSGI app as production)."""

        def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
            response = client.post(path, data=body, headers=dict(headers))
            return response.status_code, response.get_data(as_text=True)

        return cls(post, signing_secret, path, **options)

    @classmethod
    def for_url(
        cls, base_url: str, signing_secret: str, path: str = EVENTS_PATH, timeout: float = 10, **options: Any
    ) -> SlackRequests:
        """Send over HTTP to a running server, e.g. `http://127.0.0.1:3000`."""

        def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
            request = urllib.request.Request(
                base_url.rstrip("/") + path, data=body, headers=dict(headers), method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return response.status, response.read().decode("utf-8")
            except urllib.error.HTTPError as error:  # 4xx/5xx still carry the app's answer
                return error.code, error.read().decode("utf-8")

        return cls(post, signing_secret, path, **options)

    # -- signing modes --

    def forged(self) -> SlackRequests:
        """The same requests, signed with the wrong secret."""
        return replace(self, signing="forged")

    def stale(self) -> SlackRequests:
        """The same requests, signed correctly but timestamped ten minutes ago."""
        return replace(self, signing="stale")

    def signed_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The `X-Slack-Request-Timestamp` and `X-Slack-Signature` headers for `body`."""
        if timestamp is None:
            timestamp = int(time.time()) - (STALE_AGE_SECONDS if self.signing == "stale" else 0)
        secret = self.signing_secret if self.signing != "forged" else "not-" + self.signing_secret
        return {
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": slack_signature(secret, str(timestamp), body),
        }

    # -- sending --

    def send(
        self, body: bytes | str, content_type: str, headers: Mapping[str, str] | None = None
    ) -> EndpointResponse:
        """Sign and send any body (also a malformed one, to test how the app copes)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type, **self.signed_headers(data), **(headers or {})}
        status, text = self.post(self.path, data, all_headers)
        return EndpointResponse(status, text)

    def send_form(self, fields: Mapping[str, str]) -> EndpointResponse:
        return self.send(urlencode(fields), "application/x-www-form-urlencoded")

    def interactive(self, payload: Mapping[str, Any]) -> EndpointResponse:
        """Send an interactivity payload as Slack does: a form with one `payload` field of JSON."""
        return self.send_form({"payload": json.dumps(payload)})

    # -- what Slack sends --

    def command(
        self,
        command: str = "/checkin",
        text: str = "",
        *,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        team_id: str = TEAM_ID,
        trigger_id: str | None = None,
    ) -> EndpointResponse:
        """A slash command, as the form Slack posts."""
        return self.send_form(
            {
                "token": VERIFICATION_TOKEN,
                "team_id": team_id,
                "team_domain": TEAM_DOMAIN,
                "channel_id": channel_id,
                "channel_name": channel_id.lower(),
                "user_id": user_id,
                "user_name": user_id.lower(),
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self._response_url("commands", team_id),
                "trigger_id": trigger_id or new_trigger_id(),
            }
        )

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str | None = None,
        team_id: str = TEAM_ID,
        trigger_id: str | None = None,
        view: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
        message: Mapping[str, Any] | None = None,
        block_id: str = "b",
        element: Mapping[str, Any] | None = None,
    ) -> EndpointResponse:
        """A click (or a selection) on an interactive element.

        Without `view`, the action comes from a message in `channel_id` (default `DEFAULT_CHANNEL_ID`),
        described by `message` (a bot message with a fresh ts unless given). With `view` (see
        `view_payload`), it comes from that modal or App Home. The action is a button carrying `value`,
        unless `element` gives another element's state, e.g. `element=static_select("weekly")`.
        """
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if element is not None:
            action.update(element)
        else:
            action.update(type="button", text={"type": "plain_text", "text": action_id, "emoji": True})
            if value is not None:
                action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or new_trigger_id(),
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view is not None:
            payload["view"] = dict(view)
            payload["state"] = view.get("state", {"values": {}})
            payload["container"] = container or {"type": "view", "view_id": view.get("id", "V123")}
        else:
            channel = channel_id or DEFAULT_CHANNEL_ID
            shown = dict(message) if message is not None else _bot_message()
            payload["channel"] = {"id": channel, "name": channel.lower()}
            payload["message"] = shown
            payload["state"] = {"values": {}}
            payload["response_url"] = self._response_url("actions", team_id)
            payload["container"] = container or {
                "type": "message",
                "message_ts": shown["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            }
        return self.interactive(payload)

    def block_suggestion(
        self,
        action_id: str,
        value: str = "",
        *,
        user_id: str = DEFAULT_USER_ID,
        team_id: str = TEAM_ID,
        view: Mapping[str, Any] | None = None,
        block_id: str = "b",
    ) -> EndpointResponse:
        """Slack asking for an external_select's options as someone opens it or types `value` in it.

        From the App Home unless `view` (see `view_payload`) says which view the select is in. The app
        answers with `{"options": [...]}` (or `option_groups`) in the response body.
        """
        shown = dict(view) if view is not None else view_payload("", type="home", team_id=team_id)
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "user": _user(user_id, team_id),
            "container": {"type": "view", "view_id": shown.get("id", "V123")},
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": shown,
        }
        return self.interactive(payload)

    def view_submission(
        self,
        callback_id: str,
        state_values: Mapping[str, Mapping[str, Mapping[str, Any]]],
        private_metadata: str = "",
        *,
        user_id: str = DEFAULT_USER_ID,
        team_id: str = TEAM_ID,
        view_id: str = "V123",
        hash: str = "h",
        trigger_id: str | None = None,
        blocks: Iterable[Mapping[str, Any]] = (),
    ) -> EndpointResponse:
        """A modal's Submit, with `state_values` as `view.state.values` ({block_id: {action_id: state}})."""
        view = view_payload(
            callback_id,
            state_values,
            private_metadata,
            view_id=view_id,
            hash=hash,
            team_id=team_id,
            blocks=blocks,
        )
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": view,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self.interactive(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        team_id: str = TEAM_ID,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> EndpointResponse:
        """An Events API `event_callback` wrapping `event`; with `retry_num`, one of Slack's retries."""
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):010d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_hex(12)}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.send(json.dumps(body), "application/json", headers)

    def url_verification(self, challenge: str = "challenge-token") -> EndpointResponse:
        """The handshake Slack makes when the Events request URL is set."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.send(json.dumps(body), "application/json")

    def _response_url(self, kind: str, team_id: str) -> str:
        base = self.response_url_base.rstrip("/")
        return f"{base}/{kind}/{team_id}/{next(_counter)}/{secrets.token_hex(12)}"


# --- Payload parts -------------------------------------------------------------------------------------


def new_trigger_id() -> str:
    """A fresh trigger_id in Slack's `digits.digits.hex` shape."""
    return f"{next(_counter)}.{int(time.time())}.{secrets.token_hex(16)}"


def view_payload(
    callback_id: str,
    state_values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    private_metadata: str = "",
    *,
    view_id: str = "V123",
    hash: str = "h",
    team_id: str = TEAM_ID,
    type: Literal["modal", "home"] = "modal",
    blocks: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A view as Slack includes it in interactivity payloads (view_submission, actions in a modal)."""
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": team_id,
        "type": type,
        "blocks": [dict(block) for block in blocks],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": {block: dict(actions) for block, actions in (state_values or {}).items()}},
        "hash": hash,
        "title": {"type": "plain_text", "text": "Kindred", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    if type == "modal":
        view["close"] = {"type": "plain_text", "text": "Cancel", "emoji": True}
        view["submit"] = {"type": "plain_text", "text": "Submit", "emoji": True}
    return view


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def _bot_message() -> dict[str, Any]:
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": "",
        "ts": f"{time.time():.6f}",
        "blocks": [],
    }


# --- Element states (what Slack sends for each kind of input) -----------------------------------------


def option(value: str, text: str | None = None) -> dict[str, Any]:
    """An option object as Slack echoes it back (its text defaults to the value)."""
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def text(value: str | None) -> dict[str, Any]:
    """A plain_text_input (None when left empty)."""
    return {"type": "plain_text_input", "value": value}


def number(value: str | float | None) -> dict[str, Any]:
    """A number_input (Slack sends the number as a string)."""
    return {"type": "number_input", "value": None if value is None else str(value)}


def radio(value: str | None, text: str | None = None) -> dict[str, Any]:
    """radio_buttons (None when nothing is chosen)."""
    return {"type": "radio_buttons", "selected_option": None if value is None else option(value, text)}


def static_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": None if value is None else option(value, text)}


def external_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    """An external_select (its options served by the app's options listener)."""
    return {"type": "external_select", "selected_option": None if value is None else option(value, text)}


def multi_static_select(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [option(v) for v in values]}


def checkboxes(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [option(v) for v in values]}


def conversation(channel_id: str | None) -> dict[str, Any]:
    """A conversations_select."""
    return {"type": "conversations_select", "selected_conversation": channel_id}


def conversations(channel_ids: Iterable[str]) -> dict[str, Any]:
    """A multi_conversations_select."""
    return {"type": "multi_conversations_select", "selected_conversations": list(channel_ids)}


def channel(channel_id: str | None) -> dict[str, Any]:
    """A channels_select."""
    return {"type": "channels_select", "selected_channel": channel_id}


def user(user_id: str | None) -> dict[str, Any]:
    """A users_select."""
    return {"type": "users_select", "selected_user": user_id}


def users(user_ids: Iterable[str]) -> dict[str, Any]:
    """A multi_users_select."""
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def timepicker(selected_time: str | None, timezone: str | None = None) -> dict[str, Any]:
    """A timepicker, e.g. `timepicker("09:00")` (with `timezone` when the element sets one)."""
    state: dict[str, Any] = {"type": "timepicker", "selected_time": selected_time}
    if timezone is not None:
        state["timezone"] = timezone
    return state


def datepicker(selected_date: str | None) -> dict[str, Any]:
    """A datepicker, e.g. `datepicker("2026-01-31")`."""
    return {"type": "datepicker", "selected_date": selected_date}
