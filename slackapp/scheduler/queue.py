"""A small job queue in the database: enqueue, claim with a lease, finish, retry with back-off.

Claims are a compare-and-set on the lease, taken under `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers never hold the same job; a worker that dies leaves a lease that expires and the job is retried.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from slackapp.database import SessionFactory
from slackapp.scheduler.models import Job

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
    """Add a job unless one of this kind already exists for the subject (jobs are idempotent by key)."""
    exists = session.scalar(select(Job.id).where(Job.kind == kind, Job.subject_id == subject_id))
    if exists is None:
        session.add(Job(kind=kind, subject_id=subject_id, due_at=due_at))


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

    A job running now may have looked before the news: its lease is taken back, so the worker running it
    does not mark it done (`finish_job` finishes only a job still under its own lease) and it runs again.
    """
    enqueue(session=session, kind=kind, subject_id=subject_id, due_at=due_at)
    mine = (Job.kind == kind, Job.subject_id == subject_id)
    session.execute(
        update(Job)
        .where(*mine, Job.done_at.is_not(None))
        .values(done_at=None, due_at=due_at, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Job)
        .where(*mine, Job.done_at.is_(None), Job.lease_until.is_not(None))
        .values(lease_until=None)
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
                # Compare-and-set: on SQLite there is no row lock, so the lease itself decides.
                taken = session.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.done_at.is_(None), claimable)
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


def finish_job(*, session_factory: SessionFactory, job: ClaimedJob, now: datetime) -> None:
    """Mark a job done, unless its lease is no longer this worker's.

    `run_again` takes the lease back when news comes while the job runs, and a worker whose lease ran out
    has given the job to another: either way the job is not this worker's to finish. Marking it done by
    its id alone undid the news, and the job never ran again.
    """
    with session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.lease_until == job.lease_until)
            .values(done_at=now, lease_until=None, last_error=None)
        )


def run_job_again(*, session_factory: SessionFactory, job_id: uuid.UUID, at: datetime) -> None:
    """A recurring job asks to run again later; its attempt count starts over."""
    with session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(due_at=at, lease_until=None, attempts=0, last_error=None)
        )


def postpone_job(*, session_factory: SessionFactory, job_id: uuid.UUID, at: datetime) -> None:
    """A job that cannot run yet waits; its attempts still count, unlike `run_job_again`'s.

    A job whose earlier attempt may have posted looks for its message first (`JobContext.attempt` > 1),
    however long it waited for its workspace to come back.
    """
    with session_factory.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(due_at=at, lease_until=None))


def retry_job_later(
    *, session_factory: SessionFactory, job: ClaimedJob, now: datetime, error: BaseException
) -> None:
    """Record a failure (its class name only: never a payload) and back off exponentially."""
    delay = min(timedelta(seconds=30 * 2 ** (job.attempt - 1)), MAX_BACKOFF)
    with session_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(due_at=now + delay, lease_until=None, last_error=type(error).__name__[:200])
        )
