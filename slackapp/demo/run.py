"""`kindred demo`: build the synthetic organisation in a fresh SQLite file and serve the dashboard on it.

Needs no environment at all: the secret key is random for this run, Slack is never called, and the
demo sign-in (pick a role) exists only because `Settings.demo` is set here, which nothing else does.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, event

from slackapp.app import create_app
from slackapp.checkins.service import remove_erased_rows
from slackapp.database import new_engine, new_session_factory, utcnow
from slackapp.demo.organisation import WEEKS, WORKSPACE, build_demo_organisation, demo_roles, demo_summary
from slackapp.migrate import upgrade_database
from slackapp.privacy.publish import ERASED_AT_PUBLICATION, publish_due_periods
from slackapp.settings import Settings
from slackapp.web import create_web_app

DEMO_DATABASE = "kindred-demo.db"


def demo_settings(database_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{database_path}",
        slack_api_url="http://127.0.0.1:9/api/",  # nothing listens there: the demo never calls Slack
        slack_bot_token="xoxb-demo-not-a-real-token",
        slack_signing_secret=secrets.token_urlsafe(24),
        secret_key=secrets.token_urlsafe(32),  # ephemeral, for this run only
        demo=True,
    )


def first_demo_week(now: datetime, weeks: int = WEEKS) -> datetime:
    """A Monday 09:30 UTC such that the last of `weeks` rounds closed before `now`."""
    this_monday = (now - timedelta(days=now.weekday())).date()
    return datetime.combine(this_monday - timedelta(weeks=weeks), time(9, 30), tzinfo=UTC)


def build_demo_app(database_path: Path, *, weeks: int = WEEKS) -> Flask:
    """Rebuild the demo database from nothing and return the web app with the dashboard on it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database_path}{suffix}").unlink(missing_ok=True)
    settings = demo_settings(database_path)
    upgrade_database(settings.database_url)
    engine = new_engine(settings.database_url)
    _fast_sqlite_writes(engine)
    session_factory = new_session_factory(engine)
    build_demo_organisation(
        session_factory=session_factory,
        secret_key=settings.require_secret_key(),
        first_week=first_demo_week(utcnow(), weeks),
        weeks=weeks,
    )
    # What the worker does when each week is over: publish it, once (the dashboard reads only that).
    with session_factory.begin() as session:
        publish_due_periods(
            session=session,
            workspace_id=WORKSPACE,
            now=utcnow(),
            min_group_size=settings.min_group_size,
            min_comment_group_size=settings.min_comment_group_size,
        )
    remove_erased_rows(session_factory=session_factory, models=ERASED_AT_PUBLICATION)
    web = create_web_app(create_app(settings, session_factory), engine, settings)
    web.config["demo_roles"] = [asdict(role) for role in demo_roles()]
    # gunicorn serves from a forked process; a SQLite connection must not cross a fork, so the pool
    # starts empty there and opens its own.
    engine.dispose()
    return web


def _fast_sqlite_writes(engine: Engine) -> None:
    """The demo database is thrown away on every start, so it need not survive a power cut."""

    @event.listens_for(engine, "connect")
    def _no_sync(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def run_demo(*, port: int, host: str = "127.0.0.1") -> int:
    """Build the demo, then serve it with gunicorn (the production server), quietly: no access log."""
    from gunicorn.app.base import BaseApplication

    path = Path.cwd() / DEMO_DATABASE
    print(f"Building the demo organisation ({demo_summary()}) in {path.name}…", flush=True)
    web = build_demo_app(path)
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/dashboard/"

    def ready(_server: object) -> None:
        print(f"Kindred demo: open {address} and pick a role (Ctrl+C to stop).", flush=True)

    class DemoServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
            self.cfg.set("workers", 1)  # one process: the demo is one person's SQLite file
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 8)
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("when_ready", ready)
            self.cfg.set("control_socket_disable", True)  # no socket left in ~/.gunicorn

        def load(self) -> Flask:
            return web

    DemoServer().run()
    return 0
