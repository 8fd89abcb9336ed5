"""Where a check-in submission's CPU time goes: one request at a time, in-process, per step.

    .venv/bin/python benchmarks/checkin_intake/breakdown.py [--requests 1000] [--variants ping]

A companion to `run.py` for finding what to make faster. It builds the real Flask + Bolt app in this
process on a scratch PostgreSQL database (dropped at the end), sends signed check-in submissions one after
another through Flask's test client, and measures CPU time (`time.thread_time`) per request in total and
inside each step of the check-in listener. Bolt runs with `process_before_response=True` here so the
listener runs on the measuring thread; nothing else about the code changes. The same is measured for the
bare ack-only Bolt app (`bare_app.py`). Sequential requests show the cost of the code itself, free of
the queueing and CPU contention of the 50-client run.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for folder in (REPO_ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import bare_app  # noqa: E402
import run as bench  # noqa: E402
import variants  # noqa: E402

from slackapp.checkins.ids import CheckinCallback  # noqa: E402
from slackapp.database import new_engine, new_session_factory  # noqa: E402
from slackapp.logs import configure_logging  # noqa: E402
from slackapp.migrate import upgrade_database  # noqa: E402
from slackapp.settings import Settings  # noqa: E402
from tests.factories import SECRET_KEY, make_open_round  # noqa: E402
from tests.slack_requests import slack_signature  # noqa: E402
from tests.slack_standin import SlackStandIn  # noqa: E402

cpu_by_step: dict[str, float] = collections.defaultdict(float)
calls_by_step: dict[str, int] = collections.defaultdict(int)


def measure(owner: Any, attribute: str, label: str | None = None) -> None:
    """Wrap `owner.attribute` so the CPU time spent inside it is added to `cpu_by_step[label]`."""
    original: Callable[..., Any] = getattr(owner, attribute)
    name = label or attribute

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu_by_step[name] += time.thread_time() - began
            calls_by_step[name] += 1

    setattr(owner, attribute, timed)


def instrument() -> None:
    from slack_bolt.context.ack.ack import Ack
    from sqlalchemy.dialects.postgresql._psycopg_common import _PGDialect_common_psycopg
    from sqlalchemy.engine.default import DefaultDialect

    import slackapp.checkins.intake as intake
    import slackapp.checkins.ledger as ledger
    import slackapp.checkins.listeners as listeners
    import slackapp.checkins.service as service

    # The listener's steps (names as imported into slackapp/checkins/listeners.py).
    for step in ("record_answers", "read_region", "render_thank_you_view", "suggest"):
        if hasattr(listeners, step):
            measure(listeners, step, f"listener: {step}")
    # The reads a submission needs, kept per process (slackapp/checkins/intake.py): hits and misses.
    for step in ("round", "help_contact", "directory"):
        measure(intake.Intake, step, f"listener: intake.{step}")
    measure(Ack, "__call__", "listener: ack(view) (Block Kit objects to dict)")
    # Bolt around the listener.
    from flask import Flask
    from slack_bolt.adapter.flask import handler as flask_adapter
    from slack_bolt.app.app import App
    from slack_bolt.listener.custom_listener import CustomListener

    import slackapp.app

    measure(Flask, "wsgi_app", "flask: the whole request (Flask's wsgi_app)")
    measure(Flask, "preprocess_request", "flask: before_request hooks")
    measure(Flask, "process_response", "flask: after_request hooks")
    measure(flask_adapter, "to_bolt_request", "bolt: BoltRequest from Flask's (body parsed)")
    measure(flask_adapter, "to_flask_response", "bolt: Flask response from Bolt's")
    measure(App, "dispatch", "bolt: App.dispatch (middleware, matching, the listener)")
    measure(CustomListener, "run_ack_function", "bolt: the listener itself")
    if hasattr(slackapp.app, "is_well_formed"):
        measure(slackapp.app, "is_well_formed", "bolt: kindred middleware is_well_formed(body)")
    # Inside record_answers.
    measure(service, "_written", "  record_answers: _written (each INSERT: ledger, scores, comment)")
    measure(ledger.RoundSecrets, "voter_hash", "  record_answers: voter_hash (Fernet decrypt + HMAC)")
    # Database plumbing, wherever it happens.
    import slackapp.database

    measure(_PGDialect_common_psycopg, "do_ping", "db: ping (SELECT 1) on checkout")
    measure(slackapp.database, "_server_hung_up", "db: checkout's look at the socket (poll)")
    measure(DefaultDialect, "do_commit", "db: COMMIT")
    measure(DefaultDialect, "do_rollback", "db: ROLLBACK (end of a read-only session)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--variants", default="", help="comma-separated variants from variants.py to apply, e.g. ping"
    )
    parser.add_argument(
        "--cprofile",
        type=int,
        metavar="N",
        help="also print Kindred's N costliest functions (cProfile, own time)",
    )
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime (own time) or cumulative")
    args = parser.parse_args()

    configure_logging()
    extra = [v for v in args.variants.split(",") if v]
    variants.apply(["pbr", *extra])
    from slackapp.app import create_app
    from slackapp.web import create_web_app

    instrument()
    db_name, url = bench.create_scratch_database()
    standin = SlackStandIn().start()
    try:
        upgrade_database(url)
        engine = new_engine(url, **({"pool_pre_ping": True} if "ping" in extra else {}))
        sessions = new_session_factory(engine)
        round_ids = [make_open_round(sessions, f"C0BREAK{n:02d}").id for n in range(10)]
        settings = Settings(
            database_url=url,
            slack_api_url=standin.url,
            slack_bot_token=bench.BOT_TOKEN,
            slack_signing_secret=bench.SIGNING_SECRET,
            secret_key=SECRET_KEY,
        )
        apps = {
            "bare": bare_app.create_bare_web(
                bench.SIGNING_SECRET,
                bench.BOT_TOKEN,
                standin.url,
                str(CheckinCallback.ANSWER_MODAL),
            ),
            "kindred": create_web_app(create_app(settings, sessions), engine),
        }
        warmup = 200
        for name, web in apps.items():
            client = web.test_client()
            check = bench.is_thank_you if name == "kindred" else bench.is_bare_ack
            bodies = bench.build_bodies(
                round_ids, f"U{name[:4].upper()}", warmup + args.requests, comments=True, seed=5
            )
            if name == "kindred":  # only the invited answer (docs/anonymity.md rule 5)
                bench.invite(sessions, bench.submitters(round_ids, "UKIND", warmup + args.requests))

            def send(body: bytes, client: Any = client, check: Callable[[int, bytes], bool] = check) -> None:
                timestamp = str(int(time.time()))
                response = client.post(
                    "/slack/events",
                    data=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Slack-Request-Timestamp": timestamp,
                        "X-Slack-Signature": slack_signature(bench.SIGNING_SECRET, timestamp, body),
                    },
                )
                if not check(response.status_code, response.get_data()):
                    raise SystemExit(
                        f"unexpected answer: {response.status_code} {response.get_data()[:200]!r}"
                    )

            for body in bodies[:warmup]:
                send(body)
            cpu_by_step.clear()
            calls_by_step.clear()
            cpu_began, wall_began, times_began = time.thread_time(), time.perf_counter(), os.times()
            profiler = cProfile.Profile(time.thread_time) if args.cprofile and name == "kindred" else None
            if profiler:
                profiler.enable()
            for body in bodies[warmup:]:
                send(body)
            if profiler:
                profiler.disable()
            cpu = (time.thread_time() - cpu_began) * 1000 / args.requests
            wall = (time.perf_counter() - wall_began) * 1000 / args.requests
            times = os.times()
            user = (times.user - times_began.user) * 1000 / args.requests
            system = (times.system - times_began.system) * 1000 / args.requests
            label = "+".join([name, *extra]) if name == "kindred" else name
            print(
                f"\n{label}: {cpu:.2f} ms CPU per request, {wall:.2f} ms wall (sequential, Flask test client)"
            )
            print(f"  process: {user:.2f} ms user + {system:.2f} ms kernel per request (all threads)")
            for step, seconds in sorted(cpu_by_step.items(), key=lambda item: -item[1]):
                per_request = calls_by_step[step] / args.requests
                print(f"  {seconds * 1000 / args.requests:6.3f} ms  {step}  ({per_request:g} per request)")
            if profiler:
                print("\n(cProfile slows everything down; the figures above include its overhead)")
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)
        engine.dispose()
    finally:
        standin.stop()
        bench.drop_scratch_database(db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
