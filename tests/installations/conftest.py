"""Kindred installed into two workspaces through Slack's OAuth flow: the app, signed requests from either
workspace, and a worker that uses each workspace's own token."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace

import dash._pages
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from slackapp.app import create_app
from slackapp.database import SessionFactory
from slackapp.installations.oauth import build_oauth_settings
from slackapp.models import Base
from slackapp.pacing import RatePacer
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings
from slackapp.web import create_web_app
from slackapp.worker import create_worker
from tests.conftest import SIGNING_SECRET, Clock, SettlingExecutor
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

ALPHA, BETA = "T0ALPHA", "T0BETA"


def token_of(workspace: str) -> str:
    """The bot token the stand-in's OAuth exchange hands a workspace (see `install`)."""
    return f"xoxb-{workspace}-secret"


@pytest.fixture
def oauth_settings(settings: Settings) -> Settings:
    return replace(
        settings, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="client-secret"
    )


@pytest.fixture
def with_dashboard() -> bool:
    """Whether the web app carries the dashboard too (a test module that needs it overrides this)."""
    return False


@pytest.fixture
def oauth_web(
    oauth_settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    listener_threads: SettlingExecutor,
    with_dashboard: bool,
) -> Iterator[FlaskClient]:
    app = create_app(
        oauth_settings,
        session_factory,
        oauth_settings=build_oauth_settings(oauth_settings, engine),
        listener_executor=listener_threads,
    )
    if not with_dashboard:
        yield create_web_app(app, engine).test_client()
        return
    # Dash keeps its page registry in a module global: each test starts from an empty registry.
    dash._pages.PAGE_REGISTRY.clear()
    yield create_web_app(app, engine, oauth_settings).test_client()
    dash._pages.PAGE_REGISTRY.clear()


@pytest.fixture
def requests(
    oauth_web: FlaskClient, listener_threads: SettlingExecutor, slack: SlackStandIn
) -> SlackRequests:
    """Signed requests to /slack/events (pass `team_id=` for the workspace they come from)."""

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        response = oauth_web.post(path, data=body, headers=dict(headers))
        listener_threads.settle()
        return response.status_code, response.get_data(as_text=True)

    return SlackRequests(post, SIGNING_SECRET, response_url_base=slack.hooks_url)


@pytest.fixture
def make_oauth_worker(
    oauth_settings: Settings, session_factory: SessionFactory, clock: Clock
) -> Callable[[], Worker]:
    """A worker that asks the installation store for each workspace's token."""

    def make() -> Worker:
        return create_worker(
            oauth_settings, session_factory, clock=clock, pacer=RatePacer(sleep=lambda seconds: None)
        )

    return make


def install(web: FlaskClient, slack: SlackStandIn, settings: Settings, workspace: str) -> None:
    page = web.get("/slack/install")
    assert page.status_code == 200
    authorize = re.search(r'<a href="([^"]+)"', page.get_data(as_text=True))
    assert authorize is not None
    url = authorize.group(1).replace("&amp;", "&")
    assert url.startswith(f"{settings.slack_host_url}/oauth/v2/authorize?")
    assert "chat%3Awrite" in url or "chat:write" in url
    state = re.search(r"state=([^&]+)", url)
    assert state is not None
    slack.oauth_codes[f"code-{workspace}"] = workspace
    done = web.get(f"/slack/oauth_redirect?code=code-{workspace}&state={state.group(1)}")
    assert done.status_code == 200, done.get_data(as_text=True)


@pytest.fixture
def two_workspaces(
    oauth_web: FlaskClient, slack: SlackStandIn, oauth_settings: Settings, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    for workspace in (ALPHA, BETA):
        install(oauth_web, slack, oauth_settings, workspace)
    yield
    # caplog.text here would hold only this teardown's lines: read the installs' and the test's.
    logged = "\n".join(r.getMessage() for when in ("setup", "call") for r in caplog.get_records(when))
    assert "-secret" not in logged  # no token is ever logged
    # Bolt refuses a request from a workspace without an installation with only this log line: a test
    # meaning to act in one of the two workspaces must not be quietly refused instead.
    assert "AuthorizeResult" not in logged


def row_ids_of(session_factory: SessionFactory, workspace: str) -> set[str]:
    """The id of every row that belongs to a workspace (programmes, rounds, groups, entries, questions...)."""
    ids: set[str] = set()
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            if "workspace_id" in table.c and "id" in table.c:
                rows = session.scalars(select(table.c.id).where(table.c.workspace_id == workspace))
                ids.update(str(row) for row in rows)
    return ids


def assert_nothing_crossed(slack: SlackStandIn, belongs_to: Mapping[str, Collection[str]]) -> None:
    """No Web API call made with one workspace's token mentions anything of the other workspace.

    Args:
        belongs_to: workspace id -> what only that workspace has (people, channels, names, row ids).
    """
    for workspace, other in ((ALPHA, BETA), (BETA, ALPHA)):
        sent = json.dumps([[c.method, c.args] for c in list(slack.calls) if c.token == token_of(workspace)])
        leaked = sorted(marker for marker in {other, *belongs_to[other]} if marker in sent)
        assert not leaked, f"Kindred told {workspace} about {other}'s {leaked}"
