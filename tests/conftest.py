"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL says so), the Slack
Web API stand-in, the real web app behind signed requests, and a worker with a clock the test controls.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, text

from slackapp.app import create_app
from slackapp.database import SessionFactory, new_engine, new_session_factory, utcnow
from slackapp.listener_threads import ContextCarryingExecutor
from slackapp.migrate import upgrade_database
from slackapp.models import Base
from slackapp.pacing import RatePacer
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings, normalise_database_url
from slackapp.web import create_web_app
from slackapp.worker import create_worker
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
SECRET_KEY = "test-secret-key-not-for-production-0123456789-AbCdEfGhIjK"
WORKSPACE = "T0KINDRED"


def _requested_database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "").strip()
    return normalise_database_url(url) if url else None


def is_postgres() -> bool:
    url = _requested_database_url()
    return bool(url and url.startswith("postgresql"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this test session: `alembic upgrade heads`, never create_all."""
    requested = _requested_database_url()
    if requested is None or not requested.startswith("postgresql"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kindred-test.db'}"
        upgrade_database(url)
        yield url
        return
    # A database of our own beside the one we were given, so runs never trample each other.
    base = make_url(requested)
    name = f"kindred_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = new_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[SessionFactory]:
    yield new_session_factory(engine)
    empty_all_tables(engine)


def empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def manifest_bot_scopes() -> list[str]:
    """The bot scopes `slackapp/manifest.json` asks for: all the stand-in grants the app's token."""
    manifest = json.loads((repo_root() / "slackapp" / "manifest.json").read_text())
    return list(manifest["oauth_config"]["scopes"]["bot"])


@pytest.fixture(scope="session")
def slack_server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_scopes=manifest_bot_scopes()) as server:
        yield server


@pytest.fixture
def slack(slack_server: SlackStandIn) -> Iterator[SlackStandIn]:
    """The Web API stand-in, emptied for each test; every call the app made must match Slack's reference."""
    slack_server.reset()
    yield slack_server
    slack_server.assert_no_violations()


@pytest.fixture
def settings(database_url: str, slack: SlackStandIn) -> Settings:
    return Settings(
        database_url=database_url,
        slack_api_url=slack.url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        secret_key=SECRET_KEY,
    )


class SettlingExecutor(ContextCarryingExecutor):
    """Bolt's listener threads, as in production, plus a way for a test to wait until they are done.

    Bolt answers Slack as soon as a listener calls ack() and finishes the listener on a thread; a test
    waits for that work before it looks at the database or the Web API stand-in.
    """

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="bolt-listener")
        self._pending: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._pending.append(future)
        return future

    def settle(self) -> None:
        while self._pending:
            wait_for_futures(self._pending.copy())
            self._pending = [f for f in self._pending if not f.done()]


@pytest.fixture
def listener_threads() -> Iterator[SettlingExecutor]:
    executor = SettlingExecutor()
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture
def web(
    settings: Settings, session_factory: SessionFactory, engine: Engine, listener_threads: SettlingExecutor
) -> FlaskClient:
    """The real web app (Bolt behind Flask), driven through its WSGI interface."""
    bolt_app = create_app(settings, session_factory, listener_executor=listener_threads)
    return create_web_app(bolt_app, engine).test_client()


@pytest.fixture
def slack_requests(
    web: FlaskClient, slack: SlackStandIn, listener_threads: SettlingExecutor
) -> SlackRequests:
    """Signed requests to /slack/events; each returns once the listener's work after ack() is done."""

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        response = web.post(path, data=body, headers=dict(headers))
        listener_threads.settle()
        return response.status_code, response.get_data(as_text=True)

    return SlackRequests(post, SIGNING_SECRET, response_url_base=slack.hooks_url)


@dataclass
class Clock:
    """The worker's idea of now; tests move it forward instead of sleeping."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def past_the_week(self) -> datetime:
        """A minute into next week (UTC): the week is over, so the worker publishes it."""
        monday = self.now.date() - timedelta(days=self.now.weekday())
        self.now = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=UTC) + timedelta(
            minutes=1
        )
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_worker(settings: Settings, session_factory: SessionFactory, clock: Clock) -> Callable[[], Worker]:
    def make() -> Worker:
        # Pacing is measured in tests/test_pacing.py and benchmarks/fanout; here it need not sleep.
        return create_worker(
            settings, session_factory, clock=clock, pacer=RatePacer(sleep=lambda seconds: None)
        )

    return make


@pytest.fixture
def worker(make_worker: Callable[[], Worker]) -> Worker:
    return make_worker()


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
