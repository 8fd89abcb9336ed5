"""Proactive pacing under Slack's published rate limits, for the worker's bulk work.

Reacting to 429s alone means every burst is first refused, then retried; pacing keeps each workspace
under the limits to begin with. Limits are per workspace (per token) and per method tier; chat.postMessage
is limited per channel instead (about one message a second). Interactive calls (views.*) are never paced:
they must answer within Slack's three-second trigger window.

Each rate is a token bucket kept as one number, the time its next call is free (the "generic cell rate
algorithm"): a call books the next slot and waits for it, less a small burst credit so a worker that fell
behind (a retry, a slow step) may catch up. The method tiers are one budget per workspace however many
worker processes share it: their slots live in the database (`DatabaseSlots`), booked by one atomic
statement per call. The per-channel message slots stay in each process: two workers seldom post in one
channel at once, and a table row per channel and DM would cost more than the rare 429 it saves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from sqlalchemy import Double, Engine, String, and_, case, literal
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.database import Base, insert_on_conflict

log = logging.getLogger(__name__)

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
# Calls a tier's bucket may make at once after a quiet spell: well inside the "occasional bursts" Slack
# allows (Tier 2) and its "generous" ones (Tier 4), so a worker that fell behind catches up without a 429.
BURST = {1: 1, 2: 1, 3: 2, 4: 5}
MESSAGES_PER_CHANNEL_PER_SECOND = 1.0
# A slot booked further ahead than this is taken for a clock that moved (or a stale row), not a queue:
# a queue is one slot per waiting caller, seconds long. The bucket starts again from now.
MAX_AHEAD_SECONDS = 120.0


class Slots(Protocol):
    """Where rate buckets keep their next free time."""

    def book(self, bucket: str, *, now: float, interval: float) -> float:
        """Book the next slot of `bucket` (at `now` or after the last booked one); return when it ends."""
        ...


class LocalSlots:
    """Buckets in this process's memory. Thread-safe."""

    def __init__(self) -> None:
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()
        self._booked = 0

    def book(self, bucket: str, *, now: float, interval: float) -> float:
        with self._lock:
            self._booked += 1
            if self._booked % 4096 == 0:  # a bucket whose slot has passed is as good as none
                self._next_free = {k: v for k, v in self._next_free.items() if v > now}
            next_free = self._next_free.get(bucket, now)
            if not now < next_free <= now + MAX_AHEAD_SECONDS:
                next_free = now
            self._next_free[bucket] = next_free + interval
            return next_free + interval


class PacingSlot(Base):
    """A rate bucket shared by every worker process: when its next call is free (see `DatabaseSlots`)."""

    __tablename__ = "pacing_slot"

    # "<workspace>:<method>", the workspace a digest of its bot token: no token is stored.
    bucket: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Seconds on the workers' clock (Unix time): workers on several machines need synchronised clocks.
    next_free: Mapped[float] = mapped_column(Double)


class DatabaseSlots:
    """Buckets in the `pacing_slot` table: each booking is one atomic upsert, so processes never collide.

    If the database cannot be reached the booking falls back to this process's own buckets (the job's
    next database write will fail anyway; the Slack call in flight should not fail for pacing's sake).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._fallback = LocalSlots()
        self._insert = insert_on_conflict(engine)

    def book(self, bucket: str, *, now: float, interval: float) -> float:
        current = PacingSlot.next_free
        still_queued = and_(current > now, current <= now + MAX_AHEAD_SECONDS)
        statement = (
            self._insert(PacingSlot)
            .values(bucket=bucket, next_free=now + interval)
            .on_conflict_do_update(
                index_elements=[PacingSlot.bucket],
                set_={"next_free": case((still_queued, current), else_=literal(now)) + interval},
            )
            .returning(PacingSlot.next_free)
        )
        try:
            with self._engine.begin() as connection:
                return float(connection.execute(statement).scalar_one())
        except SQLAlchemyError as error:
            log.warning("pacing on this process's own budget: %s", type(error).__name__)
            return self._fallback.book(bucket, now=now, interval=interval)


class RatePacer:
    """Spaces calls under Slack's limits. Thread-safe.

    Args:
        clock: seconds, the same on every process that shares `shared` (Unix time).
        sleep: how to wait.
        shared: where the method tiers' buckets live; None keeps them in this process (one worker).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        shared: Slots | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._local = LocalSlots()
        self._shared = shared or self._local

    def wait_turn(self, bucket: str, per_second: float, *, burst: int = 1, shared: bool = False) -> float:
        """Block until this bucket's next slot, less `burst - 1` slots of credit; return the wait."""
        interval = 1.0 / per_second
        now = self._clock()
        slots = self._shared if shared else self._local
        ends = slots.book(bucket, now=now, interval=interval)
        delay = ends - now - burst * interval
        if delay <= 1e-6:  # within float rounding of "free now"
            return 0.0
        self._sleep(delay)
        return delay

    def before_call(self, method: str, token: str | None, arguments: dict[str, Any]) -> None:
        workspace = _workspace_key(token)
        if method == "chat.postMessage":
            channel = str(arguments.get("channel", ""))
            self.wait_turn(f"{workspace}:{method}:{channel}", MESSAGES_PER_CHANNEL_PER_SECOND)
        elif method in METHOD_TIERS:
            tier = METHOD_TIERS[method]
            self.wait_turn(f"{workspace}:{method}", PER_MINUTE[tier] / 60.0, burst=BURST[tier], shared=True)


def _workspace_key(token: str | None) -> str:
    """Slack counts limits per workspace and app, i.e. per bot token; a digest names it without the secret."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


class PacedWebClient(WebClient):
    """A WebClient that waits its turn under Slack's limits before each HTTP request it sends.

    slack_sdk sends the pages of a paginated list (iterating a SlackResponse) and its own retries below
    `api_call`, and each of them spends Slack's budget as much as the first request: pacing only
    `api_call` let a 10-page users.list sweep and every retry through unpaced. So the hook is the one
    method that sends each request; it is slack_sdk's own, not public API (slack_sdk >=3.33,<4), and
    tests/test_pacing.py fails if it stops being called.
    """

    def __init__(self, *args: Any, pacer: RatePacer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        method = urlsplit(url).path.rsplit("/", 1)[-1]
        arguments = _request_arguments(req) if method == "chat.postMessage" else {}
        self.pacer.before_call(method, self.token, arguments)
        response: dict[str, Any] = super()._perform_urllib_http_request_internal(url, req)
        return response


def _request_arguments(req: Request) -> dict[str, Any]:
    """The arguments of a request slack_sdk built (a JSON or form body), for the channel a post goes to."""
    body = req.data if isinstance(req.data, bytes) else b""
    content_type = str(req.get_header("Content-type", ""))
    try:
        if content_type.startswith("application/json"):
            parsed = json.loads(body or b"{}")
            return parsed if isinstance(parsed, dict) else {}
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(body.decode("utf-8")))
    except ValueError:
        pass
    return {}
