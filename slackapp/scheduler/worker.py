"""The worker: opens what is due, then runs due jobs until none is left. Safe to run many at once."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slackapp.database import SessionFactory, utcnow
from slackapp.errors import NotFound
from slackapp.logs import current_request_id
from slackapp.scheduler.queue import (
    DEFAULT_LEASE,
    claim_next_job,
    finish_job,
    postpone_job,
    retry_job_later,
    run_job_again,
)
from slackapp.settings import Settings
from slackapp.slack.people import WorkspacePeople
from slackapp.slack.slack_client import SlackClients

log = logging.getLogger(__name__)


class WorkPostponed(Exception):
    """A job that cannot run now for a reason that is not a failure (its workspace uninstalled Kindred)."""

    delay = timedelta(hours=1)


def _always_installed(workspace_id: str) -> bool:
    return True


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    session_factory: SessionFactory
    slack: SlackClients
    now: datetime
    attempt: int = 1
    # Whether a workspace has Kindred installed; work for one that does not waits, it is not done.
    is_installed: Callable[[str], bool] = _always_installed
    # Who is a person (not a bot or deactivated), swept from Slack once and kept by this worker process.
    people: WorkspacePeople = field(default_factory=WorkspacePeople)


# A handler does one job for one subject; it returns when to run again (recurring jobs) or None when done.
JobHandler = Callable[[JobContext, uuid.UUID], datetime | None]
PeriodicTask = Callable[[JobContext], None]


class Worker:
    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: SessionFactory,
        slack: SlackClients,
        handlers: Mapping[str, JobHandler],
        periodic: Sequence[PeriodicTask] = (),
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = DEFAULT_LEASE,
        is_installed: Callable[[str], bool] = _always_installed,
        people: WorkspacePeople | None = None,
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._slack = slack
        self._handlers = handlers
        self._periodic = periodic
        self._clock = clock
        self._lease = lease
        self._is_installed = is_installed
        self._people = people or WorkspacePeople()

    def run_once(self) -> int:
        """Do everything that is due now; return how many jobs ran."""
        context = JobContext(
            self._settings,
            self._session_factory,
            self._slack,
            self._clock(),
            is_installed=self._is_installed,
            people=self._people,
        )
        for task in self._periodic:
            try:
                task(context)
            except Exception as error:
                log.error("periodic task %s failed: %s", task.__name__, type(error).__name__)
        ran = 0
        while job := claim_next_job(
            session_factory=self._session_factory, now=self._clock(), lease=self._lease
        ):
            ran += 1
            current_request_id.set(f"job-{job.id.hex[:12]}")
            handler = self._handlers.get(job.kind)
            job_context = replace(context, now=self._clock(), attempt=job.attempt)
            try:
                if handler is None:
                    raise LookupError(f"no handler for job kind {job.kind}")
                again_at = handler(job_context, job.subject_id)
            except WorkPostponed as postponed:
                postpone_job(
                    session_factory=self._session_factory, job=job, at=self._clock() + postponed.delay
                )
                continue
            except NotFound:
                again_at = None  # its subject was deleted (a pulse, a workspace purge): nothing left to do
            except Exception as error:
                log.warning("job %s (attempt %d) failed: %s", job.kind, job.attempt, type(error).__name__)
                retry_job_later(
                    session_factory=self._session_factory, job=job, now=self._clock(), error=error
                )
                continue
            if again_at is None:
                finish_job(session_factory=self._session_factory, job=job, now=self._clock())
            else:
                run_job_again(session_factory=self._session_factory, job=job, at=again_at)
        return ran

    def run_forever(self, *, interval: float = 15.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as error:  # the database may be briefly away; keep the worker alive
                log.error("worker pass failed: %s", type(error).__name__)
            stop.wait(interval)
