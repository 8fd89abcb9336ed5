"""Who in a workspace is a person Kindred may remind: not a bot, an app or a deactivated account.

One `users.list` sweep answers that for the whole workspace (Tier 2, 20 calls a minute, but up to 1,000
people a page: 10 calls for 10,000 people), where a `users.info` per person (Tier 4, 100 a minute) makes
10,000 people 100 minutes of calls. The worker keeps a sweep for a while, so one reminder pass over a
thousand channels sweeps once per workspace (per worker process). Someone who joined since the sweep is
asked about alone; someone deactivated since is refused by Slack when the reminder goes (and skipped).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# Slack's maximum page ("may vary per method"); Slack may answer fewer, so pages are followed by cursor.
USERS_LIST_PAGE = 1000
DEFAULT_MAX_AGE = timedelta(minutes=30)
SLACKBOT = "USLACKBOT"  # listed as a person (`is_bot` false), but nobody to remind
# users.info answers that mean there is no person to remind; anything else is worth a retry.
NOBODY_THERE = {"user_not_found", "user_not_visible"}


def is_person(user: Mapping[str, Any]) -> bool:
    """Whether a users.list / users.info `user` object is an active human account."""
    return not (
        user.get("is_bot") or user.get("deleted") or user.get("is_app_user") or user.get("id") == SLACKBOT
    )


@dataclass(frozen=True)
class _Sweep:
    taken_at: datetime
    people: frozenset[str]
    others: frozenset[str]  # bots, apps, Slackbot and deactivated accounts


class WorkspacePeople:
    """Per-workspace `users.list` sweeps, kept for `max_age` of the worker's clock. Thread-safe.

    A sweep that fails part-way raises (the job is retried) and keeps nothing: a half sweep would make
    everyone on the missing pages look like a newcomer, each asked about alone.
    """

    def __init__(self, max_age: timedelta = DEFAULT_MAX_AGE) -> None:
        self._max_age = max_age
        self._sweeps: dict[str, _Sweep] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def people_among(
        self, client: WebClient, *, workspace_id: str, user_ids: Iterable[str], now: datetime
    ) -> list[str]:
        """The given users who are people Kindred may remind, in the order given.

        Args:
            client: the workspace's Web API client.
            workspace_id: the workspace the users belong to (the sweep is kept under it).
            user_ids: Slack user ids, e.g. a channel's members.
            now: the worker's clock, for the sweep's age.

        Returns:
            Those of `user_ids` that are neither bots, apps, Slackbot nor deactivated.

        Raises:
            SlackApiError: Slack failed for a passing reason (the caller's job is retried, nobody skipped).
        """
        sweep = self._current_sweep(client, workspace_id, now)
        found: list[str] = []
        for user_id in user_ids:
            if user_id in sweep.people:
                found.append(user_id)
            elif user_id not in sweep.others and _asked_alone_is_person(client, user_id):
                found.append(user_id)  # joined after the sweep
        return found

    def forget(self, workspace_id: str) -> None:
        """Drop a workspace's sweep (the next question sweeps again)."""
        with self._guard:
            self._sweeps.pop(workspace_id, None)

    def _current_sweep(self, client: WebClient, workspace_id: str, now: datetime) -> _Sweep:
        with self._guard:
            lock = self._locks.setdefault(workspace_id, threading.Lock())
        # One sweep at a time per workspace: a second thread waits for the first's instead of its own.
        with lock:
            with self._guard:
                self._drop_old(now)
                sweep = self._sweeps.get(workspace_id)
            if sweep is not None:
                return sweep
            sweep = _sweep(client, now)
            with self._guard:
                self._sweeps[workspace_id] = sweep
            return sweep

    def _drop_old(self, now: datetime) -> None:
        for workspace_id, sweep in list(self._sweeps.items()):
            if not (sweep.taken_at <= now < sweep.taken_at + self._max_age):
                del self._sweeps[workspace_id]


def _sweep(client: WebClient, now: datetime) -> _Sweep:
    people: set[str] = set()
    others: set[str] = set()
    # Iterating a SlackResponse follows response_metadata.next_cursor until it is empty; a page may
    # hold fewer than `limit` people even when more follow, so only the cursor says when to stop.
    for page in client.users_list(limit=USERS_LIST_PAGE):
        for user in page.get("members", []):
            (people if is_person(user) else others).add(str(user["id"]))
    return _Sweep(taken_at=now, people=frozenset(people), others=frozenset(others))


def _asked_alone_is_person(client: WebClient, user_id: str) -> bool:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        if error.response.get("error") in NOBODY_THERE:
            return False
        raise  # a passing failure: the job is retried, and nobody is skipped for it
    return is_person(user)


def person_timezone(client: WebClient, user_id: str) -> str | None:
    """The time zone on the person's Slack profile (e.g. "Europe/London"); None if Slack won't say."""
    try:
        timezone = client.users_info(user=user_id)["user"].get("tz")
    except (SlackApiError, KeyError):
        return None
    return str(timezone) if timezone else None
