"""The Slack Web API stand-in with Slack's published rate limits enforced, and seeded random faults.

`RateLimitedStandIn` subclasses `tests/slack_standin.py`'s `SlackStandIn` (which records every call,
checks it against `tests/slack_api_ref` and answers like Slack) and puts two things in front of
its answers:

1. **Rate limits**, as token buckets, on a virtual clock that runs `speedup` times faster than real time
   (so every allowed rate is multiplied by `speedup`, and a 60-minute floor at `--speedup 60` is one real
   minute). A call over its limit is answered `429` with `Retry-After` in (virtual) seconds, like Slack,
   and changes nothing. Limits are per workspace token, as Slack applies them ("per method per
   workspace per app"):
   - `chat.postMessage`: 1 per second **per channel** (a DM to a user id is its own channel), burst 2;
   - the other methods by their tier (`METHOD_TIERS`): Tier 2 = 20/min, Tier 3 = 50/min,
     Tier 4 = 100/min, each with a burst of a tenth of a minute's quota;
   - `auth.test` ("Special": "hundreds of requests per minute") as 200/min;
   - any other method as Tier 2 ("most methods allow at least 20 requests per minute").
2. **Faults**, from a seeded `random.Random`, on calls the limits admitted: a fraction answered `429`
   (`Retry-After: 1`) and a fraction answered with a 5xx status (500/502/503/504 by default), either
   before the call takes effect (the default) or, with `fault_after_effect`, after it did (Slack's
   `fatal_error`: "it's possible some aspect of the operation succeeded").
3. **Latency**, optionally: every answer comes `latency` (virtual) seconds after the call, as Slack's
   round trip does (none by default).

Everything is counted per *phase* (set by the benchmark): admitted calls per rate bucket and the injected
faults per rate bucket (from which the floor is computed), limit 429s, injected 429s and 5xx, the channels
where a 5xx came after a message was posted, and the messages that reached each channel and DM, to find
lost and duplicated ones. Runs in its own process (see `serve`) so it does not compete with
the worker for the GIL.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tests.slack_standin import SlackCall, SlackStandIn, _Answer

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# Slack's method reference ("Facts" / "Rate limits") for every method Kindred's worker can call.
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
    "views.publish": 4,
}
SPECIAL_PER_MINUTE = {"auth.test": 200}  # "This method allows hundreds of requests per minute."
DEFAULT_TIER = 2
POST_MESSAGE_PER_SECOND = 1.0
POST_MESSAGE_BURST = 2.0
DEFAULT_5XX = (500, 502, 503, 504)


@dataclass(frozen=True)
class Limit:
    per_second: float  # in virtual (Slack) seconds
    burst: float

    def describe(self) -> str:
        return f"{self.per_second * 60:g}/min, burst {self.burst:g}"


def limit_for(method: str, args: dict[str, Any], token: str | None) -> tuple[tuple[str, ...], Limit]:
    """The rate bucket a call falls in, and its limit."""
    workspace = token or ""
    if method == "chat.postMessage":
        return (workspace, method, str(args.get("channel", ""))), Limit(
            POST_MESSAGE_PER_SECOND, POST_MESSAGE_BURST
        )
    per_minute = SPECIAL_PER_MINUTE.get(method) or PER_MINUTE[METHOD_TIERS.get(method, DEFAULT_TIER)]
    return (workspace, method), Limit(per_minute / 60.0, max(1.0, per_minute / 10.0))


def floor_seconds(admitted: dict[tuple[str, ...], int], limits: dict[tuple[str, ...], Limit]) -> float:
    """The least (virtual) time in which these calls could all have been admitted.

    Each bucket starts full (`burst` calls at once) and then refills at its rate; buckets are
    independent, so the floor is the slowest bucket's.
    """
    return max(
        (max(0.0, count - limits[key].burst) / limits[key].per_second for key, count in admitted.items()),
        default=0.0,
    )


class RateLimitedStandIn(SlackStandIn):
    def __init__(
        self,
        *,
        speedup: float,
        fault_429: float,
        fault_5xx: float,
        statuses_5xx: tuple[int, ...] = DEFAULT_5XX,
        fault_after_effect: bool = False,
        seed: int = 1,
        latency: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.speedup = speedup
        self.latency = latency
        self.fault_429 = fault_429
        self.fault_5xx = fault_5xx
        self.statuses_5xx = statuses_5xx
        self.fault_after_effect = fault_after_effect
        self._rng = random.Random(seed)
        self._buckets: dict[tuple[str, ...], tuple[float, float]] = {}
        self._limits: dict[tuple[str, ...], Limit] = {}
        self.phase = "setup"
        self._admitted: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        # Admitted calls answered with an injected fault: each had to be made again.
        self._faulted: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        # Channels where a 5xx was injected after chat.postMessage had posted (--fault-after-effect).
        self._posted_then_failed: dict[str, Counter[str]] = defaultdict(Counter)
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._first_last: dict[str, list[float]] = {}
        self._phase_started: dict[str, float] = {}
        # Message timestamps follow the worker's virtual clock (see `set_clock`), as Slack's follow its own.
        self._clock_epoch: float | None = None
        self._clock_origin = 0.0

    def vnow(self) -> float:
        return time.monotonic() * self.speedup

    def set_clock(self, epoch: float, origin: float) -> None:
        """The worker's clock read `epoch` (Unix seconds) at `time.monotonic() == origin`."""
        with self._lock:
            self._clock_epoch, self._clock_origin = epoch, origin

    def _next_ts(self) -> str:
        if self._clock_epoch is None:
            return super()._next_ts()
        now = self._clock_epoch + (time.monotonic() - self._clock_origin) * self.speedup
        micros = max(int(now * 1_000_000), self._last_ts_micros + 100)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def set_phase(self, phase: str) -> None:
        with self._lock:
            self.phase = phase
            self._phase_started[phase] = self.vnow()

    def handle(self, method: str, args: dict[str, Any], token: str | None) -> _Answer:
        """Answer as the base stand-in does, `latency` (virtual) seconds later: Slack's round trip.

        The wait is outside the stand-in's lock, so calls in flight at once wait side by side, as they
        would for Slack; the call has taken effect (or been refused) before the wait.
        """
        answer = super().handle(method, args, token)
        if self.latency:
            time.sleep(self.latency / self.speedup)
        return answer

    def _answer(self, call: SlackCall) -> _Answer:
        # Called with the stand-in's lock held: one call at a time, so the buckets need no lock of their own.
        counts = self._counts[self.phase]
        counts[f"calls {call.method}"] += 1
        key, limit = limit_for(call.method, call.args, call.token)
        self._limits[key] = limit
        now = self.vnow()
        tokens, last = self._buckets.get(key, (limit.burst, now))
        tokens = min(limit.burst, tokens + (now - last) * limit.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            counts[f"429 limit {call.method}"] += 1
            counts["429 limit"] += 1
            retry_after = max(1, math.ceil((1.0 - tokens) / limit.per_second))
            return _Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self._buckets[key] = (tokens - 1.0, now)
        self._admitted[self.phase][key] += 1
        span = self._first_last.setdefault(self.phase, [now, now])
        span[1] = now

        draw = self._rng.random()
        if draw < self.fault_429 + self.fault_5xx:
            self._faulted[self.phase][key] += 1
        if draw < self.fault_429:
            counts["429 injected"] += 1
            return _Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
        if draw < self.fault_429 + self.fault_5xx:
            status = self._rng.choice(self.statuses_5xx)
            counts[f"{status} injected"] += 1
            counts[f"{status} injected {call.method}"] += 1
            if self.fault_after_effect:
                effect = super()._answer(call)
                counts["5xx after effect"] += 1
                if effect.status == 200 and effect.body.get("ok"):
                    counts[f"5xx after effect, took effect {call.method}"] += 1
                    if call.method == "chat.postMessage":
                        self._posted_then_failed[self.phase][str(call.args.get("channel", ""))] += 1
            return _Answer(status, {"ok": False, "error": "fatal_error"})
        answer = super()._answer(call)
        if answer.status == 200 and answer.body.get("ok"):
            counts[f"ok {call.method}"] += 1
        else:
            counts[f"error {call.method} {answer.body.get('error')}"] += 1
        return answer

    # -- reading back --

    def phase_stats(self, phase: str, needed_without_faults: dict[str, int]) -> dict[str, Any]:
        """What the limits admitted in `phase`, and the floors.

        `needed_without_faults`: the calls the phase has to make when nothing fails, per rate bucket label
        (`"conversations.members"`, ...; `"chat.postMessage <channel>"` for a channel's messages). The
        floor is that of the calls the run had to make: those, plus one more for each call answered with
        an injected fault (it had to be made again), never more than the limits admitted. Calls beyond
        that (a second sweep, a retry of a 429 the worker caused itself, a duplicate post) spend Slack's
        budget but are not the floor's: they are shown apart, as `beyond_needed_per_method`.
        """
        with self._lock:
            admitted = dict(self._admitted.get(phase, {}))
            faulted = self._faulted.get(phase, Counter())
            limits = {key: self._limits[key] for key in admitted}
            per_method: Counter[str] = Counter()
            floors: dict[str, float] = {}
            for key, count in admitted.items():
                label = key[1] if key[1] != "chat.postMessage" else "chat.postMessage (per channel)"
                per_method[label] += count
                floors[label] = max(floors.get(label, 0.0), floor_seconds({key: count}, limits))
            needed: dict[tuple[str, ...], int] = {}
            beyond: Counter[str] = Counter()
            for key, count in admitted.items():
                label = key[1] if key[1] != "chat.postMessage" else f"chat.postMessage {key[2]}"
                needed[key] = min(count, needed_without_faults.get(label, 0) + faulted[key])
                beyond[key[1]] += count - needed[key]
            span = self._first_last.get(phase, [0.0, 0.0])
            return {
                "needed_per_method": _per_method(needed),
                "beyond_needed_per_method": dict(beyond),
                "floor_needed_s": floor_seconds(needed, limits),
                "posted_then_failed": dict(self._posted_then_failed.get(phase, {})),
                "admitted_per_method": dict(per_method),
                "limit_per_method": {
                    (k[1] if k[1] != "chat.postMessage" else "chat.postMessage (per channel)"): v.describe()
                    for k, v in limits.items()
                },
                "floor_per_method_s": floors,
                "floor_s": floor_seconds(admitted, limits),
                "first_to_last_admitted_s": span[1] - span[0],
                # Before the phase's first call: opening the rounds, for the invitations (CPU, database).
                "before_first_call_s": span[0] - self._phase_started.get(phase, span[0]),
                "counts": dict(self._counts.get(phase, {})),
            }

    def delivered(self, event_type: str) -> dict[str, Any]:
        """Messages that reached people: those of `event_type` per channel, and every message in a DM or
        group DM (any conversation that is not a channel) per conversation."""
        with self._lock:
            in_channels = {
                channel: sum(1 for m in messages if (m.get("metadata") or {}).get("event_type") == event_type)
                for channel, messages in self.messages.items()
                if channel.startswith("C")
            }
            dms = {
                conversation: len(messages)
                for conversation, messages in self.messages.items()
                if not conversation.startswith("C") and messages
            }
            return {"channels": in_channels, "dms": dms}


def _per_method(calls: dict[tuple[str, ...], int]) -> dict[str, int]:
    per_method: Counter[str] = Counter()
    for key, count in calls.items():
        per_method[key[1] if key[1] != "chat.postMessage" else "chat.postMessage (per channel)"] += count
    return dict(per_method)


def serve(connection: Connection, config: dict[str, Any]) -> None:
    """Run the stand-in in this (child) process and answer the benchmark's commands on `connection`."""
    channels: dict[str, list[str]] = config.pop("channels")
    users: dict[str, dict[str, Any]] = config.pop("users")
    standin = RateLimitedStandIn(**config)
    for user_id, fields in users.items():
        standin.add_user(user_id, **fields)
    for channel_id, members in channels.items():
        standin.add_channel(channel_id, members=members, name=channel_id.lower())
    standin.start()
    connection.send(standin.url)
    stop = threading.Event()
    while not stop.is_set():
        command, argument = connection.recv()
        if command == "phase":
            standin.set_phase(argument)
            connection.send(None)
        elif command == "clock":
            standin.set_clock(*argument)
            connection.send(None)
        elif command == "stats":
            connection.send(standin.phase_stats(*argument))
        elif command == "delivered":
            connection.send(standin.delivered(argument))
        elif command == "violations":
            connection.send(list(standin.violations[:20]) + [f"... {len(standin.violations)} in all"])
        elif command == "stop":
            standin.stop()
            connection.send(None)
            stop.set()
