"""Proactive pacing under Slack's published rate limits, for the worker's bulk work.

Reacting to 429s alone means every burst is first refused, then retried; pacing keeps each workspace
under the limits to begin with. Limits are per workspace (per token) and per method tier; chat.postMessage
is limited per channel instead (about one message a second). Interactive calls (views.*) are never paced:
they must answer within Slack's three-second trigger window. Each process paces itself; several worker
processes together can still meet a 429, which the retry handler then waits out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.invite": 3,
    "conversations.members": 4,
    "conversations.open": 3,
    "users.conversations": 3,
    "users.info": 4,
    "users.list": 2,
}
MESSAGES_PER_CHANNEL_PER_SECOND = 1.0


class RatePacer:
    """Spaces calls that share a key at most `rate` per second apart. Thread-safe."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next_free: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, key: tuple[str, ...], per_second: float) -> float:
        """Block until this key's next slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_free.get(key, now))
            self._next_free[key] = slot + 1.0 / per_second
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def before_call(self, method: str, token: str | None, arguments: dict[str, Any]) -> None:
        workspace = token or ""
        if method == "chat.postMessage":
            channel = str(arguments.get("channel", ""))
            self.wait_turn((workspace, method, channel), MESSAGES_PER_CHANNEL_PER_SECOND)
        elif method in METHOD_TIERS:
            self.wait_turn((workspace, method), PER_MINUTE[METHOD_TIERS[method]] / 60.0)


class PacedWebClient(WebClient):
    """A WebClient that waits its turn under Slack's limits before each call."""

    def __init__(self, *args: Any, pacer: RatePacer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        arguments = {**(params or {}), **(data or {}), **(json or {})}
        self.pacer.before_call(api_method, self.token, arguments)
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=data,
            params=params,
            json=json,
            headers=headers,
            auth=auth,
        )
