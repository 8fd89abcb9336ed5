"""A small job queue in the database: enqueue, claim with a lease, finish, retry with back-off.

Claims are a compare-and-set on the lease, taken under `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers never hold the same job; a worker that dies leaves a lease that expires and the job is retried.
While a job runs, its worker renews the lease (`renew_lease`), so a long run keeps the job to itself.
What a worker writes after its run (finish, run again later, postpone, retry) takes the `ClaimedJob` and
applies only while the job is still under that claim: a worker that lost it changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from slackapp.database import SessionFactory, insert_on_conflict
from slackapp.scheduler.models import Job

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=30)


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    attempt: int
    lease_until: datetime


def enqueue(*, session: Session, kind: str, subject_id: uuid.UUID, due_at: datetime) -> None:
    """Add a job unless one of this kind already exists for the subject (jobs are idempotent by key).

    One statement: a read first let two transactions both find no job, and the second to commit failed
    on the unique key, taking whatever else it had written with it (a round's opening, HR's close).
    """
    session.execute(
        insert_on_conflict(session.get_bind())(Job)
        .values(kind=kind, subject_id=subject_id, due_at=due_at)
        .on_conflict_do_nothing(index_elements=[Job.kind, Job.subject_id])
    )


def bring_forward(*, session: Session, kind: str, subject_id: uuid.UUID, due_at: datetime) -> None:
    """Make a pending job due by `due_at` at the latest (a recurring job with news for it), or add it."""
    enqueue(session=session, kind=kind, subject_id=subject_id, due_at=due_at)
    session.execute(
        update(Job)
        .where(Job.kind == kind, Job.subject_id == subject_id, Job.done_at.is_(None), Job.due_at > due_at)
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )


def run_again(*, session: Session, kind: str, subject_id: uuid.UUID, due_at: datetime) -> None:
    """Queue a job once more, even if it has run or is running: for news its run could not have seen.

    A job running now may have looked before the news. It stays with the worker running it, which keeps
    renewing its lease: taking the lease back let any worker start the job at once beside the run under
    way, and two runs at once of a job that posts both find no post recorded and both post. The news
    counts one more attempt under that lease instead, so the worker's end of the run (finish, run again
    later, postpone, retry: each applies only at the attempt it claimed) hands the job back to run again
    at once (`_while_leased`); a worker that died leaves a lease that runs out as ever.

    One statement decides on the row as it is when written: done, it is queued afresh; running, the news
    is counted. Two (one for a done job, then one for a running one) let a finish commit between them on
    PostgreSQL, and neither matched: the job stayed done without the news.
    """
    enqueue(session=session, kind=kind, subject_id=subject_id, due_at=due_at)
    done = Job.done_at.is_not(None)
    running = Job.lease_until.is_not(None)
    session.execute(
        update(Job)
        .where(Job.kind == kind, Job.subject_id == subject_id)
        .values(
            done_at=None,
            due_at=case((done, due_at), else_=Job.due_at),
            attempts=case((done, 0), (running, Job.attempts + 1), else_=Job.attempts),
            last_error=case((done, None), else_=Job.last_error),
        )
        .execution_options(synchronize_session=False)
    )


def claim_next_job(
    *, session_factory: SessionFactory, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> ClaimedJob | None:
    """Take the next due job, or None. Safe to call from many workers at once."""
    claimable = or_(Job.lease_until.is_(None), Job.lease_until < now)
    for _ in range(5):
        try:
            with session_factory.begin() as session:
                job = session.scalars(
                    select(Job)
                    .where(Job.done_at.is_(None), Job.due_at <= now, claimable)
                    .order_by(Job.due_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if job is None:
                    return None
                # Compare-and-set: on SQLite there is no row lock, so the row as it was read decides. The
                # worker running the job may have put it off since (a recurring job's next run, a retry):
                # a free lease alone took a job due next week, and counted the wrong attempt.
                taken = session.execute(
                    update(Job)
                    .where(
                        Job.id == job.id,
                        Job.done_at.is_(None),
                        Job.due_at <= now,
                        Job.attempts == job.attempts,
                        claimable,
                    )
                    .values(lease_until=now + lease, attempts=Job.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    return ClaimedJob(
                        id=job.id,
                        kind=job.kind,
                        subject_id=job.subject_id,
                        attempt=job.attempts + 1,
                        lease_until=now + lease,
                    )
        except OperationalError:
            # SQLite refuses a write from a stale snapshot when another worker claimed first: look again.
            continue
    return None


def renew_lease(
    *, session_factory: SessionFactory, job: ClaimedJob, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> ClaimedJob | None:
    """Extend a running job's lease to `now + lease`, only while the job is still under this claim.

    A compare-and-set on the lease the worker holds, like its other writes: once the lease ran out and
    another worker took the job, this worker extends nothing, and its later writes change nothing either.
    News under the claim (`run_again`, one more attempt) leaves the run to it: it is still renewed.

    Returns:
        The claim with its new lease, which the worker's later writes must name; None if the claim is
        gone (nothing was written).
    """
    until = max(job.lease_until, now + lease)  # never shortened, whatever the clock did
    with session_factory.begin() as session:
        renewed = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.lease_until == job.lease_until, Job.attempts >= job.attempt)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
    if renewed.rowcount == 1:  # type: ignore[attr-defined]
        return replace(job, lease_until=until)
    log.info(
        "job %s (attempt %d) is no longer this worker's: its lease is not renewed", job.kind, job.attempt
    )
    return None


def finish_job(*, session_factory: SessionFactory, job: ClaimedJob, now: datetime) -> bool:
    """Mark a job done, unless it is no longer this worker's to finish.

    News that came while the job ran (`run_again`) means it must run again, and a worker whose lease ran
    out has given the job to another: either way the job is not this worker's to finish. Marking it done
    by its id alone undid the news, and the job never ran again.

    Returns:
        Whether it was written: not when the claim is gone (nothing was), nor when news came under it
        (the job is handed back to run again).
    """
    return _while_leased(session_factory, job, "finish", done_at=now, lease_until=None, last_error=None)


def run_job_again(*, session_factory: SessionFactory, job: ClaimedJob, at: datetime) -> bool:
    """A recurring job asks to run again later; its attempt count starts over.

    Returns:
        Whether it was written: not when the claim is gone (nothing was), nor when news came under it
        (the job is handed back to run again).
    """
    return _while_leased(
        session_factory, job, "run again", due_at=at, lease_until=None, attempts=0, last_error=None
    )


def postpone_job(*, session_factory: SessionFactory, job: ClaimedJob, at: datetime) -> bool:
    """A job that cannot run yet waits; its attempts still count, unlike `run_job_again`'s.

    A job whose earlier attempt may have posted looks for its message first (`JobContext.attempt` > 1),
    however long it waited for its workspace to come back.

    Returns:
        Whether it was written: not when the claim is gone (nothing was), nor when news came under it
        (the job is handed back to run again).
    """
    return _while_leased(session_factory, job, "postpone", due_at=at, lease_until=None)


def retry_job_later(
    *, session_factory: SessionFactory, job: ClaimedJob, now: datetime, error: BaseException
) -> bool:
    """Record a failure (its class name only: never a payload) and back off exponentially.

    Returns:
        Whether it was written: not when the claim is gone (nothing was), nor when news came under it
        (the job is handed back to run again).
    """
    delay = min(timedelta(seconds=30 * 2 ** (job.attempt - 1)), MAX_BACKOFF)
    return _while_leased(
        session_factory,
        job,
        "retry",
        due_at=now + delay,
        lease_until=None,
        last_error=type(error).__name__[:200],
    )


def _while_leased(session_factory: SessionFactory, job: ClaimedJob, what: str, **values: Any) -> bool:
    """Write `values` to the job only while it is under this worker's claim; say so in the log if not.

    The claim is the lease this worker took (or last renewed) and the attempt it counted: every claim sets
    a later lease and counts one more attempt. A worker whose lease ran out while nobody else took the job
    still holds it. By id alone, a slow worker's late word reset the lease of the worker that took the
    job over (so a third one ran it alongside), moved a finished recurring job's next run, or put off news
    that came while it ran (`run_again`) by its back-off, its postponement or its next run.

    News under the claim (its lease, a later attempt) wins over how the run ended: the claim ends with
    the job handed back as it is, due already, and it runs again at once.
    """
    with session_factory.begin() as session:
        if _under_claim(session, job, Job.attempts == job.attempt, values) == 1:
            return True
        news = _under_claim(session, job, Job.attempts > job.attempt, {"lease_until": None}) == 1
    if news:
        log.info("job %s (attempt %d) had news while it ran: run again, not %s", job.kind, job.attempt, what)
    else:
        log.info(
            "job %s (attempt %d) is no longer this worker's to %s: left as it is", job.kind, job.attempt, what
        )
    return False


def _under_claim(session: Session, job: ClaimedJob, attempt: ColumnElement[bool], values: Any) -> int:
    """Write `values` if the job is under the lease `job` holds, at `attempt`; return how many rows."""
    written = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.lease_until == job.lease_until, attempt)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return written.rowcount  # type: ignore[attr-defined,no-any-return]
