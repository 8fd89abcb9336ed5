"""What a web process keeps between check-in submissions: facts that cannot change while a round is open.

A submission used to read the round, the help contact and the directory on every request. Here each is
read once and kept for a few seconds per process, because none of it is about the person submitting:

- a round's questions, comment option, channel, closing time and sealed secret are fixed from opening
  until closing. The cache is never the authority on whether the round is still open: the ledger's
  INSERT checks in the database that the round is open and the person invited (`record_answers`), so
  a round closed by another process refuses the answer and is dropped from here at once;
- the workspace's help contact and directory are HR's data, shown to everybody alike; an edit reaches
  every web process within `HR_DATA_TTL`.

Nothing per person is kept: no user ID, no voter hash, no answer, no suggestion made from answers.
Entries also expire after `ROUND_TTL`, so a round's sealed secret is not held long after it closes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from slackapp.admin.service import HelpContact, get_help_contact
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.service import AnswerableRound, find_answerable_round
from slackapp.database import SessionFactory
from slackapp.resources.suggestions import Directory, read_directory

# How long a web process keeps a round's facts before reading them again (a round closes on its own
# schedule; an early close is caught by the database on the next write).
ROUND_TTL = 30.0
# How long an HR edit of the help contact or the directory may take to reach a web process.
HR_DATA_TTL = 30.0
# Open rounds kept at most; far above the rounds open at once in a 10,000-person company.
MAX_ENTRIES = 2048

K = TypeVar("K")
V = TypeVar("V")


class _Expiring(Generic[K, V]):
    """A small thread-safe map whose entries expire; the oldest go first when it is full."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (self._clock() + self._ttl, value)
        return value

    def forget(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)


class Intake:
    """One web process's check-in intake cache. Built with the app; shared by its threads."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._rounds: _Expiring[tuple[str, uuid.UUID], AnswerableRound] = _Expiring(ROUND_TTL, clock)
        self._contacts: _Expiring[str, tuple[HelpContact | None]] = _Expiring(HR_DATA_TTL, clock)
        self._directories: _Expiring[str, Directory] = _Expiring(HR_DATA_TTL, clock)
        self._round_secrets: dict[str, RoundSecrets] = {}

    def round(
        self, db: SessionFactory, *, workspace_id: str, round_id: uuid.UUID | None, now: datetime
    ) -> AnswerableRound | None:
        """The round's facts if it exists in this workspace and takes answers as far as we know.

        Whether it is still open is the database's answer, not this one's: `record_answers` refuses an
        answer to a closed round, and the listener then calls `forget_round`.
        """
        if round_id is None:
            return None
        key = (workspace_id, round_id)
        round_ = self._rounds.get(key)
        if round_ is None:
            with db() as session:
                round_ = find_answerable_round(session=session, workspace_id=workspace_id, round_id=round_id)
            if round_ is None:
                return None  # not kept: an unknown id costs a read, and fills nothing
            self._rounds.put(key, round_)
        if round_.closes_at <= now:
            self._rounds.forget(key)
        return round_

    def forget_round(self, *, workspace_id: str, round_id: uuid.UUID) -> None:
        """Drop a round the database said has closed."""
        self._rounds.forget((workspace_id, round_id))

    def help_contact(self, db: SessionFactory, *, workspace_id: str) -> HelpContact | None:
        kept = self._contacts.get(workspace_id)
        if kept is None:
            with db() as session:
                kept = self._contacts.put(
                    workspace_id, (get_help_contact(session=session, workspace_id=workspace_id),)
                )
        return kept[0]

    def directory(self, db: SessionFactory, *, workspace_id: str) -> Directory:
        kept = self._directories.get(workspace_id)
        if kept is None:
            with db() as session:
                kept = self._directories.put(
                    workspace_id, read_directory(session=session, workspace_id=workspace_id)
                )
        return kept

    def round_secrets(self, secret_key: str) -> RoundSecrets:
        """Deriving the round-secret keys costs more than using them: once per process and key."""
        secrets = self._round_secrets.get(secret_key)
        if secrets is None:
            secrets = self._round_secrets[secret_key] = RoundSecrets(secret_key)
        return secrets
