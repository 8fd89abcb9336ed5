"""A local stand-in for the Slack Web API, for tests.

`SlackStandIn` is a small HTTP server (standard library only) that a real `slack_sdk.WebClient` reaches
through `base_url=standin.url`. It records every call, checks each one against Slack's own method
reference (`tests/slack_api_ref/methods/`), answers like Slack for the methods Kindred uses, keeps
enough state to be read back (posted messages, opened views, DMs), and can be told to fail (429 with
Retry-After, 5xx, `ok: false`, a dropped connection; before the call takes effect or after it) or to
hold a call open while a test kills the caller. It can issue rotating tokens (`enable_token_rotation`)
and answers their refresh grants as Slack does.

    with SlackStandIn() as slack:
        slack.add_channel("C0TEAM", members=["U1", "U2"])
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="C0TEAM", text="hi")
        assert slack.calls_to("chat.postMessage")[0].args["text"] == "hi"
        slack.assert_no_violations()
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import functools
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The method reference travels with the tests (MIT-licensed data, see its README), so a fresh clone needs
# nothing beside the repository.
REF_DIR = Path(__file__).resolve().parent / "slack_api_ref"

TEAM_ID = "T0KINDRED"
TEAM_NAME = "Kindred Test"
TEAM_DOMAIN = "kindred-test"
BOT_USER_ID = "U0KINDREDBOT"
BOT_ID = "B0KINDRED"
APP_ID = "A0KINDRED"

# Recorded as the `method` of calls made to a response_url (see `SlackStandIn.hooks_url`).
RESPONSE_URL = "response_url"

# The status recorded for a call whose connection the stand-in closed without answering (`drop_next`).
DROPPED = 0

# Never listed in the reference: the token travels in the Authorization header, and Bolt's per-request
# client adds `team_id` to every call (it matters only to org-wide installs, and Slack accepts it anywhere).
_IMPLICIT_ARGS = frozenset({"token", "team_id"})

# Arguments Slack takes as JSON strings, decoded even for a method the reference does not know.
_JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})

_TS_STEP_MICROS = 100


# --- The method reference ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodSpec:
    """One Web API method as `slack-api-ref` describes it."""

    name: str
    deprecated: bool
    documented: bool
    args: Mapping[str, Mapping[str, Any]]
    arg_groups: tuple[Mapping[str, Any], ...]

    @property
    def required_args(self) -> list[str]:
        return [name for name, arg in self.args.items() if arg.get("required")]

    def is_json_arg(self, name: str) -> bool:
        return self.args.get(name, {}).get("format") == "json" or name in _JSON_ARGS


@functools.cache
def load_method_specs(ref_dir: Path = REF_DIR) -> Mapping[str, MethodSpec]:
    """Read every `methods/<group>/<method>.json` file (and the undocumented ones, flagged as such).

    Raises:
        FileNotFoundError: the reference folder is missing.
    """
    methods_dir = ref_dir / "methods"
    if not methods_dir.is_dir():
        raise FileNotFoundError(f"Slack API reference not found at {methods_dir}")
    specs: dict[str, MethodSpec] = {}
    for path in sorted(methods_dir.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "name" not in data:  # _errors/common.json
            continue
        specs[data["name"]] = MethodSpec(
            name=data["name"],
            deprecated=bool(data.get("deprecated")),
            documented="_undocumented" not in path.relative_to(methods_dir).parts,
            args=data.get("args") or {},
            arg_groups=tuple(data.get("arg_groups") or ()),
        )
    return specs


def check_arguments(spec: MethodSpec, args: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a call's arguments, as readable sentences (empty when the call is valid).

    Besides unknown and missing arguments, this enforces the reference's `arg_groups`: a group is
    required unless it says `"required": false` (at least one of its arguments present), and a
    mutually exclusive group allows at most one (views.open needs exactly one of trigger_id and
    interactivity_pointer; chat.postMessage needs text, blocks, attachments or markdown_text).
    """
    problems: list[str] = []
    given = {name for name in args if name not in _IMPLICIT_ARGS}
    problems += [f"unknown argument `{name}`" for name in sorted(given - spec.args.keys())]
    problems += [f"missing required argument `{name}`" for name in spec.required_args if name not in given]
    for group in spec.arg_groups:
        names = list(group.get("args", ()))
        present = [name for name in names if name in given]
        if group.get("required", True) and not present:
            problems.append(f"needs one of {', '.join(f'`{n}`' for n in names)}")
        if group.get("mutually_exclusive") and len(present) > 1:
            problems.append(f"takes only one of {', '.join(f'`{n}`' for n in present)}")
    return problems


# --- Recorded calls ------------------------------------------------------------------------------------


@dataclass
class SlackCall:
    """One request the stand-in received, and how it answered.

    `args` has JSON-string arguments (`blocks`, `view`, `metadata`, ...) decoded. `status` is None while
    the call is still waiting (see `SlackStandIn.block`) and `DROPPED` when its connection was closed
    unanswered; `error` is the `error` of an `ok: false` answer. `ok` tells a success from a failed
    attempt (injected fault, violation or Slack error), even one that took effect before it failed.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    status: int | None = None
    error: str | None = None
    response: dict[str, Any] | None = None
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    @property
    def answered_with(self) -> str:
        """`"ok"`, `"error:<code>"`, `"http:<status>"`, `"dropped"` or `"pending"`: for assertion messages."""
        if self.status is None:
            return "pending"
        if self.status == DROPPED:
            return "dropped"
        if self.status != 200:
            return f"http:{self.status}"
        return "ok" if self.error is None else f"error:{self.error}"


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str
    retry_after: int | None
    after_effect: bool = False


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class SlackError(Exception):
    """Raised by an answering method to reply `{"ok": false, "error": code}`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- The stand-in --------------------------------------------------------------------------------------


class SlackStandIn:
    """A recording, validating, fault-injecting stand-in for the Slack Web API.

    Args:
        users: user id -> fields of the users.info `user` object (`is_bot`, `deleted`, `tz`, ...).
        channel_members: channel id -> member user ids, for conversations.members.
        channels: channel id -> fields of the conversations.info `channel` object (`is_archived`, ...).
        strict: answer `message_not_found` / `not_found` / `channel_not_found` for messages, views and
            channels the stand-in never saw. Off by default, so tests can act on a message or modal
            they built by hand.
        ref_dir: the `slack-api-ref` folder.
        bot_scopes: the scopes the bot token was granted (the manifest's, in the test suite); a call
            to read a conversation's history without the scope its kind of conversation needs answers
            `missing_scope`, as Slack does, and is a violation. None grants every scope.
    """

    def __init__(
        self,
        *,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channel_members: Mapping[str, Iterable[str]] | None = None,
        channels: Mapping[str, Mapping[str, Any]] | None = None,
        strict: bool = False,
        ref_dir: Path = REF_DIR,
        bot_scopes: Iterable[str] | None = None,
    ) -> None:
        self.specs = load_method_specs(ref_dir)
        self.strict = strict
        self.bot_scopes = frozenset(bot_scopes) if bot_scopes is not None else None
        self._initial_users = {uid: dict(fields) for uid, fields in (users or {}).items()}
        self._initial_members = {cid: list(members) for cid, members in (channel_members or {}).items()}
        self._initial_channels = {cid: dict(fields) for cid, fields in (channels or {}).items()}
        self.users: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        # channel id -> messages posted there, oldest first (the stored form, with metadata).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        # view id -> the view as last opened/updated/published (with id and hash).
        self.views: dict[str, dict[str, Any]] = {}
        # user id -> their published App Home view.
        self.home_views: dict[str, dict[str, Any]] = {}
        self.calls: list[SlackCall] = []
        self.violations: list[str] = []
        # OAuth code -> the workspace it installs into (for oauth.v2.access).
        self.oauth_codes: dict[str, str] = {}
        # Workspace -> its Enterprise Grid organisation, for workspaces installed inside a Grid.
        self.grid_of: dict[str, str] = {}
        # With token rotation on: a bot token's lifetime in seconds, and refresh token -> its workspace.
        self.token_expires_in: int | None = None
        self.refresh_tokens: dict[str, str] = {}
        # users.list answers at most this many people a page whatever the `limit`, as Slack may
        # ("fewer than the requested number of items may be returned"); None: up to the limit.
        self.users_page_cap: int | None = None

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._faults: dict[str, list[_Fault]] = {}
        self._gates: dict[str, threading.Event] = {}
        self._dm_ids: dict[tuple[str, ...], str] = {}
        # Never reset, so timestamps and ids stay unique for the life of the server.
        self._last_ts_micros = 0
        self._id_counter = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._answerers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.invite": self._conversations_invite,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.conversations": self._users_conversations,
            "oauth.v2.access": self._oauth_v2_access,
            "openid.connect.token": self._openid_connect_token,
            "openid.connect.userInfo": self._openid_connect_user_info,
        }
        self.reset()

    # -- lifecycle --

    def start(self) -> SlackStandIn:
        """Start serving on a free port of 127.0.0.1 (in a daemon thread)."""
        if self._server is not None:
            return self
        server = _Server(self)
        self._server = server
        # A short poll interval makes stop() quick (shutdown() waits for the loop's next poll).
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release any held calls and stop the server."""
        with self._lock:
            gates = list(self._gates.values())
            self._gates.clear()
        for gate in gates:
            gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The Web API base URL, for `WebClient(base_url=...)` and the `slack_api_url` setting."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def hooks_url(self) -> str:
        """A base for response_urls: POSTs under it are recorded as calls to `RESPONSE_URL`."""
        return f"http://127.0.0.1:{self.port}/hooks/"

    def reset(self) -> None:
        """Back to the state it was built with: no calls, faults, holds, messages, views or DMs.

        For a server shared by many tests (calls held by `block` are released).
        """
        with self._lock:
            self.users = {BOT_USER_ID: {"is_bot": True, "real_name": "Kindred", "name": "kindred"}}
            self.users.update({uid: dict(fields) for uid, fields in self._initial_users.items()})
            self.channel_members = {cid: list(members) for cid, members in self._initial_members.items()}
            self.channels = {cid: dict(fields) for cid, fields in self._initial_channels.items()}
            self.messages = {}
            self.views = {}
            self.home_views = {}
            self.calls = []
            self.violations = []
            self.oauth_codes = {}
            self.install_approval: tuple[str, str] | None = None
            # The WebSocket URL apps.connections.open hands out (see tests/socket_mode_standin.py).
            self.socket_mode_url: str | None = None
            self.grid_of = {}
            self.token_expires_in = None
            self.refresh_tokens = {}
            self.users_page_cap = None
            self._faults = {}
            self._dm_ids = {}
            self.openid_codes: dict[str, dict[str, Any]] = {}
            self._openid_tokens: dict[str, dict[str, Any]] = {}
            gates, self._gates = list(self._gates.values()), {}
        for gate in gates:
            gate.set()

    # -- set-up --

    def add_user(self, user_id: str, **fields: Any) -> None:
        """Make users.info and users.list know `user_id` (fields such as is_bot, deleted, tz, real_name)."""
        with self._lock:
            self.users[user_id] = fields

    def add_channel(self, channel_id: str, members: Iterable[str] | None = None, **fields: Any) -> None:
        """Set a channel's conversations.info fields (is_archived, is_private, name, ...) and members."""
        with self._lock:
            self.channels[channel_id] = fields
            if members is not None:
                self.channel_members[channel_id] = list(members)

    def enable_token_rotation(self, expires_in: int = 43_200) -> None:
        """Installs from now on get expiring bot tokens (`expires_in` seconds) and a refresh token each.

        As Slack does, a refresh grant (`oauth.v2.access` with `grant_type=refresh_token`) answers a new
        token, a new refresh token and `expires_in`, and revokes the refresh token it was given.
        """
        with self._lock:
            self.token_expires_in = expires_in

    def approve_installs(self, team_id: str, redirect_uri: str) -> None:
        """Slack's install page (`GET /oauth/v2/authorize`) approves installing into `team_id`.

        As when a workspace admin clicks *Allow*: the browser is sent to the app's redirect URL (the one
        set in the app's settings, here `redirect_uri`) with a fresh code for that workspace and the state.
        """
        with self._lock:
            self.install_approval = (team_id, redirect_uri)

    def authorize_page(self, query: Mapping[str, str]) -> str | None:
        """Where Slack's install page sends the browser, or None when it refuses (no approval, no client)."""
        with self._lock:
            if self.install_approval is None or not query.get("client_id") or not query.get("scope"):
                return None
            team_id, redirect_uri = self.install_approval
            code = f"code-{team_id}-{next(self._id_counter)}"
            self.oauth_codes[code] = team_id
        target = query.get("redirect_uri") or redirect_uri
        return f"{target}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    def add_openid_code(self, code: str, user_id: str, name: str = "", team_id: str = TEAM_ID) -> None:
        """Sign in with Slack: make `code` (as if from Slack's authorize page) stand for this person."""
        with self._lock:
            self.openid_codes[code] = {"user_id": user_id, "name": name or user_id, "team_id": team_id}

    # -- reading what happened --

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every recorded call to `method`, failed attempts included, in arrival order."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def successful_calls_to(self, method: str) -> list[SlackCall]:
        """The calls to `method` that were answered `ok: true`."""
        with self._lock:
            return [call for call in self.calls if call.method == method and call.ok]

    def clear(self) -> None:
        """Forget recorded calls and violations (state such as messages and views is kept)."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()

    def assert_no_violations(self) -> None:
        """Fail with the list of calls that broke the method reference, if any."""
        with self._lock:
            violations = list(self.violations)
        assert not violations, "Slack Web API calls broke the reference:\n" + "\n".join(violations)

    def wait_for_call(self, method: str, timeout: float = 10.0, *, count: int = 1) -> SlackCall:
        """Wait until `count` calls to `method` have been recorded; return the `count`-th.

        Raises:
            TimeoutError: fewer calls arrived within `timeout` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls_to(method)) >= count, timeout):
                seen = len(self.calls_to(method))
                raise TimeoutError(f"{seen} of {count} call(s) to {method} after {timeout}s")
            return self.calls_to(method)[count - 1]

    # -- fault injection --

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        """Make the next `times` calls to `method` fail (after any failures already queued).

        `status=429` (or just `retry_after=N`) answers HTTP 429 with `Retry-After: N` (default 1);
        another status such as 500 or 503 answers that status; `error="..."` alone answers 200 with
        `{"ok": false, "error": ...}`. With `after_effect`, the call first takes effect (a message is
        posted) and only its answer is the failure: Slack's `fatal_error`, "it's possible some aspect of
        the operation succeeded". A 429 never takes effect.
        """
        if status is None and retry_after is not None:
            status = 429
        if status is None and error is None:
            raise ValueError("fail_next needs status, retry_after or error")
        if status == 429:
            if after_effect:
                raise ValueError("a 429 means Slack did nothing: it has no after_effect")
            fault = _Fault(429, error or "ratelimited", retry_after if retry_after is not None else 1)
        elif status is not None:
            fault = _Fault(status, error or "fatal_error", retry_after, after_effect)
        else:
            fault = _Fault(200, str(error), None, after_effect)
        with self._lock:
            self._faults.setdefault(method, []).extend([fault] * times)

    def drop_next(self, method: str, *, times: int = 1, after_effect: bool = False) -> None:
        """Close the connection of the next `times` calls to `method` without answering.

        The caller sees the connection dropped while it waited for the answer; with `after_effect`, the
        call took effect first.
        """
        with self._lock:
            self._faults.setdefault(method, []).extend(
                [_Fault(DROPPED, "connection_dropped", None, after_effect)] * times
            )

    def block(self, method: str) -> None:
        """Hold calls to `method` after recording them, until `unblock(method)` (or `stop()`)."""
        with self._lock:
            self._gates.setdefault(method, threading.Event())

    def unblock(self, method: str) -> None:
        """Let held and future calls to `method` be answered."""
        with self._lock:
            gate = self._gates.pop(method, None)
        if gate is not None:
            gate.set()

    # -- answering --

    def handle(self, method: str, args: dict[str, Any], token: str | None) -> _Answer:
        """Record, validate and answer one Web API call (the HTTP handler's entry point)."""
        with self._changed:
            call = SlackCall(method=method, args=args, token=token)
            self.calls.append(call)
            self._changed.notify_all()
            gate = self._gates.get(method)
        if gate is not None:
            gate.wait()

        with self._changed:
            answer = self._answer(call)
            call.status = answer.status
            call.response = answer.body
            call.error = None if answer.body.get("ok") else str(answer.body.get("error"))
            self._changed.notify_all()
        return answer

    def record_response_url(self, args: dict[str, Any]) -> None:
        with self._changed:
            self.calls.append(SlackCall(method=RESPONSE_URL, args=args, token=None, status=200))
            self._changed.notify_all()

    def _answer(self, call: SlackCall) -> _Answer:
        spec = self.specs.get(call.method)
        problems: list[str] = []
        code = "invalid_arguments"
        if spec is None or not spec.documented:
            problems.append("no such method in the Slack API reference")
            code = "unknown_method"
        elif spec.deprecated:
            problems.append("method is deprecated")
            code = "method_deprecated"
        else:
            problems += self._decode_json_args(spec, call.args)
            problems += check_arguments(spec, call.args)
            if not problems and (missing := self._missing_scope(call)) is not None:
                problems.append(f"the bot token lacks `{missing}`")
                code = "missing_scope"
        if problems:
            call.violations = problems
            self.violations += [f"{call.method}: {problem}" for problem in problems]
            return _Answer(200, {"ok": False, "error": code, "response_metadata": {"messages": problems}})

        faults = self._faults.get(call.method)
        if faults:
            fault = faults.pop(0)
            if fault.after_effect:
                self._take_effect(call)  # done; only the answer is lost
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return _Answer(fault.status, {"ok": False, "error": fault.error}, headers)
        return self._take_effect(call)

    def _take_effect(self, call: SlackCall) -> _Answer:
        answerer = self._answerers.get(call.method)
        try:
            body = answerer(call.args) if answerer is not None else {}
        except SlackError as failure:
            return _Answer(200, {"ok": False, "error": failure.code})
        return _Answer(200, {"ok": True, **body})

    def _missing_scope(self, call: SlackCall) -> str | None:
        """The scope a history read needs and the token was not granted, or None.

        Slack's reference lists no scopes per method; reading a conversation is the one place Kindred's
        least privilege (docs/anonymity.md rule 8) is checked call by call, so it is the one checked here.
        """
        if self.bot_scopes is None or call.method not in ("conversations.history", "conversations.replies"):
            return None
        channel = str(call.args.get("channel"))
        info = self.channels.get(channel, {})
        if info.get("is_im") or channel[:1] in ("U", "W"):  # a user id stands for the DM with them
            needed = "im:history"
        elif info.get("is_mpim"):
            needed = "mpim:history"
        elif info.get("is_private"):
            needed = "groups:history"
        else:
            needed = "channels:history"
        return None if needed in self.bot_scopes else needed

    @staticmethod
    def _decode_json_args(spec: MethodSpec, args: dict[str, Any]) -> list[str]:
        problems = []
        for name, value in args.items():
            if isinstance(value, str) and spec.is_json_arg(name):
                try:
                    args[name] = json.loads(value)
                except json.JSONDecodeError:
                    problems.append(f"argument `{name}` is not valid JSON")
        return problems

    # -- state helpers (called with the lock held) --

    def _next_ts(self) -> str:
        """A message ts as Slack makes them: the current time, strictly increasing."""
        micros = max(int(time.time() * 1_000_000), self._last_ts_micros + _TS_STEP_MICROS)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._id_counter):08X}"

    def _known_channel(self, channel_id: str) -> bool:
        return (
            channel_id in self.channels or channel_id in self.channel_members or channel_id in self.messages
        )

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id posts in the app's DM with them, as Slack does.
        if channel[:1] in ("U", "W"):
            return self._dm_for((channel,))
        if self.strict and not self._known_channel(channel):
            raise SlackError("channel_not_found")
        return channel

    def _dm_for(self, users: tuple[str, ...]) -> str:
        key = tuple(sorted(set(users)))
        if key not in self._dm_ids:
            channel_id = self._next_id("D" if len(key) == 1 else "G")
            self._dm_ids[key] = channel_id
            self.channel_members[channel_id] = [*key, BOT_USER_ID]
            self.channels.setdefault(
                channel_id,
                {"is_im": len(key) == 1, "is_mpim": len(key) > 1, "is_channel": False, "is_private": True}
                | ({"user": key[0]} if len(key) == 1 else {}),
            )
        return self._dm_ids[key]

    def _channel_object(self, channel_id: str, include_num_members: bool = False) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": False,
            "is_archived": False,
            "is_general": False,
            "is_member": True,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": 1_700_000_000,
            "context_team_id": TEAM_ID,
        }
        channel.update(self.channels.get(channel_id, {}))
        if include_num_members:
            channel["num_members"] = len(self.channel_members.get(channel_id, []))
        return channel

    def _find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel_id, []) if m["ts"] == ts), None)

    def _new_view(self, view: Mapping[str, Any], view_id: str, **extra: Any) -> dict[str, Any]:
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
            **view,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._id_counter):08x}",
            **extra,
        }
        self.views[view_id] = stored
        return stored

    # -- answers, one per method (return the body without "ok"; raise SlackError to fail) --

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "kindred",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Socket Mode's WebSocket URL, for an app-level (xapp-) token only."""
        call = next(c for c in reversed(self.calls) if c.method == "apps.connections.open")
        if self.socket_mode_url is None or not (call.token or "").startswith("xapp-"):
            raise SlackError("invalid_auth")
        return {"url": self.socket_mode_url}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(str(args["channel"]))
        if self.channels.get(channel_id, {}).get("is_archived"):
            raise SlackError("is_archived")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for name in ("blocks", "attachments", "metadata", "thread_ts"):
            if name in args:
                message[name] = args[name]
        self.messages.setdefault(channel_id, []).append(message)
        return {"channel": channel_id, "ts": ts, "message": dict(message)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(str(args["channel"]))
        ts = str(args["ts"])
        message = self._find_message(channel_id, ts)
        if message is None:
            if self.strict:
                raise SlackError("message_not_found")
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        for name in ("text", "blocks", "attachments", "metadata"):
            if name in args:
                message[name] = args[name]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel_id, "ts": ts, "text": message.get("text", ""), "message": dict(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resolve_channel(str(args["channel"]))
        return {"message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": dict(self._new_view(_as_dict(args["view"]), self._next_id("V")))}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if "view_id" in args:
            view_id = str(args["view_id"])
            current = self.views.get(view_id)
        else:
            current = next((v for v in self.views.values() if v["external_id"] == args["external_id"]), None)
            view_id = current["id"] if current else self._next_id("V")
        if current is None and self.strict:
            raise SlackError("not_found")
        if current is not None and "hash" in args and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        keep = {"root_view_id": current["root_view_id"]} if current else {}
        return {"view": dict(self._new_view(_as_dict(args["view"]), view_id, **keep))}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args["user_id"])
        current = self.home_views.get(user_id)
        if current is not None and "hash" in args and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view_id = current["id"] if current else self._next_id("V")
        view = self._new_view({"type": "home", **_as_dict(args["view"])}, view_id)
        self.home_views[user_id] = view
        return {"view": dict(view)}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args["channel"])
        if channel_id not in self.channel_members:
            raise SlackError("channel_not_found")
        page, next_cursor = _paginate(self.channel_members[channel_id], args, default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args["channel"])
        if self.strict and not self._known_channel(channel_id):
            raise SlackError("channel_not_found")
        inclusive = _flag(args.get("inclusive"))
        oldest = _ts_value(args.get("oldest", "0"))
        latest = _ts_value(args["latest"]) if "latest" in args else None

        def in_range(message: Mapping[str, Any]) -> bool:
            ts = _ts_value(message["ts"])
            after_oldest = ts >= oldest if inclusive else ts > oldest
            before_latest = latest is None or (ts <= latest if inclusive else ts < latest)
            return after_oldest and before_latest

        # Thread replies are not in a channel's history (unless broadcast), only their parents.
        top_level = [
            m
            for m in self.messages.get(channel_id, [])
            if m.get("thread_ts", m["ts"]) == m["ts"] and in_range(m)
        ]
        newest_first = sorted(top_level, key=lambda m: _ts_value(m["ts"]), reverse=True)
        page, next_cursor = _paginate(newest_first, args, default_limit=100)
        with_metadata = _flag(args.get("include_all_metadata"))
        messages = [{k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in page]
        body: dict[str, Any] = {"messages": messages, "has_more": bool(next_cursor), "pin_count": 0}
        if next_cursor:
            body["response_metadata"] = {"next_cursor": next_cursor}
        return body

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if "channel" in args:
            channel_id = str(args["channel"])
            already_open = True
        else:
            users = tuple(u for u in str(args.get("users", "")).split(",") if u)
            if not users:
                raise SlackError("users_list_not_supplied")
            if len(users) > 8:
                raise SlackError("too_many_users")
            already_open = tuple(sorted(set(users))) in self._dm_ids
            channel_id = self._dm_for(users)
        channel = self._channel_object(channel_id) if _flag(args.get("return_im")) else {"id": channel_id}
        return {"no_op": already_open, "already_open": already_open, "channel": channel}

    def _users_conversations(self, args: dict[str, Any]) -> dict[str, Any]:
        """The channels a user is in, from `channel_members` (the bot token sees the user's channels)."""
        user_id = str(args.get("user") or BOT_USER_ID)
        mine = [cid for cid, members in self.channel_members.items() if user_id in members]
        page, next_cursor = _paginate(mine, args, default_limit=100)
        return {
            "channels": [self._channel_object(cid, False) for cid in page],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """The OAuth code exchange: a code from `oauth_codes` becomes that workspace's bot token.

        With token rotation on, the token expires and comes with a refresh token, and the refresh grant
        exchanges that for the next pair.
        """
        grant_type = str(args.get("grant_type") or "authorization_code")
        if grant_type == "refresh_token":
            return self._refresh_grant(args)
        if grant_type != "authorization_code":
            raise SlackError("invalid_grant_type")
        team_id = self.oauth_codes.get(str(args.get("code")))
        if team_id is None:
            raise SlackError("invalid_code")
        if self.token_expires_in is not None:
            return self._rotating_bot_token(team_id)
        return {
            "app_id": APP_ID,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": f"xoxb-{team_id}-secret",
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team_id, "name": f"Workspace {team_id}"},
            "enterprise": self._enterprise_of(team_id),
            "is_enterprise_install": False,
        }

    def _enterprise_of(self, team_id: str) -> dict[str, str] | None:
        grid = self.grid_of.get(team_id)
        return {"id": grid, "name": f"Grid {grid}"} if grid else None

    def _refresh_grant(self, args: dict[str, Any]) -> dict[str, Any]:
        # slack_sdk sends the client id and secret as HTTP Basic credentials, not as arguments.
        call = next(c for c in reversed(self.calls) if c.method == "oauth.v2.access")
        if not (args.get("client_id") or (call.token or "").startswith("Basic ")):
            raise SlackError("invalid_client_id")
        team_id = self.refresh_tokens.pop(str(args.get("refresh_token") or ""), None)  # used up
        if team_id is None or self.token_expires_in is None:
            raise SlackError("invalid_refresh_token")
        return self._rotating_bot_token(team_id)

    def _rotating_bot_token(self, team_id: str) -> dict[str, Any]:
        """A new expiring bot token and the refresh token for the next one, shaped as the reference's."""
        serial = next(self._id_counter)
        refresh_token = f"xoxe-1-{team_id}-{serial}-secret"
        self.refresh_tokens[refresh_token] = team_id
        return {
            "app_id": APP_ID,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": f"xoxe.xoxb-{team_id}-{serial}-secret",
            "bot_user_id": BOT_USER_ID,
            "expires_in": self.token_expires_in,
            "refresh_token": refresh_token,
            "team": {"id": team_id, "name": f"Workspace {team_id}"},
            "enterprise": self._enterprise_of(team_id),
            "is_enterprise_install": False,
        }

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args["channel"])
        if self.strict and not self._known_channel(channel_id):
            raise SlackError("channel_not_found")
        return {"channel": self._channel_object(channel_id, _flag(args.get("include_num_members")))}

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args["channel"])
        if self.strict and not self._known_channel(channel_id):
            raise SlackError("channel_not_found")
        if self.channels.get(channel_id, {}).get("is_archived"):
            raise SlackError("is_archived")
        members = self.channel_members.setdefault(channel_id, [])
        invited = [u for u in str(args["users"]).split(",") if u]
        new = [u for u in invited if u not in members]
        if not new:
            raise SlackError("already_in_channel")
        members.extend(new)
        return {"channel": self._channel_object(channel_id)}

    def _openid_connect_token(self, args: dict[str, Any]) -> dict[str, Any]:
        person = self.openid_codes.pop(str(args.get("code") or ""), None)  # a code works once
        if person is None:
            raise SlackError("invalid_code")
        # slack_sdk sends the client id and secret as HTTP Basic credentials, not as arguments.
        call = next(c for c in reversed(self.calls) if c.method == "openid.connect.token")
        basic = (call.token or "").removeprefix("Basic ")
        try:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id, secret = "", ""
        if not (args.get("client_id") or client_id) or not (args.get("client_secret") or secret):
            raise SlackError("invalid_client")
        token = f"xoxp-openid-{next(self._id_counter)}"
        self._openid_tokens[token] = person
        return {"access_token": token, "token_type": "Bearer", "id_token": "not-checked-by-kindred"}

    def _openid_connect_user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        # Answerers see arguments only; the token of this call is on the call just recorded.
        call = next(c for c in reversed(self.calls) if c.method == "openid.connect.userInfo")
        person = self._openid_tokens.get(call.token or "")
        if person is None:
            raise SlackError("invalid_auth")
        return {
            "sub": person["user_id"],
            "https://slack.com/user_id": person["user_id"],
            "https://slack.com/team_id": person["team_id"],
            "name": person["name"],
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args["user"])
        if user_id not in self.users:
            raise SlackError("user_not_found")
        return {"user": _user_object(user_id, self.users[user_id])}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Everyone the stand-in knows (Kindred's bot, other bots and deactivated people included), paged.

        Without a `limit` Slack tries to answer everyone at once; here that is one page of up to 1,000.
        """
        user_ids = list(self.users)
        if self.users_page_cap is not None:
            try:
                requested = int(args.get("limit") or 1000)
            except ValueError as failure:
                raise SlackError("invalid_limit") from failure
            args = {**args, "limit": min(requested, self.users_page_cap)}
        page, next_cursor = _paginate(user_ids, args, default_limit=1000)
        return {
            "members": [_user_object(user_id, self.users[user_id]) for user_id in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }


# --- HTTP --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: SlackStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.standin = standin

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A caller killed while its call was held (see `SlackStandIn.block`) is gone when the answer
        # is written: expected, so not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns an HTTP request into `SlackStandIn.handle(method, args, token)` and writes the answer."""

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: pytest shows failures, not every request."""

    def _serve(self) -> None:
        assert isinstance(self.server, _Server)
        standin = self.server.standin
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")

        if url.path == "/oauth/v2/authorize":  # Slack's install page, in a browser
            location = standin.authorize_page(dict(parse_qsl(url.query)))
            if location is None:
                self._reply(400, {"ok": False, "error": "install_not_approved"})
                return
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if url.path.startswith("/hooks/"):
            standin.record_response_url(_parse_body(body, content_type))
            self._reply(200, {"ok": True})
            return
        if not url.path.startswith("/api/") or len(url.path) <= len("/api/"):
            self._reply(404, {"ok": False, "error": "not_found"})
            return

        args: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        args.update(_parse_body(body, content_type))
        authorization = self.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ").strip() or None
        body_token = args.pop("token", None)
        answer = standin.handle(url.path.removeprefix("/api/"), args, token or body_token)
        if answer.status == DROPPED:
            self.close_connection = True  # hang up: the caller never hears back
            return
        self._reply(answer.status, answer.body, answer.headers)

    def _reply(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Arguments from a JSON, form-encoded or multipart body (slack_sdk sends all three)."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(body)
        return dict(parsed) if isinstance(parsed, dict) else {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = payload if part.get_filename() else payload.decode("utf-8")
        return fields
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


# --- Small helpers -----------------------------------------------------------------------------------


def _as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _flag(value: Any) -> bool:
    """A boolean argument as sent in a form (`"1"`, `"true"`) or JSON (`true`)."""
    return value is True or str(value).lower() in ("1", "true")


def _ts_value(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except InvalidOperation as failure:
        raise SlackError("invalid_ts_oldest") from failure


def _paginate(items: list[Any], args: Mapping[str, Any], default_limit: int) -> tuple[list[Any], str]:
    """One page of `items` and the cursor of the next ("" on the last page), like Slack's cursors."""
    try:
        limit = int(args.get("limit") or default_limit)
    except ValueError as failure:
        raise SlackError("invalid_limit") from failure
    limit = max(1, min(limit, 1000))
    start = 0
    if args.get("cursor"):
        try:
            start = int(base64.b64decode(str(args["cursor"]), validate=True).decode().removeprefix("next:"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as failure:
            raise SlackError("invalid_cursor") from failure
    end = start + limit
    next_cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor


def _user_object(user_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    tz_name = str(fields.get("tz", "Europe/London"))
    try:
        offset = datetime.now(ZoneInfo(tz_name)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        offset = None
    real_name = str(fields.get("real_name", f"User {user_id}"))
    user: dict[str, Any] = {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": user_id.lower(),
        "deleted": False,
        "real_name": real_name,
        "tz": tz_name,
        "tz_label": tz_name,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1_700_000_000,
        "profile": {"real_name": real_name, "display_name": real_name.split(" ")[0], "team": TEAM_ID},
    }
    user.update({k: v for k, v in fields.items() if k != "profile"})
    user["profile"] = {**user["profile"], **fields.get("profile", {})}
    return user
