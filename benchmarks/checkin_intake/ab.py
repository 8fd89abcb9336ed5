"""CPU per check-in submission of two versions of Kindred, measured in alternating batches (an A/B).

    .venv/bin/python benchmarks/checkin_intake/ab.py --a /tmp/main-export --b . [--rounds 20 --batch 200]

For judging a change on a machine that others are using: absolute CPU figures move with the machine's
load by tens of percent, but two versions measured in alternating batches over the same minutes see the
same load. Each side is a process that imports its own tree's code (`--a`/`--b`: a checkout, or a commit
exported with `git archive <commit> | tar -x -C DIR`) and builds the real Flask + Bolt app in-process on
its own scratch PostgreSQL database, as `breakdown.py` does (Bolt's `process_before_response`, so the
listener runs on the measuring thread). After a warm-up, the driver asks A and B in turn (the order swaps
every round) for `--batch` signed submissions each, sent one at a time through Flask's test client, every
one from a different invited person with a comment, and reports per side:

- `web`: CPU time of the thread that handled the requests (`time.thread_time`), per submission;
- `postgres`: CPU time of that side's PostgreSQL backends (from /proc), per submission.

It prints the median of each and the median of the per-round ratios B/A with their middle half: a change
is a real reduction when that range stays below 1.0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def worker(tree: Path, total: int) -> None:
    """One side: build the app from `tree`'s code, then answer "N" on stdin with N submissions' CPU."""
    sys.path.insert(0, str(tree / "benchmarks" / "checkin_intake"))
    import run as bench  # `tree`'s own helpers; it puts `tree` first on sys.path

    import slackapp
    from slackapp.app import create_app
    from slackapp.database import new_engine, new_session_factory
    from slackapp.logs import configure_logging
    from slackapp.migrate import upgrade_database
    from slackapp.settings import Settings
    from slackapp.web import create_web_app
    from tests.factories import SECRET_KEY, make_open_round
    from tests.slack_requests import slack_signature
    from tests.slack_standin import SlackStandIn

    assert Path(slackapp.__file__).resolve().is_relative_to(tree.resolve()), slackapp.__file__
    configure_logging()
    from slack_bolt import App

    class ProcessBeforeResponseApp(App):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(process_before_response=True, **kwargs)

    import slackapp.app

    setattr(slackapp.app, "App", ProcessBeforeResponseApp)  # noqa: B010  (as variants.py's `pbr`)

    db_name, url = bench.create_scratch_database()
    standin = SlackStandIn().start()
    try:
        upgrade_database(url)
        engine = new_engine(url)
        sessions = new_session_factory(engine)
        round_ids = [make_open_round(sessions, f"C0AB{n:02d}").id for n in range(10)]
        settings = Settings(
            database_url=url,
            slack_api_url=standin.url,
            slack_bot_token=bench.BOT_TOKEN,
            slack_signing_secret=bench.SIGNING_SECRET,
            secret_key=SECRET_KEY,
        )
        web = create_web_app(create_app(settings, sessions), engine)
        client = web.test_client()
        bodies = iter(bench.build_bodies(round_ids, "UAB", total, comments=True, seed=5))
        bench.invite(sessions, bench.submitters(round_ids, "UAB", total))

        def send(count: int) -> None:
            for _ in range(count):
                body = next(bodies)
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
                if not bench.is_thank_you(response.status_code, response.get_data()):
                    raise SystemExit(
                        f"unexpected answer: {response.status_code} {response.get_data()[:200]!r}"
                    )

        print("ready", flush=True)
        for line in sys.stdin:
            count = int(line)
            pids = bench._postgres_pids(db_name)
            backends = [pid for pid in pids if _is_backend_of(pid, db_name)]
            pg_before = sum(bench._process_cpu_s(pid) for pid in backends)
            began = time.thread_time()
            send(count)
            web_ms = (time.thread_time() - began) * 1000 / count
            pg_ms = (sum(bench._process_cpu_s(pid) for pid in backends) - pg_before) * 1000 / count
            print(json.dumps({"web": web_ms, "postgres": pg_ms}), flush=True)
        engine.dispose()
    finally:
        standin.stop()
        bench.drop_scratch_database(db_name)


def _is_backend_of(pid: int, db_name: str) -> bool:
    """A client backend of our scratch database (its command line names the database)."""
    try:
        return db_name in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--a", type=Path, required=True, help="tree of version A (the reference)")
    parser.add_argument("--b", type=Path, required=True, help="tree of version B (the change)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.total)
        return 0

    total = args.warmup + args.rounds * args.batch
    sides: dict[str, subprocess.Popen[str]] = {}
    for name, tree in (("A", args.a), ("B", args.b)):
        tree = tree.resolve()
        sides[name] = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--a", "-", "--b", "-"]
            + ["--worker", str(tree), "--total", str(total)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(tree)},
        )
    try:
        for process in sides.values():
            assert process.stdout is not None
            while (line := process.stdout.readline()) and line.strip() != "ready":
                pass

        def batch(name: str, count: int) -> dict[str, float]:
            process = sides[name]
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{count}\n")
            process.stdin.flush()
            return dict(json.loads(process.stdout.readline()))

        for name in sides:
            batch(name, args.warmup)
        results: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        for n in range(args.rounds):
            for name in ("A", "B") if n % 2 == 0 else ("B", "A"):
                results[name].append(batch(name, args.batch))
    finally:
        for process in sides.values():
            if process.stdin:
                process.stdin.close()
        for process in sides.values():
            process.wait(timeout=60)

    print(f"{args.rounds} rounds of {args.batch} submissions per side, load average {os.getloadavg()[0]:.1f}")
    print(f"  A: {args.a}\n  B: {args.b}")
    for measure in ("web", "postgres"):
        a = [r[measure] for r in results["A"]]
        b = [r[measure] for r in results["B"]]
        ratios = sorted(y / x for x, y in zip(a, b, strict=True) if x > 0)
        quarter = len(ratios) // 4
        middle = f"{ratios[quarter]:.3f}-{ratios[-quarter - 1]:.3f}"
        print(
            f"{measure:>9} CPU ms per submission: A {statistics.median(a):.3f}  B {statistics.median(b):.3f}"
            f"  B/A {statistics.median(ratios):.3f} (middle half {middle})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
