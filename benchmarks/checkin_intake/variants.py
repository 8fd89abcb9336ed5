"""`kindred serve` with configuration changes applied in memory, to put numbers on proposed changes.

    .venv/bin/python benchmarks/checkin_intake/variants.py pool,pbr     # then as `kindred serve`

This is an experiment harness, not the measurement of record: `run.py` measures the real `kindred serve`
unless asked for a variant (`--targets bare,kindred,kindred+pool+pbr`). Each variant patches one thing
the way the proposed change to `slackapp/` would, then runs the unchanged `slackapp.cli.main(["serve"])`:

- `pool`:   the web engine's pool holds enough connections for every thread that may use one
            (`pool_size=20, max_overflow=5`; the default 5 + 10 overflow closes and reopens PostgreSQL
            connections - a new backend process each - whenever more than 5 are in use at once).
- `ping`:   SQLAlchemy's `pool_pre_ping=True`, a `SELECT 1` round trip on every checkout (what
            `new_engine` did before it looked at the socket instead; see `slackapp/database.py`).
- `pbr`:    Bolt's `process_before_response=True`: the listener runs on the request thread, and the
            answer is sent the moment `ack()` is called, instead of Bolt handing the listener to its own
            10-thread executor and polling for the ack every 10 ms.
- `thaw`:   `kindred serve` without freezing its start-up heap out of the garbage collector (as before
            the eighth session): every full collection walks it, about 110 ms a time.
- `gclog`:  print each full (generation 2) garbage collection's length to the server's log (`--keep-logs`).

`new_engine` now sizes the pool this way by default. The `lean` prototype measured in the first session
(one read session, single-statement writes) is now the real check-in listener, so it is gone from here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

KNOWN = ("pool", "ping", "pbr", "thaw", "gclog")


def apply(variants: list[str]) -> None:
    unknown = [v for v in variants if v not in KNOWN]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; known: {', '.join(KNOWN)}")
    import slackapp.app
    import slackapp.cli
    import slackapp.database
    import slackapp.web

    if "pool" in variants or "ping" in variants:
        original_new_engine = slackapp.database.new_engine

        def new_engine(database_url: str, **kwargs: Any) -> Any:
            if "pool" in variants:
                kwargs.setdefault("pool_size", 20)
                kwargs.setdefault("max_overflow", 5)
            if "ping" in variants:
                kwargs["pool_pre_ping"] = True
            return original_new_engine(database_url, **kwargs)

        setattr(slackapp.web, "new_engine", new_engine)  # noqa: B010 (patching a module global)

    if "thaw" in variants:
        import gc

        setattr(slackapp.cli, "gc", _Thawed(gc))  # noqa: B010 (`kindred serve` as before it froze its heap)

    if "gclog" in variants:
        _log_full_collections()

    if "pbr" in variants:
        from slack_bolt import App

        class ProcessBeforeResponseApp(App):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(process_before_response=True, **kwargs)

        setattr(slackapp.app, "App", ProcessBeforeResponseApp)  # noqa: B010


class _Thawed:
    """The `gc` module, but `freeze` does nothing."""

    def __init__(self, gc: Any) -> None:
        self._gc = gc

    def __getattr__(self, name: str) -> Any:
        return (lambda: None) if name == "freeze" else getattr(self._gc, name)


def _log_full_collections() -> None:
    """Print every full (generation 2) garbage collection's length on stderr, with the process id."""
    import gc
    import os
    import time

    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            took = (time.perf_counter() - started[0]) * 1000
            print(f"full gc in {os.getpid()}: {took:.1f} ms, {info['collected']} collected", file=sys.stderr)

    gc.callbacks.append(callback)


def main() -> int:
    variants = [v for v in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if v]
    apply(variants)
    from slackapp.cli import main as kindred

    return kindred(["serve"])


if __name__ == "__main__":
    sys.exit(main())
