"""Fan-out benchmark: open a check-in round in N channels (recording who each is for) and post its reminder,
with the real worker, against a Slack Web API stand-in that enforces Slack's rate limits and injects faults.

    .venv/bin/python benchmarks/fanout/run.py                       # 1,000 channels, 10,000 people
    .venv/bin/python benchmarks/fanout/run.py --channels 100 --people 1000 --database sqlite

From the repository root. See README.md beside this file for what it measures and how to read it.

1. The stand-in (`limited_standin.py`: `tests/slack_standin.py`'s `SlackStandIn` plus token-bucket rate
   limits and seeded 429/5xx faults) runs in a child process, with the users and channel members made:
   the people, Kindred's bot in every channel, and in some channels another bot, an app user, Slackbot or
   a deactivated account, which are not invited.
2. A scratch database (PostgreSQL `kindred_fanout_<random>` on 127.0.0.1:5432, dropped at the end; or a
   SQLite file) is migrated with `slackapp.migrate.upgrade_database`; one pulse per channel is created
   with `slackapp.checkins.service.create_pulse` (`tests/factories.py`'s `pulse_spec`).
3. Time is compressed by `--speedup`: the stand-in's limits, the worker's clock, the worker's pacer and
   slack_sdk's retry sleeps all run on one virtual clock `speedup` times faster than real time. Slack's
   rates themselves are not changed anywhere: only how long a virtual second lasts.
4. Phase "invitations": the real worker (`slackapp.worker.create_worker`, `--workers` threads, each a
   worker as a separate process would be, sharing the database) runs from the pulses' slot until every
   POST_INVITATION job is done: each records its round's invitees (`conversations.members` and the
   `users.list` sweep) and posts the invitation.
5. Phase "reminders": the clock jumps to the rounds' reminder time and the worker runs until every
   SEND_REMINDERS job is done: one message in each channel, the same for everyone.
6. For each phase: real time, the floor the (scaled) limits allow for exactly the calls the run had to
   make, the ratio, 429s seen, faults injected, messages lost and duplicated and DMs sent (from what the
   stand-in holds), and whether every round's invitees are the channel's people, no more and no fewer
   (from the database, by the round's keyed hash).
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import multiprocessing
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
# Appended, not prepended: PYTHONPATH can point `slackapp` at another checkout (see README, "before").
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

from limited_standin import serve  # noqa: E402
from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

import slackapp  # noqa: E402
from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT  # noqa: E402
from slackapp.checkins.ledger import RoundSecrets  # noqa: E402
from slackapp.checkins.models import Invitee, Pulse, Round  # noqa: E402
from slackapp.checkins.service import CheckinJob, create_pulse  # noqa: E402
from slackapp.database import new_engine, new_session_factory  # noqa: E402
from slackapp.migrate import upgrade_database  # noqa: E402
from slackapp.scheduler.models import Job  # noqa: E402
from slackapp.settings import Settings  # noqa: E402
from slackapp.worker import create_worker  # noqa: E402
from tests.factories import HR_ADMIN, SECRET_KEY, WORKSPACE, pulse_spec  # noqa: E402
from tests.slack_standin import BOT_USER_ID  # noqa: E402

BOT_TOKEN = "xoxb-fanout-bench"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_RATIO = 1.2


# -- time ---------------------------------------------------------------------------------------------


class VirtualClock:
    """The worker's idea of now: starts at `start`, runs `speedup` times faster than real time."""

    def __init__(self, start: datetime, speedup: float) -> None:
        self._start = start
        self._speedup = speedup
        self._t0 = time.monotonic()
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._start + self._offset + timedelta(seconds=(time.monotonic() - self._t0) * self._speedup)

    def advance_to(self, when: datetime) -> None:
        self._offset += when - self()


class _ScaledTime:
    """Stands in for the `time` module inside slack_sdk's retry handlers: their sleeps are virtual."""

    def __init__(self, speedup: float) -> None:
        self._speedup = speedup

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds / self._speedup)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def scale_slack_sdk_retry_sleeps(speedup: float) -> None:
    import slack_sdk.http_retry.builtin_handlers as builtin_handlers
    import slack_sdk.http_retry.handler as handler

    builtin_handlers.time = _ScaledTime(speedup)  # type: ignore[assignment]
    handler.time = _ScaledTime(speedup)  # type: ignore[assignment]


def make_pacer(speedup: float, engine: Any) -> Any:
    """The worker's own pacer (`slackapp.slack.pacing.RatePacer`) on the virtual clock, if this code has one.

    Where the code shares the method tiers' budgets between worker processes through the database
    (`slackapp.slack.pacing.DatabaseSlots`), every worker thread here books from the same table, as
    separate processes would; older code paces each worker on its own.
    """
    if "pacer" not in inspect.signature(create_worker).parameters:
        return None
    import slackapp.slack.pacing as pacing

    shared = {"shared": pacing.DatabaseSlots(engine)} if hasattr(pacing, "DatabaseSlots") else {}
    return pacing.RatePacer(
        clock=lambda: time.monotonic() * speedup, sleep=lambda s: time.sleep(s / speedup), **shared
    )


def pacing_description() -> str:
    if "pacer" not in inspect.signature(create_worker).parameters:
        return "none"
    import slackapp.slack.pacing as pacing

    if hasattr(pacing, "DatabaseSlots"):
        return (
            "yes (slackapp.slack.pacing.RatePacer; tier budgets shared by all workers through the database)"
        )
    return "yes (slackapp.slack.pacing.RatePacer; each worker on its own budget)"


# -- logging: count what the worker complains about --------------------------------------------------


class CountingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        # "job %s (attempt %d) failed: %s" -> keep the kind and the error, not the attempt.
        shown = tuple(a for a in args if not isinstance(a, int))
        self.counts[f"{record.name}: {record.msg} {shown}"] += 1


# -- database -----------------------------------------------------------------------------------------


def make_database(kind: str, pg_url: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        path = Path(f"/tmp/kindred-fanout-{uuid.uuid4().hex[:8]}.db")
        url = f"sqlite:///{path}"
        upgrade_database(url)

        def remove() -> None:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink(missing_ok=True)

        return url, remove
    base = make_url(pg_url)
    name = f"kindred_fanout_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    try:
        upgrade_database(url)
    except BaseException:
        drop()
        raise
    return url, drop


# -- the run ------------------------------------------------------------------------------------------


def spread(people: int, channels: int) -> dict[str, list[str]]:
    """`people` users over `channels` channels, round-robin: each person in exactly one channel."""
    members: dict[str, list[str]] = {f"C{c:06d}": [] for c in range(channels)}
    names = list(members)
    for p in range(people):
        members[names[p % channels]].append(f"U{p:07d}")
    return members


# Channel members who are not people and so are not invited (Kindred's own bot is in every channel): one
# channel in ten holds another app's bot, one an app user, one Slackbot and one a deactivated account.
NOT_PEOPLE: dict[str, dict[str, Any]] = {
    "U0OTHERBOT": {"is_bot": True, "real_name": "Another app's bot"},
    "U0APPUSER": {"is_app_user": True, "real_name": "An app user"},
    "USLACKBOT": {"real_name": "Slackbot"},  # users.list calls Slackbot a person (`is_bot` false)
}


def not_people_in(index: int) -> dict[str, dict[str, Any]]:
    """The members of the `index`th channel who are neither people nor Kindred."""
    kind = index % 10
    if kind < 3:
        user_id = list(NOT_PEOPLE)[kind]
        return {user_id: NOT_PEOPLE[user_id]}
    if kind == 3:
        return {f"U9GONE{index:05d}": {"deleted": True, "real_name": "Someone who left"}}
    return {}


def invitees_wrong(session_factory: Any, people_in: dict[str, list[str]]) -> dict[str, int]:
    """Compare each round's recorded invitees with its channel's people, by the round's keyed hash.

    Returns how many rounds were wrong, and how many people were missing and how many extra rows
    (a bot, an app, a deactivated account, a second copy) there were, over all rounds.
    """
    secrets = RoundSecrets(SECRET_KEY)
    wrong = missing = extra = rounds = 0
    with session_factory() as session:
        for round_ in session.scalars(select(Round)):
            rounds += 1
            stored = list(session.scalars(select(Invitee.voter_hash).where(Invitee.round_id == round_.id)))
            assert round_.secret_ciphertext is not None
            expected = {secrets.voter_hash(round_.secret_ciphertext, u) for u in people_in[round_.channel_id]}
            round_missing = len(expected - set(stored))
            round_extra = len(stored) - (len(expected) - round_missing)
            count_right = round_.invited_count == len(expected)
            missing += round_missing
            extra += round_extra
            wrong += bool(round_missing or round_extra or not count_right)
    return {"rounds": rounds, "rounds_wrong": wrong, "people_missing": missing, "extra_rows": extra}


def needed_without_faults(
    phase: str, *, channels: int, users: int, workers: int, channel_ids: list[str]
) -> dict[str, int]:
    """The calls a phase has to make when nothing fails, per rate bucket (see `phase_stats`).

    Invitations: a `conversations.members` per channel (one page: fewer than 200 members), one `users.list`
    sweep per worker process (`slackapp/slack/people.py`, pages of 1,000) and a message per channel.
    Reminders: a message per channel.
    """
    messages = {f"chat.postMessage {c}": 1 for c in channel_ids}
    if phase == "reminders":
        return messages
    pages = -(-users // 1000)
    return {"conversations.members": channels, "users.list": pages * workers, **messages}


class WorkerPool:
    """`n` real workers, each in its own thread as a process of its own would be, looping `run_once`."""

    def __init__(self, n: int, make: Callable[[], Any]) -> None:
        self._workers = [make() for _ in range(n)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: Counter[str] = Counter()

    def _loop(self, worker: Any) -> None:
        while not self._stop.is_set():
            try:
                ran = worker.run_once()
            except Exception as error:  # the worker's own run_forever does the same
                self.errors[type(error).__name__] += 1
                ran = 0
            if not ran:
                self._stop.wait(0.01)

    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._loop, args=(w,), name=f"worker-{i}", daemon=True)
            for i, w in enumerate(self._workers)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def sync_clock(standin: Any, clock: VirtualClock) -> None:
    """Tell the stand-in what the worker's clock reads now, for the timestamps of the messages it keeps."""
    origin = time.monotonic()
    standin.send(("clock", (clock().timestamp(), origin)))
    standin.recv()


def jobs_done(session_factory: Any, kind: str) -> tuple[int, int]:
    with session_factory() as session:
        total = session.scalar(select(func.count()).select_from(Job).where(Job.kind == kind)) or 0
        done = (
            session.scalar(
                select(func.count()).select_from(Job).where(Job.kind == kind, Job.done_at.is_not(None))
            )
            or 0
        )
    return done, total


def run_phase(
    name: str,
    *,
    pool: WorkerPool,
    session_factory: Any,
    kind: str,
    expected_jobs: int,
    standin: Any,
    clock: VirtualClock,
    time_limit: float,
) -> dict[str, Any]:
    standin.send(("phase", name))
    standin.recv()
    sync_clock(standin, clock)
    started = time.monotonic()
    cpu_started = time.process_time()
    pool.start()
    done = total = 0
    last_report = started
    while True:
        done, total = jobs_done(session_factory, kind)
        now = time.monotonic()
        if done >= expected_jobs:
            break
        if now - started > time_limit:
            break
        if now - last_report > 30:
            print(f"  [{name}] {now - started:5.0f} s: {done}/{expected_jobs} jobs done", flush=True)
            last_report = now
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    pool.stop()
    return {
        "real_s": elapsed,
        "worker_cpu_s": time.process_time() - cpu_started,
        "load_average_1min_at_end": os.getloadavg()[0],
        "jobs_done": done,
        "jobs_total": total,
        "timed_out": done < expected_jobs,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {system}"


def code_version() -> str:
    if os.environ.get("FANOUT_CODE_LABEL"):
        return f"slackapp from {Path(slackapp.__file__).resolve().parent}: {os.environ['FANOUT_CODE_LABEL']}"
    where = Path(slackapp.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(where), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "(not a git checkout)"
    return f"slackapp from {where}: {commit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--speedup", type=float, default=5.0, help="virtual seconds per real second")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker threads, each a worker process of its own (pacer, directory sweep), one database",
    )
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument(
        "--fault-429", type=float, default=0.01, help="fraction of admitted calls answered 429"
    )
    parser.add_argument(
        "--fault-5xx", type=float, default=0.01, help="fraction of admitted calls answered 5xx"
    )
    parser.add_argument("--statuses-5xx", default="500,502,503,504")
    parser.add_argument(
        "--fault-after-effect", action="store_true", help="5xx faults happen after the call took effect"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="Slack's round trip: seconds (at Slack's speed) per call"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=1800.0, help="real seconds per phase at most")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    speedup = args.speedup
    scale_slack_sdk_retry_sleeps(speedup)
    counting = CountingHandler()
    logging.getLogger().addHandler(counting)
    logging.getLogger().setLevel(logging.WARNING)

    members = spread(args.people, args.channels)
    users: dict[str, dict[str, Any]] = {
        u: {"real_name": f"Person {u}"} for ms in members.values() for u in ms
    }
    # Kindred's bot is a member of every channel it posts in, as in a real workspace; some channels also
    # hold another bot, an app user, Slackbot or a deactivated account.
    channels: dict[str, list[str]] = {}
    for index, (channel_id, people) in enumerate(members.items()):
        others = not_people_in(index)
        users.update(others)
        channels[channel_id] = [*people, *others, BOT_USER_ID]
    not_people = sum(len(ms) for ms in channels.values()) - args.people - len(channels)

    print(
        f"fan-out: {args.channels} channels, {args.people} people (and {not_people} other members who "
        f"are not people, besides Kindred), speedup {speedup:g}, {args.workers} worker(s), {args.database}"
    )
    code = code_version()
    print(code)
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    config = {
        "channels": channels,
        "users": users,
        "speedup": speedup,
        "fault_429": args.fault_429,
        "fault_5xx": args.fault_5xx,
        "statuses_5xx": tuple(int(s) for s in args.statuses_5xx.split(",") if s),
        "fault_after_effect": args.fault_after_effect,
        "seed": args.seed,
        "latency": args.latency,
    }
    process = context.Process(target=serve, args=(child_end, config), name="slack-standin", daemon=True)
    process.start()
    slack_url = parent_end.recv()

    database_url, drop_database = make_database(args.database, args.pg_url)
    engine = (
        new_engine(database_url, pool_size=max(5, 2 * args.workers + 2))
        if args.database == "postgres"
        else new_engine(database_url)
    )
    results: dict[str, Any] = {}
    try:
        session_factory = new_session_factory(engine)
        settings = Settings(
            database_url=database_url,
            slack_api_url=slack_url,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret="fanout-signing-secret",
            secret_key=SECRET_KEY,
        )
        created = datetime.now(UTC)
        with session_factory.begin() as session:
            for channel_id in channels:
                create_pulse(
                    session=session,
                    workspace_id=WORKSPACE,
                    spec=pulse_spec(channel_id),
                    created_by=HR_ADMIN,
                    now=created,
                )
        with session_factory() as session:
            slot = session.scalar(select(func.min(Pulse.next_open_at)))
        assert slot is not None
        clock = VirtualClock(slot.replace(tzinfo=slot.tzinfo or UTC), speedup)

        def make_worker() -> Any:
            pacer = make_pacer(speedup, engine)
            kwargs = {"clock": clock} | ({"pacer": pacer} if pacer is not None else {})
            return create_worker(settings, session_factory, **kwargs)

        pool = WorkerPool(args.workers, make_worker)
        print(f"pacing in the worker: {pacing_description()}")

        # Phase 1: invitations.
        phase1 = run_phase(
            "invitations",
            pool=pool,
            session_factory=session_factory,
            kind=CheckinJob.POST_INVITATION,
            expected_jobs=args.channels,
            standin=parent_end,
            clock=clock,
            time_limit=args.time_limit,
        )

        # Phase 2: reminders, at the rounds' reminder time (2/3 of the way to closing).
        with session_factory() as session:
            remind_at = session.scalar(select(func.max(Round.remind_at)))
        assert remind_at is not None
        clock.advance_to(remind_at.replace(tzinfo=remind_at.tzinfo or UTC))
        phase2 = run_phase(
            "reminders",
            pool=pool,
            session_factory=session_factory,
            kind=CheckinJob.SEND_REMINDERS,
            expected_jobs=args.channels,
            standin=parent_end,
            clock=clock,
            time_limit=args.time_limit,
        )

        # What reached people, and who each round is for.
        parent_end.send(("delivered", INVITATION_EVENT))
        invitations = parent_end.recv()["channels"]
        # One reminder message in each channel, the same for everyone (docs/anonymity.md rule 6): no DM.
        parent_end.send(("delivered", REMINDER_EVENT))
        delivered = parent_end.recv()
        reminders, dms = delivered["channels"], delivered["dms"]
        invitees = invitees_wrong(session_factory, members)
        phase1.update(invitees=invitees)

        sizes = {"channels": len(channels), "users": len(users) + 1, "workers": args.workers}
        for name, phase, posted in (("invitations", phase1, invitations), ("reminders", phase2, reminders)):
            parent_end.send(
                ("stats", (name, needed_without_faults(name, channel_ids=list(channels), **sizes)))
            )
            stats = parent_end.recv()
            phase.update(stats)
            duplicated = {c: n - 1 for c, n in posted.items() if n > 1}
            phase.update(
                expected=len(channels),
                lost=sum(1 for c in channels if posted.get(c, 0) == 0),
                duplicated=sum(duplicated.values()),
                # A 5xx that came after Slack had posted leaves Kindred unsure, and it posts again rather
                # than read the channel (slackapp/slack/posting.py): those duplicates are told apart.
                duplicated_after_unsure_failure=sum(
                    min(n, stats["posted_then_failed"].get(c, 0)) for c, n in duplicated.items()
                ),
            )
            phase["floor_real_s"] = stats["floor_needed_s"] / speedup
            phase["floor_admitted_real_s"] = stats["floor_s"] / speedup
            phase["virtual_s"] = phase["real_s"] * speedup
            phase["ratio"] = phase["real_s"] / phase["floor_real_s"] if phase["floor_real_s"] else None
        parent_end.send(("violations", None))
        violations = parent_end.recv()

        total_real = phase1["real_s"] + phase2["real_s"]
        total_floor = phase1["floor_real_s"] + phase2["floor_real_s"]
        results = {
            "command": " ".join([".venv/bin/python", "benchmarks/fanout/run.py", *sys.argv[1:]]),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "code": code,
            "pacing": pacing_description(),
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "invitations": phase1,
            "reminders": phase2,
            "dms": sum(dms.values()),
            "total_real_s": total_real,
            "total_floor_real_s": total_floor,
            "total_ratio": total_real / total_floor if total_floor else float("nan"),
            "total_floor_admitted_real_s": phase1["floor_admitted_real_s"] + phase2["floor_admitted_real_s"],
            "worker_log_warnings": dict(counting.counts.most_common(15)),
            "worker_loop_errors": dict(pool.errors),
            "reference_violations": violations if len(violations) > 1 else [],
        }
        report(results, speedup)
    finally:
        parent_end.send(("stop", None))
        parent_end.recv()
        process.join(timeout=10)
        engine.dispose()
        drop_database()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    ok = (
        all(
            results[p]["lost"] == 0 and results[p]["duplicated"] == 0 and not results[p]["timed_out"]
            for p in ("invitations", "reminders")
        )
        and results["dms"] == 0
        and results["invitations"]["invitees"]["rounds_wrong"] == 0
        and results["invitations"]["invitees"]["rounds"] == results["args"]["channels"]
    )
    return 0 if ok else 1


def fmt_minutes(virtual_s: float) -> str:
    return f"{virtual_s / 60:.1f} min"


def report(results: dict[str, Any], speedup: float) -> None:
    print()
    print(f"{results['date']} · {results['machine']}")
    print(results["code"])
    print(results["command"])
    for name in ("invitations", "reminders"):
        p = results[name]
        counts = p["counts"]
        seen_429 = counts.get("429 limit", 0) + counts.get("429 injected", 0)
        injected_5xx = sum(v for k, v in counts.items() if k.endswith("injected") and k[:1] == "5")
        after_effect = counts.get("5xx after effect", 0)
        timed_out = " (TIMED OUT)" if p["timed_out"] else ""
        print(f"\n{name}: {p['jobs_done']}/{p['jobs_total']} jobs done{timed_out}")
        print(
            f"  real {p['real_s']:.1f} s  = {fmt_minutes(p['virtual_s'])} at Slack's speed "
            f"(this process's CPU {p['worker_cpu_s']:.1f} s; "
            f"load average {p['load_average_1min_at_end']:.1f})"
        )
        ratio = f"{p['ratio']:.2f}x" if p["ratio"] is not None else "n/a (no rate bucket past its burst)"
        print(
            f"  floor {p['floor_real_s']:.1f} s = {fmt_minutes(p['floor_needed_s'])} at Slack's speed  ->  "
            f"ratio {ratio} (target <= {TARGET_RATIO}x); floor of every admitted call "
            f"{fmt_minutes(p['floor_s'])}"
        )
        print(
            f"  first Slack call {p['before_first_call_s'] / speedup:.1f} s real after the phase began; "
            f"first to last call {p['first_to_last_admitted_s'] / speedup:.1f} s real"
        )
        print(
            f"  messages: expected {p['expected']}, lost {p['lost']}, duplicated {p['duplicated']}"
            + (
                f" (of which {p['duplicated_after_unsure_failure']} re-posted after a 5xx that came after "
                "the post: slackapp/slack/posting.py's documented trade)"
                if p["duplicated"]
                else ""
            )
        )
        if "invitees" in p:
            i = p["invitees"]
            print(
                f"  invitees: {i['rounds'] - i['rounds_wrong']}/{i['rounds']} rounds exactly the channel's "
                f"people; people missing {i['people_missing']}, extra rows {i['extra_rows']}"
            )
        print(
            f"  429s seen {seen_429} (limit {counts.get('429 limit', 0)}, "
            f"injected {counts.get('429 injected', 0)}), 5xx injected {injected_5xx}"
            + (f" ({after_effect} after the call took effect)" if after_effect else "")
        )
        print(
            "  calls admitted by the limits, per method: admitted, needed (floor's), limit, "
            "floor of that method alone at Slack's speed:"
        )
        for method, n in sorted(
            p["admitted_per_method"].items(), key=lambda kv: -p["floor_per_method_s"][kv[0]]
        ):
            floor = fmt_minutes(p["floor_per_method_s"][method])
            needed = p["needed_per_method"].get(method, 0)
            print(f"    {method:34s} {n:6d} {needed:6d}  {p['limit_per_method'][method]:24s} {floor}")
        limited = {k: v for k, v in counts.items() if k.startswith("429 limit ")}
        if limited:
            print(
                "  429s from the limits by method: " + ", ".join(f"{k[10:]} {v}" for k, v in limited.items())
            )
        errors = {k: v for k, v in counts.items() if k.startswith("error ")}
        if errors:
            print("  Slack errors answered: " + ", ".join(f"{k[6:]} {v}" for k, v in errors.items()))
    print(f"\nDMs sent: {results['dms']}")
    print(
        f"total: real {results['total_real_s']:.1f} s, floor {results['total_floor_real_s']:.1f} s, "
        f"ratio {results['total_ratio']:.2f}x (target <= {TARGET_RATIO}x)"
    )
    if results["worker_log_warnings"]:
        print("worker warnings (count):")
        for line, n in results["worker_log_warnings"].items():
            print(f"  {n:6d}  {line}")
    if results["worker_loop_errors"]:
        print(f"worker passes that failed: {results['worker_loop_errors']}")
    if results["reference_violations"]:
        print("calls that broke Slack's method reference:", *results["reference_violations"], sep="\n  ")


if __name__ == "__main__":
    sys.exit(main())
