"""Check-in intake benchmark: signed `view_submission`s through the real web server on PostgreSQL.

    .venv/bin/python benchmarks/checkin_intake/run.py            # from the repository root

What it does, in one run (see README.md beside this file for the options and how to read the output):

1. creates a scratch PostgreSQL database `kindred_bench_<random>` on 127.0.0.1:5432 (user postgres),
   migrates it with `slackapp.migrate.upgrade_database`, and drops it at the end, whatever happens;
2. starts the Slack Web API stand-in (`tests/slack_standin.py`) so nothing leaves the machine;
3. opens check-in rounds through the real service code (`tests/factories.py`) and sets the workspace's
   professional-help contact (the thank-you view reads it);
4. for each target - a bare Bolt app that only acks (`bare_app.py`) and Kindred itself (`kindred serve`) -
   starts the server as a separate process (gunicorn, gthread, 8 threads, `WEB_CONCURRENCY` processes),
   waits for `GET /healthz`, sends a warm-up, then the measured load: `--requests` correctly signed
   check-in submissions from `--concurrency` clients, each on its own keep-alive connection to 127.0.0.1,
   every submission from a different user, bounded by `--time-limit`; then stops the server;
5. checks every answer (Kindred: the "Thank you" update; bare: an empty 200), and that the database holds
   exactly one participation per submission sent;
6. prints p50/p90/p99/max latency, throughput, CPU per request (web workers, PostgreSQL, this client)
   and the Kindred/bare ratios against docs/architecture.md's targets.

The load generator is one asyncio loop in this process with pre-built bodies; each request is signed
when it is sent (Slack's v0 HMAC, fresh timestamp). Latency is from the first byte written to the last
byte read, per request. It shares the machine with the servers and PostgreSQL, so the CPU table shows
what it cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

from slackapp.admin.service import HelpContact, set_help_contact  # noqa: E402
from slackapp.checkins.ids import COMMENT_BLOCK, CheckinAction, CheckinCallback  # noqa: E402
from slackapp.checkins.ledger import RoundSecrets  # noqa: E402
from slackapp.checkins.models import Answer, Comment, Participation  # noqa: E402
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS  # noqa: E402
from slackapp.checkins.service import get_round, invite_people  # noqa: E402
from slackapp.database import new_engine, new_session_factory, utcnow  # noqa: E402
from slackapp.migrate import upgrade_database  # noqa: E402
from tests.factories import SECRET_KEY, WORKSPACE, make_open_round  # noqa: E402
from tests.slack_requests import EVENTS_PATH, SlackRequests, radio, slack_signature  # noqa: E402
from tests.slack_requests import text as text_input  # noqa: E402
from tests.slack_standin import SlackStandIn  # noqa: E402

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

P99_TARGET_MS = 100.0
RATIO_TARGET = 2.0


# --- requests ------------------------------------------------------------------------------------------


def answers_form(wellbeing: int, comment: str | None, others: Mapping[str, int]) -> dict[str, Any]:
    """The check-in modal's state, as tests/checkins/test_checkin_story.py's `answers_form` builds it."""
    values: dict[str, Any] = {
        key.value: {CheckinAction.ANSWER: radio(str(others.get(key.value, 4)))}
        for key in DEFAULT_QUESTION_KEYS
    }
    values["wellbeing"] = {CheckinAction.ANSWER: radio(str(wellbeing))}
    values[COMMENT_BLOCK] = {CheckinAction.COMMENT: text_input(comment)}
    return values


def submitters(round_ids: list[uuid.UUID], user_prefix: str, count: int) -> dict[uuid.UUID, list[str]]:
    """Who `build_bodies` makes submit to each round: invited before the load (docs/anonymity.md rule 5)."""
    people: dict[uuid.UUID, list[str]] = {round_id: [] for round_id in round_ids}
    for n in range(count):
        people[round_ids[n % len(round_ids)]].append(f"{user_prefix}{n:08d}")
    return people


def invite(sessions: Any, invitees: dict[uuid.UUID, list[str]]) -> None:
    """Make the submitters invitees of their rounds, through the service the worker uses at opening."""
    secrets = RoundSecrets(SECRET_KEY)
    for round_id, people in invitees.items():
        with sessions.begin() as session:
            round_ = get_round(session=session, round_id=round_id)
            invite_people(session=session, round_=round_, user_ids=people, round_secrets=secrets)


def build_bodies(
    round_ids: list[uuid.UUID], user_prefix: str, count: int, *, comments: bool, seed: int
) -> list[bytes]:
    """`count` view_submission bodies, each from a different user, spread over the rounds.

    Built with tests/slack_requests.py's `SlackRequests.view_submission` (its `post` only captures the
    body here); the signature is added at send time so it is always fresh.
    """
    captured: list[bytes] = []

    def capture(_path: str, body: bytes, _headers: Mapping[str, str]) -> tuple[int, str]:
        captured.append(body)
        return 200, ""

    slack = SlackRequests(capture, SIGNING_SECRET)
    rng = random.Random(seed)
    for n in range(count):
        round_id = round_ids[n % len(round_ids)]
        others = {key.value: rng.randint(1, 5) for key in DEFAULT_QUESTION_KEYS}
        comment = f"Bench comment {n}: a busy week, but the team helped." if comments else None
        slack.view_submission(
            CheckinCallback.ANSWER_MODAL,
            answers_form(rng.randint(1, 5), comment, others),
            json.dumps({"round_id": str(round_id)}),
            user_id=f"{user_prefix}{n:08d}",
        )
    return captured


def is_thank_you(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    try:
        reply = json.loads(body)
        return bool(reply["response_action"] == "update" and reply["view"]["title"]["text"] == "Thank you")
    except (ValueError, KeyError, TypeError):
        return False


def is_bare_ack(status: int, body: bytes) -> bool:
    return status == 200 and body == b""


# --- load generator ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    sent: int = 0
    ok: int = 0
    failures: int = 0
    errors: int = 0  # transport errors (no HTTP answer)
    reconnects: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    timed_out: bool = False
    first_failure: str = ""


class _Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0

    async def open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.used = 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes, bool]:
        """Send one request; returns (status, body, server wants the connection closed)."""
        assert self.reader is not None and self.writer is not None
        self.writer.write(head + body)
        status_and_headers = await self.reader.readuntil(b"\r\n\r\n")
        lines = status_and_headers.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        reply = await self.reader.readexactly(length) if length else b""
        self.used += 1
        return status, reply, headers.get("connection", "").lower() == "close"


async def run_load(
    port: int,
    bodies: list[bytes],
    *,
    concurrency: int,
    time_limit_s: float,
    check: Callable[[int, bytes], bool],
    rate: float | None = None,
) -> LoadResult:
    """Send every body once over `concurrency` connections, until all are sent or `time_limit_s` has passed.

    Closed loop by default: each client sends its next request as soon as its previous one is answered,
    so the server is kept saturated and latency includes queueing for the 50 in flight. With `rate`
    (requests per second, open loop), request i is due at start + i / rate and its latency counts from
    that moment, so time spent waiting for a free connection is included (no coordinated omission).
    """
    result = LoadResult()
    pending = iter(range(len(bodies)))
    start = time.perf_counter()
    deadline = start + time_limit_s

    def head(body: bytes) -> bytes:
        timestamp = str(int(time.time()))
        return (
            f"POST {EVENTS_PATH} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\n"
            f"X-Slack-Signature: {slack_signature(SIGNING_SECRET, timestamp, body)}\r\n"
            "\r\n"
        ).encode("ascii")

    async def client() -> None:
        connection = _Connection(port)
        await connection.open()
        try:
            for index in pending:
                if time.perf_counter() > deadline:
                    result.timed_out = True
                    return
                body = bodies[index]
                due = start + index / rate if rate else 0.0
                if rate and due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
                result.sent += 1
                for attempt in (1, 2):
                    request_head = head(body)  # signed now, with a fresh timestamp
                    began = due if rate else time.perf_counter()
                    try:
                        status, reply, closing = await connection.post(request_head, body)
                    except (ConnectionError, asyncio.IncompleteReadError) as error:
                        # A kept-alive connection the server had already closed: the request never
                        # reached the app, so send it once more on a new connection.
                        partial = getattr(error, "partial", b"")
                        if attempt == 1 and connection.used > 0 and not partial:
                            result.reconnects += 1
                            await connection.open()
                            continue
                        result.errors += 1
                        result.first_failure = result.first_failure or repr(error)
                        await connection.open()
                        break
                    result.latencies_ms.append((time.perf_counter() - began) * 1000)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    if check(status, reply):
                        result.ok += 1
                    else:
                        result.failures += 1
                        result.first_failure = result.first_failure or f"{status} {reply[:300]!r}"
                    if closing:
                        result.reconnects += 1
                        await connection.open()
                    break
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - start
    return result


# --- CPU accounting ------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _postgres_pids(db_name: str) -> list[int]:
    """The backends connected to our database, and PostgreSQL's own background processes (WAL writer,
    checkpointer, ...); not other databases' backends, which other programs on the machine may be using."""
    admin = create_engine(ADMIN_URL)
    try:
        with admin.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE (datname = :name OR backend_type <> 'client backend') AND pid <> pg_backend_pid()"
                ),
                {"name": db_name},
            )
            return [int(pid) for (pid,) in rows]
    finally:
        admin.dispose()


def background_busy(seconds: float = 2.0) -> float:
    """How busy the machine is without our load (other programs): 0.0 idle .. 1.0 every CPU busy."""
    before = _machine_busy_s()
    time.sleep(seconds)
    return (_machine_busy_s() - before) / seconds / (os.cpu_count() or 1)


def _machine_busy_s() -> float:
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]
    )
    return (user + nice + system + irq + softirq) / CLOCK_TICKS  # not idle, iowait or a VM's steal


@dataclass
class CpuSnapshot:
    server_s: float
    postgres_s: float
    client_s: float
    machine_s: float

    @classmethod
    def take(cls, server_pid: int, postgres_pids: list[int]) -> CpuSnapshot:
        server = _process_cpu_s(server_pid) + sum(_process_cpu_s(p) for p in _children(server_pid))
        postgres = sum(_process_cpu_s(p) for p in postgres_pids)
        times = os.times()
        return cls(server, postgres, times.user + times.system, _machine_busy_s())

    @property
    def other_s(self) -> float:
        """Busy CPU on the machine that was none of the three (the kernel's own work, other programs)."""
        return max(0.0, self.machine_s - self.server_s - self.postgres_s - self.client_s)

    def minus(self, before: CpuSnapshot) -> CpuSnapshot:
        return CpuSnapshot(
            self.server_s - before.server_s,
            self.postgres_s - before.postgres_s,
            self.client_s - before.client_s,
            self.machine_s - before.machine_s,
        )


# --- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)

    def wait_healthy(self, workers: int, timeout_s: float = 60) -> None:
        """Until GET /healthz answers 200 and every worker process has booted."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= workers:
                        time.sleep(0.5)  # let the last worker finish importing
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer GET /healthz with 200 in {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of master and workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    name: str, command: list[str], env: Mapping[str, str], log_dir: Path, workers: int
) -> Server:
    port = free_port()
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, log_path)
    try:
        server.wait_healthy(workers)
    except BaseException:
        server.stop()
        raise
    return server


# --- profiling (optional) ------------------------------------------------------------------------------


def start_profiler(server: Server, out_dir: Path) -> subprocess.Popen[bytes] | None:
    py_spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if py_spy is None:
        print("  (py-spy not found: `.venv/bin/pip install py-spy` to profile; continuing without)")
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--rate", "250",
        "--format", "raw", "--output", str(out_dir / f"{server.name}.collapsed.txt"), "--nonblocking",
        "--gil",  # only the thread holding the GIL: where the workers' Python CPU time goes
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None and profiler.poll() is None:
        profiler.send_signal(signal.SIGINT)
        try:
            profiler.wait(timeout=60)
        except subprocess.TimeoutExpired:
            profiler.kill()


# --- one target ----------------------------------------------------------------------------------------


@dataclass
class TargetRun:
    name: str
    result: LoadResult
    cpu: CpuSnapshot
    warmup: LoadResult
    postgres_sessions: int = 0  # PostgreSQL connections opened to the scratch database (whole phase)
    background_busy: float = 0.0  # share of the machine's CPUs busy just before, with our server idle

    def percentile(self, q: float) -> float:
        values = sorted(self.result.latencies_ms)
        if not values:
            return float("nan")
        return values[min(len(values), max(1, math.ceil(q / 100 * len(values)))) - 1]  # nearest rank

    @property
    def throughput(self) -> float:
        return len(self.result.latencies_ms) / self.result.elapsed_s if self.result.elapsed_s else 0.0

    def cpu_ms_per_request(self, seconds: float) -> float:
        answered = len(self.result.latencies_ms)
        return 1000 * seconds / answered if answered else float("nan")


def run_target(
    name: str,
    command: list[str],
    env: Mapping[str, str],
    log_dir: Path,
    warmup_bodies: list[bytes],
    bodies: list[bytes],
    check: Callable[[int, bytes], bool],
    args: argparse.Namespace,
    db_name: str,
) -> TargetRun:
    print(f"\n[{name}] starting: {' '.join(command)}")
    server = start_server(name, command, env, log_dir, args.workers)
    profiler = None
    try:
        print(f"[{name}] healthy on {server.base_url}, {len(server.worker_pids())} worker process(es)")
        warmup = asyncio.run(
            run_load(server.port, warmup_bodies, concurrency=args.concurrency, time_limit_s=60, check=check)
        )
        print(f"[{name}] warm-up: {warmup.ok}/{warmup.sent} ok in {warmup.elapsed_s:.1f} s")
        idle_busy = background_busy()
        waited_until = time.monotonic() + args.wait_for_quiet
        while idle_busy > args.quiet_below and time.monotonic() < waited_until:
            print(f"[{name}] waiting for a quieter machine: {idle_busy:.0%} of its CPUs busy without us")
            idle_busy = background_busy(5.0)
        print(f"[{name}] background load before measuring: {idle_busy:.0%} of the machine's CPUs")
        if args.profile_dir:
            profiler = start_profiler(server, Path(args.profile_dir))
            time.sleep(1.0)
        postgres_pids = _postgres_pids(db_name)  # the pool's connections are open after the warm-up
        before = CpuSnapshot.take(server.process.pid, postgres_pids)
        result = asyncio.run(
            run_load(
                server.port,
                bodies,
                concurrency=args.concurrency,
                time_limit_s=args.time_limit,
                check=check,
                rate=args.rate,
            )
        )
        # Backends that connected during the phase (a pool replacing connections) count in full; those
        # that also exited during it are lost to this count and show under "other".
        newcomers = [pid for pid in _postgres_pids(db_name) if pid not in postgres_pids]
        cpu = CpuSnapshot.take(server.process.pid, postgres_pids + newcomers).minus(before)
        print(
            f"[{name}] measured: {result.ok}/{result.sent} ok, {result.failures} failed, {result.errors} "
            f"transport errors, {result.reconnects} reconnects, {result.elapsed_s:.1f} s"
            + (" (TIME LIMIT)" if result.timed_out else "")
        )
        if result.first_failure or warmup.first_failure:
            print(f"[{name}] first failure: {result.first_failure or warmup.first_failure}")
        return TargetRun(name, result, cpu, warmup, background_busy=idle_busy)
    finally:
        stop_profiler(profiler)
        server.stop()


# --- database ------------------------------------------------------------------------------------------


def create_scratch_database() -> tuple[str, str]:
    name = f"kindred_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name, make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_sessions(db_name: str) -> int:
    """Connections ever opened to the database (pg_stat_database.sessions, PostgreSQL 14+)."""
    admin = create_engine(ADMIN_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            value = connection.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = :name"), {"name": db_name}
            ).scalar()
            return int(value or 0)
    finally:
        admin.dispose()


def postgres_version() -> str:
    admin = create_engine(ADMIN_URL)
    try:
        with admin.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        admin.dispose()


# --- report --------------------------------------------------------------------------------------------


def revision() -> str:
    """The commit measured, and whether the working tree differed from it under slackapp/."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "slackapp", "migrations"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes in slackapp/ or migrations/" if dirty else "")


def machine_description() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "postgresql": postgres_version(),
        "os": platform.platform(),
    }


def print_report(runs: list[TargetRun], args: argparse.Namespace, checks: list[tuple[str, bool]]) -> bool:
    print("\n" + "=" * 100)
    load = f"open loop at {args.rate:g} req/s" if args.rate else "closed loop"
    print(
        f"Check-in intake: {args.concurrency} concurrent clients ({load}), {args.requests} signed "
        f"view_submissions per target, WEB_CONCURRENCY={args.workers} gthread x 8 threads, "
        f"{args.rounds} round(s), comments {'on' if not args.no_comments else 'off'}; code at {revision()}"
    )
    header = (
        f"{'target':<18} {'ok':>6} {'fail':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>8} {'CPU ms/req: web':>16} {'pg':>6} {'client':>7} {'other':>6} {'machine':>8} "
        f"{'pg conns':>9} {'bg load':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        r = run.result
        print(
            f"{run.name:<18} {r.ok:>6} {r.failures + r.errors:>5} {run.percentile(50):>8.1f} "
            f"{run.percentile(90):>8.1f} {run.percentile(99):>8.1f} {max(r.latencies_ms, default=0):>8.1f} "
            f"{run.throughput:>8.0f} {run.cpu_ms_per_request(run.cpu.server_s):>16.2f} "
            f"{run.cpu_ms_per_request(run.cpu.postgres_s):>6.2f} "
            f"{run.cpu_ms_per_request(run.cpu.client_s):>7.2f} "
            f"{run.cpu_ms_per_request(run.cpu.other_s):>6.2f} "
            f"{run.cpu_ms_per_request(run.cpu.machine_s):>8.2f} {run.postgres_sessions:>9} "
            f"{run.background_busy:>8.0%}"
        )
    bare = next((run for run in runs if run.name == "bare"), None)
    floor = next((run for run in runs if run.name == "floor"), None)
    passed = all(ok for _, ok in checks)
    for app in (run for run in runs if run.name.startswith("kindred")):
        print("-" * len(header))
        p99_ok = app.percentile(99) < P99_TARGET_MS
        line = (
            f"{app.name}: p99 < {P99_TARGET_MS:.0f} ms {'PASS' if p99_ok else 'MISS'} "
            f"({app.percentile(99):.1f} ms)"
        )
        if bare is not None:
            p99_ratio = app.percentile(99) / bare.percentile(99)
            line += (
                f"; p99 within {RATIO_TARGET:.0f}x of bare {'PASS' if p99_ratio <= RATIO_TARGET else 'MISS'} "
                f"(x{p99_ratio:.2f}; p50 x{app.percentile(50) / bare.percentile(50):.2f}, "
                f"throughput x{app.throughput / bare.throughput:.2f})"
            )
        print(line)
        bolt_default = next((run for run in runs if run.name == "bare+pool"), None)
        if bolt_default is not None:
            print(
                f"{app.name}: p99 x{app.percentile(99) / bolt_default.percentile(99):.2f} of bare+pool "
                "(Bolt's default: the listener on Bolt's pool, its ack polled every 10 ms; context only)"
            )
        if floor is not None:
            share = app.throughput / floor.throughput
            floor_line = (
                f"{app.name}: p99 x{app.percentile(99) / floor.percentile(99):.2f} of the floor "
                f"(p50 x{app.percentile(50) / floor.percentile(50):.2f}), throughput x{share:.2f} of it"
            )
            if not args.rate:
                floor_line += (
                    f"; at least half of the floor's throughput {'PASS' if share >= 0.5 else 'MISS'}"
                )
            print(floor_line)
    for label, ok in checks:
        print(f"check: {label}: {'ok' if ok else 'FAILED'}")
    print("=" * 100)
    return passed


def write_json(path: str, runs: list[TargetRun], args: argparse.Namespace, machine: dict[str, str]) -> None:
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "revision": revision(),
        "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "targets": {
            run.name: {
                "sent": run.result.sent,
                "ok": run.result.ok,
                "failures": run.result.failures,
                "errors": run.result.errors,
                "p50_ms": run.percentile(50),
                "p90_ms": run.percentile(90),
                "p99_ms": run.percentile(99),
                "max_ms": max(run.result.latencies_ms, default=0),
                "mean_ms": statistics.fmean(run.result.latencies_ms) if run.result.latencies_ms else None,
                "throughput_rps": run.throughput,
                "elapsed_s": run.result.elapsed_s,
                "postgres_connections_opened": run.postgres_sessions,
                "background_load_before": run.background_busy,
                "cpu_ms_per_request": {
                    "web": run.cpu_ms_per_request(run.cpu.server_s),
                    "postgres": run.cpu_ms_per_request(run.cpu.postgres_s),
                    "client": run.cpu_ms_per_request(run.cpu.client_s),
                    "other": run.cpu_ms_per_request(run.cpu.other_s),
                    "machine": run.cpu_ms_per_request(run.cpu.machine_s),
                },
            }
            for run in runs
        },
    }
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


# --- main ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=5000, help="measured submissions per target")
    parser.add_argument("--warmup", type=int, default=500, help="unmeasured submissions per target first")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients (connections)")
    parser.add_argument("--rounds", type=int, default=10, help="open rounds the submissions are spread over")
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="gunicorn worker processes for both servers (WEB_CONCURRENCY; default 2 = nproc on the "
        "reference machine)",
    )  # fmt: skip
    parser.add_argument("--time-limit", type=float, default=300, help="seconds allowed per measured phase")
    parser.add_argument(
        "--rate", type=float, help="open loop: send this many requests per second instead of saturating"
    )
    parser.add_argument(
        "--wait-for-quiet",
        type=float,
        default=60,
        help="seconds to wait, before each measured phase, for other programs to leave the CPUs alone",
    )
    parser.add_argument(
        "--quiet-below", type=float, default=0.25, help="background load that counts as quiet (0-1)"
    )
    parser.add_argument("--no-comments", action="store_true", help="submit without the optional comment")
    parser.add_argument(
        "--targets", default="bare,floor,kindred", help="comma-separated: bare, floor, kindred"
    )
    parser.add_argument("--profile-dir", help="record the measured phase with py-spy (collapsed stacks) here")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (path printed)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    machine = machine_description()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine['nproc']} CPUs ({machine['cpu']}), "
        f"{machine['ram']} RAM, Python {machine['python']}, PostgreSQL {machine['postgresql']}"
    )
    log_dir = Path(tempfile.mkdtemp(prefix="kindred-bench-"))
    db_name, database_url = create_scratch_database()
    print(f"scratch database {db_name}")
    runs: list[TargetRun] = []
    checks: list[tuple[str, bool]] = []
    standin = SlackStandIn().start()
    engine = None
    try:
        upgrade_database(database_url)
        engine = new_engine(database_url)
        sessions = new_session_factory(engine)
        round_ids = [make_open_round(sessions, f"C0BENCH{n:03d}").id for n in range(args.rounds)]
        with sessions.begin() as session:
            set_help_contact(
                session=session,
                workspace_id=WORKSPACE,
                contact=HelpContact(
                    name="Employee Assistance", url="https://eap.example.com", phone="0800 000 000"
                ),
                updated_by="U0HRADMIN",
                now=utcnow(),
            )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "KINDRED_SECRET_KEY": SECRET_KEY,
            "SLACK_API_URL": standin.url,
            "WEB_CONCURRENCY": str(args.workers),
            "PYTHONUNBUFFERED": "1",
        }
        comments = not args.no_comments
        sent_to_kindred = 0
        for number, target in enumerate(targets):
            base, *variants = target.split("+")
            if base in ("bare", "floor") and variants in ([], ["pool"]):
                script = HERE / f"{base}_app.py"
                command, check = [sys.executable, str(script), *(["--pool"] if variants else [])], is_bare_ack
            elif base == "kindred" and not variants:
                command, check = [str(VENV_BIN / "kindred"), "serve"], is_thank_you
            elif base == "kindred":
                command, check = [sys.executable, str(HERE / "variants.py"), ",".join(variants)], is_thank_you
            else:
                raise SystemExit(
                    f"unknown target {target!r}: bare[+pool], floor[+pool], kindred or kindred+<variant>+..."
                )
            prefix = f"U{base[:4].upper()}{number:02d}"  # every submission in the run from a different user
            warmup = build_bodies(round_ids, prefix + "W", args.warmup, comments=comments, seed=1)
            measured = build_bodies(round_ids, prefix + "M", args.requests, comments=comments, seed=2)
            if base == "kindred":
                invite(sessions, submitters(round_ids, prefix + "W", args.warmup))
                invite(sessions, submitters(round_ids, prefix + "M", args.requests))
            sessions_before = postgres_sessions(db_name)
            run = run_target(target, command, env, log_dir, warmup, measured, check, args, db_name)
            run.postgres_sessions = postgres_sessions(db_name) - sessions_before
            runs.append(run)
            if base in ("kindred", "floor"):  # both write a ledger row, scores and a comment per answer
                sent_to_kindred += run.warmup.sent + run.result.sent
            total_ok = run.result.ok + run.warmup.ok
            total_sent = run.result.sent + run.warmup.sent
            checks.append(
                (f"{target}: every answer as expected ({total_ok}/{total_sent})", total_ok == total_sent)
            )
            checks.append(
                (
                    f"{target}: all {args.requests} measured requests sent in time",
                    run.result.sent == args.requests,
                )
            )
        if sent_to_kindred:
            with sessions() as session:
                stored = session.scalar(select(func.count()).select_from(Participation)) or 0
                answers = session.scalar(select(func.count()).select_from(Answer)) or 0
                comment_rows = session.scalar(select(func.count()).select_from(Comment)) or 0
            per_person = len(DEFAULT_QUESTION_KEYS)
            checks.append(
                (
                    f"database holds {stored} participations for {sent_to_kindred} sent to kindred and floor",
                    stored == sent_to_kindred,
                )
            )
            checks.append(
                (f"{answers} answer rows = {per_person} per participation", answers == stored * per_person)
            )
            if comments:
                checks.append((f"{comment_rows} comments = one per participation", comment_rows == stored))
        slack_calls = sorted({call.method for call in standin.calls})
        print(
            f"\nSlack Web API calls during the run: {len(standin.calls)} ({', '.join(slack_calls) or 'none'})"
        )
        passed = print_report(runs, args, checks)
        if args.json:
            write_json(args.json, runs, args, machine)
    finally:
        standin.stop()
        if engine is not None:
            engine.dispose()
        drop_scratch_database(db_name)
        print(f"dropped {db_name}")
        if args.keep_logs:
            print(f"server logs in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
