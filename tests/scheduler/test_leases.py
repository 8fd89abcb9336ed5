"""A job is written only by the worker that holds its claim: a slow worker's late word changes nothing.

A worker whose lease ran out may still be running the job when another worker takes it over, and news
(`run_again`) may come for a running job. Each of the worker's writes after a run (finish, run again
later, postpone, retry) used to go by the job's id alone, over whatever had happened since. A claim and
news, too, decide on the row as it is when they write it, not as they read it a moment before. While a
job runs, its worker renews the lease, on the same terms.
"""

from __future__ import annotations

import logging
import threading
import time
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
    renew_lease,
    retry_job_later,
    run_again,
    run_job_again,
)
from slackapp.scheduler.worker import JobContext, Worker, WorkPostponed
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


def claim_with_a_write_first(
    session_factory: SessionFactory, engine: Engine, now: datetime, write: Callable[[], object]
) -> ClaimedJob | None:
    """Claim at `now`, with `write` (another worker's) run on its own thread just after the claim found
    the job and before its compare-and-set; return the claim once `write` has ended."""
    late: list[threading.Thread] = []

    def write_first(statement: str, _parameters: Any) -> None:
        if late or not statement.startswith("UPDATE worker_job"):
            return
        late.append(threading.Thread(target=write))
        late[0].start()
        late[0].join(timeout=1)  # committed at once, unless the claim holds the row

    with on_statement(engine, write_first):
        taken = claim(session_factory, now)
    assert late, "the claim never wrote"
    late[0].join(timeout=30)
    return taken


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
    """`run_again` makes the running job run again for the news. The run's own end then pushed it back:
    by its back-off, its postponement (an hour) or its next run (a week)."""
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

    def put_off() -> None:
        run_job_again(session_factory=session_factory, job=slow, at=now + again_in)

    taker = claim_with_a_write_first(session_factory, engine, now, put_off)

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


# Lease renewal: a run longer than the lease keeps its job. The heartbeat beats every few milliseconds
# here; each renewal reads the test's clock, so the test decides how much time a beat finds has passed.
BEAT = 0.005


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(BEAT)


def renewals_running() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("lease-")]


class Blocking:
    """A handler that runs until the test releases it, and remembers each run and how many ran at once."""

    def __init__(
        self, end: Callable[[], datetime | None] = lambda: None, look: Callable[[], object] = lambda: None
    ) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.runs: list[int] = []
        self.saw: list[object] = []  # what each run found when it looked, as it started
        self.running = 0
        self.most_at_once = 0
        self._end = end
        self._look = look
        self._lock = threading.Lock()

    def __call__(self, context: JobContext, subject_id: uuid.UUID) -> datetime | None:
        with self._lock:
            self.runs.append(context.attempt)
            self.saw.append(self._look())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.release()
        try:
            self.release.wait(timeout=30)
            return self._end()
        finally:
            with self._lock:
                self.running -= 1


def a_worker(settings: Settings, session_factory: SessionFactory, clock: Clock, handler: Blocking) -> Worker:
    return Worker(
        settings=settings,
        session_factory=session_factory,
        slack=single_workspace_clients(settings),
        handlers={KIND: handler},
        clock=clock,
        lease=LEASE,
        renew_every=BEAT,
    )


def postponed() -> datetime | None:
    raise WorkPostponed


def failed() -> datetime | None:
    raise TimeoutError


# How a long run ends, and what the job then holds (due_at, lease_until, attempts, done?, last_error),
# given the time the run ended.
ENDS: dict[str, tuple[Callable[[], datetime | None], Callable[[datetime], tuple[Any, ...]]]] = {
    "finish": (lambda: None, lambda now: (T0, None, 1, True, None)),
    "run again later": (
        lambda: T0 + timedelta(days=7),
        lambda now: (T0 + timedelta(days=7), None, 0, False, None),
    ),
    "postpone": (postponed, lambda now: (now + WorkPostponed.delay, None, 1, False, None)),
    "retry": (failed, lambda now: (now + timedelta(seconds=30), None, 1, False, "TimeoutError")),
}


@pytest.mark.parametrize("end", ENDS.values(), ids=ENDS.keys())
def test_a_run_longer_than_the_lease_keeps_its_job_and_its_end_applies(
    end: tuple[Callable[[], datetime | None], Callable[[datetime], tuple[Any, ...]]],
    settings: Settings,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    """A job runs for three leases (a round opened in 1,000 channels under Slack's rate limits). Its
    lease ran out mid-run: a second worker ran it beside the first, and the first one's end was dropped."""
    clock.now = T0
    a_job(session_factory)
    handler = Blocking(end[0])
    first = threading.Thread(target=a_worker(settings, session_factory, clock, handler).run_once)
    first.start()
    assert handler.started.acquire(timeout=30)

    for _ in range(3):
        clock.advance(seconds=LEASE.total_seconds() * 2 / 3)
        wait_until(lambda: row(session_factory)[1] == clock.now + LEASE)  # renewed from the new now
        clock.advance(seconds=LEASE.total_seconds() * 2 / 3)  # past the lease it had before
        assert a_worker(settings, session_factory, clock, handler).run_once() == 0
    handler.release.set()
    first.join(timeout=30)

    assert handler.runs == [1]
    due_at, lease_until, attempts, done_at, last_error = row(session_factory)
    assert (due_at, lease_until, attempts, done_at is not None, last_error) == end[1](clock.now)
    assert renewals_running() == []  # the heartbeat stopped with the run


def test_a_lease_is_renewed_only_under_the_claim_it_renews(session_factory: SessionFactory) -> None:
    """A worker stalled past its lease (a pause, the database away) while another took its job over: its
    renewal must not give it the job back, nor stretch the other's lease."""
    a_job(session_factory)
    slow = claim(session_factory, T0)
    taker = claim(session_factory, T0 + LEASE + timedelta(seconds=1))
    assert slow is not None and taker is not None
    taken = row(session_factory)

    assert renew_lease(session_factory=session_factory, job=slow, now=T0 + LEASE * 2, lease=LEASE) is None
    assert row(session_factory) == taken

    renewed = renew_lease(session_factory=session_factory, job=taker, now=T0 + LEASE * 2, lease=LEASE)
    assert renewed is not None and renewed.lease_until == T0 + LEASE * 3
    assert row(session_factory)[1:3] == (renewed.lease_until, taker.attempt)
    assert not finish_job(session_factory=session_factory, job=taker, now=T0 + LEASE * 2)  # the old lease
    assert finish_job(session_factory=session_factory, job=renewed, now=T0 + LEASE * 2)


def test_a_renewal_and_a_claim_of_its_run_out_lease_do_not_both_hold_the_job(
    session_factory: SessionFactory, engine: Engine
) -> None:
    """The holder's renewal comes just after another worker's claim found the lease run out, before the
    claim's compare-and-set. One of them has the job, never both; on PostgreSQL the claim holds the row,
    and the renewal waits and then finds the job taken."""
    a_job(session_factory)
    holder = claim(session_factory, T0)
    assert holder is not None
    now = T0 + LEASE + timedelta(seconds=1)
    renewals: list[ClaimedJob | None] = []

    def renew() -> None:
        renewals.append(renew_lease(session_factory=session_factory, job=holder, now=now, lease=LEASE))

    taker = claim_with_a_write_first(session_factory, engine, now, renew)

    [renewed] = renewals
    assert (taker is None) != (renewed is None)
    holding = taker or renewed
    assert holding is not None and row(session_factory)[1:3] == (holding.lease_until, holding.attempt)


def test_a_worker_whose_renewal_finds_its_job_taken_extends_nothing_and_ends_nothing(
    settings: Settings,
    session_factory: SessionFactory,
    clock: Clock,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The worker stalls past its lease and another worker takes the job just before its next renewal.
    That renewal finds the claim gone: the heartbeat stops, and the run's end changes nothing."""
    clock.now = T0
    a_job(session_factory)
    handler = Blocking()
    taker: list[ClaimedJob | None] = []

    def taken_just_before_the_renewal(statement: str, _parameters: Any) -> None:
        renewal = (
            statement.startswith("UPDATE worker_job SET lease_until")
            and "," not in statement.split(" WHERE ")[0]
        )
        if renewal and not taker and clock.now > T0 + LEASE:
            taker.append(claim(session_factory, clock.now))

    with on_statement(engine, taken_just_before_the_renewal), caplog.at_level(logging.INFO):
        first = threading.Thread(target=a_worker(settings, session_factory, clock, handler).run_once)
        first.start()
        assert handler.started.acquire(timeout=30)
        clock.advance(seconds=LEASE.total_seconds() + 1)  # stalled past its lease
        wait_until(lambda: not renewals_running())  # its renewal found the job taken, and stopped
        [taken] = taker
        assert taken is not None and taken.attempt == 2
        held = row(session_factory)
        clock.advance(minutes=4)
        time.sleep(BEAT * 10)
        assert row(session_factory) == held  # not extended

        handler.release.set()
        first.join(timeout=30)

    assert row(session_factory) == held  # its finish changed nothing: the job is the taker's
    assert "its lease is not renewed" in caplog.text
    assert "no longer this worker's to finish" in caplog.text
    assert finish_job(session_factory=session_factory, job=taken, now=clock.now)


# News for a running job (`run_again`): the job runs again for it, after the run under way, never beside it.


@pytest.mark.parametrize("word", WORDS.values(), ids=WORDS.keys())
def test_news_for_a_running_job_leaves_it_to_its_worker_until_the_run_ends(
    word: LateWord, session_factory: SessionFactory
) -> None:
    """`run_again` took the lease back from the running job: any worker could start it again at once,
    beside the run under way (two runs of a posting job both find no post recorded, and both post). The
    job stays with its worker, which keeps renewing its lease, and the run's end hands it back for the
    news, however the run ended."""
    subject_id = a_job(session_factory)
    running = claim(session_factory, T0)
    assert running is not None
    with session_factory.begin() as session:
        run_again(session=session, kind=KIND, subject_id=subject_id, due_at=T0 + timedelta(minutes=1))

    assert claim(session_factory, T0 + timedelta(minutes=1)) is None  # not beside the run under way
    renewed = renew_lease(session_factory=session_factory, job=running, now=T0 + timedelta(minutes=4))
    assert renewed is not None
    assert claim(session_factory, T0 + LEASE + timedelta(minutes=1)) is None

    assert not word(session_factory, renewed, T0 + LEASE + timedelta(minutes=2))  # the news wins

    again = claim(session_factory, T0 + LEASE + timedelta(minutes=2))
    assert again is not None and again.id == running.id and again.attempt > running.attempt
    assert row(session_factory)[3] is None


def test_news_for_a_job_whose_worker_died_runs_it_once_the_lease_runs_out(
    session_factory: SessionFactory,
) -> None:
    subject_id = a_job(session_factory)
    dead = claim(session_factory, T0)
    assert dead is not None
    with session_factory.begin() as session:
        run_again(session=session, kind=KIND, subject_id=subject_id, due_at=T0 + timedelta(minutes=1))

    assert claim(session_factory, T0 + LEASE) is None
    again = claim(session_factory, T0 + LEASE + timedelta(seconds=1))
    assert again is not None and again.id == dead.id
    assert renew_lease(session_factory=session_factory, job=dead, now=T0 + LEASE * 2) is None
    assert not finish_job(session_factory=session_factory, job=dead, now=T0 + LEASE * 2)
    assert finish_job(session_factory=session_factory, job=again, now=T0 + LEASE * 2)


def test_news_while_a_job_runs_runs_it_again_after_that_run_and_never_beside_it(
    settings: Settings, session_factory: SessionFactory, clock: Clock
) -> None:
    """Through two workers: news comes while the first runs the job. The second worker started the job
    at once, beside the first; now it finds nothing to do, even past the lease the run had when the news
    came, and the first worker runs the job again, for the news, once its run has ended."""
    clock.now = T0
    subject_id = a_job(session_factory)
    news: list[str] = []
    handler = Blocking(look=lambda: list(news))
    first = threading.Thread(target=a_worker(settings, session_factory, clock, handler).run_once)
    first.start()
    assert handler.started.acquire(timeout=30)

    news.append("an invitation was recorded")
    with session_factory.begin() as session:
        run_again(session=session, kind=KIND, subject_id=subject_id, due_at=clock.now)
    clock.advance(seconds=LEASE.total_seconds() * 2 / 3)
    wait_until(lambda: row(session_factory)[1] == clock.now + LEASE)  # still renewed, news or not
    clock.advance(seconds=LEASE.total_seconds() * 2 / 3)  # past the lease it had when the news came
    second = threading.Thread(target=a_worker(settings, session_factory, clock, handler).run_once)
    second.start()
    second.join(timeout=5)
    busy = second.is_alive()
    handler.release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert not busy  # the second worker found nothing to do
    assert handler.most_at_once == 1
    assert handler.saw == [[], ["an invitation was recorded"]]  # run again, and the news seen
    assert row(session_factory)[3] is not None
