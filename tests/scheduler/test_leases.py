"""A job is written only by the worker that holds its claim: a slow worker's late word changes nothing.

A worker whose lease ran out may still be running the job when another worker takes it over, and news
(`run_again`) takes the lease back from a running job. Each of the worker's writes after a run (finish,
run again later, postpone, retry) used to go by the job's id alone, over whatever had happened since.
A claim and news, too, decide on the row as it is when they write it, not as they read it a moment before.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from slackapp.database import SessionFactory
from slackapp.scheduler.models import Job
from slackapp.scheduler.queue import (
    ClaimedJob,
    claim_next_job,
    enqueue,
    finish_job,
    postpone_job,
    retry_job_later,
    run_again,
    run_job_again,
)
from slackapp.scheduler.worker import JobContext, Worker
from slackapp.settings import Settings
from slackapp.slack.slack_client import single_workspace_clients
from tests.conftest import Clock
from tests.interleave import on_statement

KIND = "test.leases"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)

LateWord = Callable[[SessionFactory, ClaimedJob, datetime], object]

# What a worker writes after its run, each as the worker loop calls it.
WORDS: dict[str, LateWord] = {
    "finish": lambda sf, job, now: finish_job(session_factory=sf, job=job, now=now),
    "run again later": lambda sf, job, now: run_job_again(
        session_factory=sf, job=job, at=now + timedelta(days=7)
    ),
    "postpone": lambda sf, job, now: postpone_job(session_factory=sf, job=job, at=now + timedelta(hours=1)),
    "retry": lambda sf, job, now: retry_job_later(session_factory=sf, job=job, now=now, error=TimeoutError()),
}


def a_job(session_factory: SessionFactory) -> uuid.UUID:
    subject_id = uuid.uuid4()
    with session_factory.begin() as session:
        enqueue(session=session, kind=KIND, subject_id=subject_id, due_at=T0)
    return subject_id


def claim(session_factory: SessionFactory, now: datetime) -> ClaimedJob | None:
    return claim_next_job(session_factory=session_factory, now=now, lease=LEASE)


def row(session_factory: SessionFactory) -> tuple[Any, ...]:
    """The job as stored: due_at, lease_until, attempts, done_at, last_error."""
    with session_factory() as session:
        job = session.scalars(select(Job).where(Job.kind == KIND)).one()
        return job.due_at, job.lease_until, job.attempts, job.done_at, job.last_error


@pytest.mark.parametrize("word", WORDS.values(), ids=WORDS.keys())
def test_a_slow_workers_late_word_leaves_the_job_to_the_worker_that_took_it_over(
    word: LateWord, session_factory: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    a_job(session_factory)
    slow = claim(session_factory, T0)
    taker = claim(session_factory, T0 + LEASE + timedelta(seconds=1))  # the slow worker's lease ran out
    assert slow is not None and taker is not None and taker.id == slow.id
    taken = row(session_factory)

    with caplog.at_level(logging.INFO, logger="slackapp.scheduler.queue"):
        word(session_factory, slow, T0 + LEASE + timedelta(seconds=2))

    assert row(session_factory) == taken  # still the taker's: its lease, its attempt, not done
    assert "no longer this worker's" in caplog.text
    finish_job(session_factory=session_factory, job=taker, now=T0 + LEASE + timedelta(minutes=1))
    assert row(session_factory)[3] is not None


@pytest.mark.parametrize("word", WORDS.values(), ids=WORDS.keys())
def test_a_slow_workers_late_word_leaves_a_job_finished_since_as_it_was(
    word: LateWord, session_factory: SessionFactory
) -> None:
    """A recurring job done by the worker that took it over keeps its next run: a late retry made it run
    again in 30 seconds, a late postponement or run-again moved it."""
    a_job(session_factory)
    slow = claim(session_factory, T0)
    taker = claim(session_factory, T0 + LEASE + timedelta(seconds=1))
    assert slow is not None and taker is not None
    run_job_again(session_factory=session_factory, job=taker, at=T0 + timedelta(days=1))
    done = row(session_factory)

    word(session_factory, slow, T0 + LEASE + timedelta(seconds=2))

    assert row(session_factory) == done
    assert claim(session_factory, T0 + timedelta(hours=23)) is None


@pytest.mark.parametrize("word", WORDS.values(), ids=WORDS.keys())
def test_news_that_comes_while_a_job_runs_is_not_put_off_by_how_the_run_ends(
    word: LateWord, session_factory: SessionFactory
) -> None:
    """`run_again` takes the lease back from the running job so it runs again for the news. The run's own
    end then pushed it back: by its back-off, its postponement (an hour) or its next run (a week)."""
    subject_id = a_job(session_factory)
    running = claim(session_factory, T0)
    assert running is not None
    with session_factory.begin() as session:
        run_again(session=session, kind=KIND, subject_id=subject_id, due_at=T0 + timedelta(minutes=1))

    word(session_factory, running, T0 + timedelta(minutes=2))

    again = claim(session_factory, T0 + timedelta(minutes=2))
    assert again is not None and again.id == running.id  # runs now, for the news
    assert row(session_factory)[3] is None


def test_news_that_comes_as_the_job_finishes_runs_it_again(
    session_factory: SessionFactory, engine: Engine
) -> None:
    """The worker marks the job done just as news comes. `run_again` looked for a done job, then for a
    running one, in two statements: on PostgreSQL the finish committed between them, neither matched, and
    the job stayed done without the news. The finish is made to commit just after the news's first write
    to the job; it waits if the news holds the row."""
    subject_id = a_job(session_factory)
    running = claim(session_factory, T0)
    assert running is not None
    finishing: list[threading.Thread] = []

    def finish() -> None:
        finish_job(session_factory=session_factory, job=running, now=T0 + timedelta(minutes=1))

    def finish_then(statement: str, _parameters: Any) -> None:
        if finishing or not statement.startswith("UPDATE worker_job"):
            return
        finishing.append(threading.Thread(target=finish))
        finishing[0].start()
        finishing[0].join(timeout=1)  # committed at once, unless the news holds the row

    with on_statement(engine, finish_then, when="after_cursor_execute"), session_factory.begin() as session:
        run_again(session=session, kind=KIND, subject_id=subject_id, due_at=T0 + timedelta(minutes=1))
    assert finishing
    finishing[0].join(timeout=30)

    again = claim(session_factory, T0 + timedelta(minutes=1))
    assert again is not None and again.id == running.id


@pytest.mark.parametrize("again_in", [timedelta(days=7), timedelta(0)], ids=["next week", "at once"])
def test_a_claim_takes_a_job_only_as_it_found_it(
    again_in: timedelta, session_factory: SessionFactory, engine: Engine
) -> None:
    """A worker past its lease (nobody took the job) schedules its recurring job's next run, just after
    another worker's claim found the job due and before the claim's compare-and-set. The set checked only
    that the lease was free: it took a job due next week, or one due at once but counted the attempt from
    the count it had read. On PostgreSQL the claim holds the row, and the late write waits and then finds
    the job taken."""
    a_job(session_factory)
    slow = claim(session_factory, T0)
    assert slow is not None
    now = T0 + LEASE + timedelta(seconds=1)
    late: list[threading.Thread] = []

    def put_off() -> None:
        run_job_again(session_factory=session_factory, job=slow, at=now + again_in)

    def late_word_first(statement: str, _parameters: Any) -> None:
        if late or not statement.startswith("UPDATE worker_job"):
            return
        late.append(threading.Thread(target=put_off))
        late[0].start()
        late[0].join(timeout=1)  # committed at once, unless the claim holds the row

    with on_statement(engine, late_word_first):
        taker = claim(session_factory, now)
    assert late
    late[0].join(timeout=30)

    due_at, lease_until, attempts, done_at, _ = row(session_factory)
    assert done_at is None
    if taker is None:  # the late write came first, and the job waits for its next run
        assert again_in and (due_at, lease_until) == (now + again_in, None)
    else:  # the claim is the job's as stored: its lease, its attempt, and it was due
        assert (lease_until, attempts) == (taker.lease_until, taker.attempt)
        assert due_at <= now


def test_no_third_worker_runs_a_job_while_the_worker_that_took_it_over_runs_it(
    settings: Settings, session_factory: SessionFactory, clock: Clock
) -> None:
    """The slow worker's run fails after another has taken the job over; its retry cleared the other's
    lease, and 30 seconds later a third worker ran the job beside it."""
    clock.now = T0
    a_job(session_factory)
    ran: list[int] = []
    release = {attempt: threading.Event() for attempt in (1, 2, 3)}
    started = {attempt: threading.Event() for attempt in (1, 2, 3)}

    def handler(context: JobContext, subject_id: uuid.UUID) -> None:
        ran.append(context.attempt)
        started[context.attempt].set()
        release[context.attempt].wait(timeout=30)
        if context.attempt == 1:
            raise TimeoutError  # the slow worker's run fails, late

    def worker() -> Worker:
        return Worker(
            settings=settings,
            session_factory=session_factory,
            slack=single_workspace_clients(settings),
            handlers={KIND: handler},
            clock=clock,
            lease=LEASE,
        )

    slow = threading.Thread(target=worker().run_once)
    slow.start()
    assert started[1].wait(timeout=30)
    clock.advance(seconds=LEASE.total_seconds() + 1)  # its lease runs out
    taker = threading.Thread(target=worker().run_once)
    taker.start()
    assert started[2].wait(timeout=30)
    release[1].set()
    slow.join(timeout=30)
    clock.advance(minutes=1)  # past the slow worker's back-off, inside the taker's lease
    release[3].set()

    third = worker().run_once()

    release[2].set()
    taker.join(timeout=30)
    assert third == 0
    assert ran == [1, 2]
    assert row(session_factory)[3] is not None  # the taker finished it


def test_the_same_job_queued_at_once_by_two_transactions_is_queued_once_and_fails_neither(
    session_factory: SessionFactory, engine: Engine
) -> None:
    """Two transactions that both add a round's closing job (its opening, HR's "close now") write one
    job, and neither fails on the unique key with everything else it wrote."""
    subject_id = uuid.uuid4()
    raced: list[bool] = []

    def the_other_first(statement: str, _parameters: Any) -> None:
        if "INSERT INTO worker_job" in statement and not raced:
            raced.append(True)
            with session_factory.begin() as other:
                enqueue(session=other, kind=KIND, subject_id=subject_id, due_at=T0)

    with on_statement(engine, the_other_first), session_factory.begin() as session:
        enqueue(session=session, kind=KIND, subject_id=subject_id, due_at=T0 + timedelta(hours=1))

    assert raced
    with session_factory() as session:
        jobs = session.scalars(select(Job).where(Job.kind == KIND, Job.subject_id == subject_id)).all()
    assert [job.due_at for job in jobs] == [T0]
