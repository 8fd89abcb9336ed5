"""The worker: opens what is due, then runs due jobs until none is left. Safe to run many at once."""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType

from slackapp.database import SessionFactory, utcnow
from slackapp.errors import NotFound
from slackapp.logs import current_request_id
from slackapp.scheduler.queue import (
    DEFAULT_LEASE,
    ClaimedJob,
    claim_next_job,
    finish_job,
    postpone_job,
    renew_lease,
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
# What the worker writes once a run has ended, given the claim as it then stands (its lease renewed).
EndOfRun = Callable[[ClaimedJob], bool]


class LeaseKeeper:
    """Renews a running job's lease every `every` seconds, on a thread of its own, until the run ends.

    A thread rather than calls from the handler between its steps: a handler can spend minutes in one
    step (a Slack call waiting out a rate limit, a publication's transaction) and would have to remember
    to renew in every loop it has; the thread renews whatever the handler is doing, and a worker that
    dies takes it along, so its lease still runs out. Each renewal is a compare-and-set on the claim held
    (`renew_lease`): once it finds the claim gone it stops and extends nothing again. A renewal that fails
    (the database away for a moment) is tried again at the next beat: at a third of the lease, one beat
    can fail with time to spare. Leaving the `with` block stops the thread and waits for a renewal under
    way, so `claim` is the one the worker's last write must name.
    """

    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        job: ClaimedJob,
        clock: Callable[[], datetime],
        lease: timedelta,
        every: float,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._lease = lease
        self._every = every
        self.claim = job
        self._stop = threading.Event()
        run = functools.partial(contextvars.copy_context().run, self._renew_until_stopped)
        self._thread = threading.Thread(target=run, name=f"lease-{job.id.hex[:12]}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(self._every):
            try:
                renewed = renew_lease(
                    session_factory=self._session_factory,
                    job=self.claim,
                    now=self._clock(),
                    lease=self._lease,
                )
            except Exception as error:
                log.warning("job %s: lease renewal failed: %s", self.claim.kind, type(error).__name__)
                continue
            if renewed is None:
                return  # the claim is gone: nothing of this job is this worker's to extend
            self.claim = renewed


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
        renew_every: float | None = None,
        is_installed: Callable[[str], bool] = _always_installed,
        people: WorkspacePeople | None = None,
    ) -> None:
        """`lease` is how long a claim holds a job unrenewed, by `clock` (a dead worker's job waits that
        long); `renew_every` the seconds between renewals while a job runs, a third of the lease unless
        given, so a renewal can fail once with time to spare."""
        self._settings = settings
        self._session_factory = session_factory
        self._slack = slack
        self._handlers = handlers
        self._periodic = periodic
        self._clock = clock
        self._lease = lease
        self._renew_every = lease.total_seconds() / 3 if renew_every is None else renew_every
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
            job_context = replace(context, now=self._clock(), attempt=job.attempt)
            keeper = LeaseKeeper(
                session_factory=self._session_factory,
                job=job,
                clock=self._clock,
                lease=self._lease,
                every=self._renew_every,
            )
            with keeper:
                end = self._run(job, job_context)
            end(keeper.claim)
        return ran

    def _run(self, job: ClaimedJob, context: JobContext) -> EndOfRun:
        """Run the job's handler; return what to write once its lease is no longer renewed."""
        session_factory = self._session_factory
        handler = self._handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind}")
            again_at = handler(context, job.subject_id)
        except WorkPostponed as postponed:
            at = self._clock() + postponed.delay
            return lambda claim: postpone_job(session_factory=session_factory, job=claim, at=at)
        except NotFound:
            again_at = None  # its subject was deleted (a pulse, a workspace purge): nothing left to do
        except Exception as error:
            log.warning("job %s (attempt %d) failed: %s", job.kind, job.attempt, type(error).__name__)
            # Bound now: a lambda would find `error` unset, as Python unsets it when the except block ends.
            return functools.partial(self._retry, error=error)
        if again_at is None:
            return lambda claim: finish_job(session_factory=session_factory, job=claim, now=self._clock())
        return lambda claim: run_job_again(session_factory=session_factory, job=claim, at=again_at)

    def _retry(self, claim: ClaimedJob, *, error: BaseException) -> bool:
        return retry_job_later(
            session_factory=self._session_factory, job=claim, now=self._clock(), error=error
        )

    def run_forever(self, *, interval: float = 15.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as error:  # the database may be briefly away; keep the worker alive
                log.error("worker pass failed: %s", type(error).__name__)
            stop.wait(interval)
