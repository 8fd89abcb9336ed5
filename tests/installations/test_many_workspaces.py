"""Installing Kindred into many workspaces through Slack's OAuth flow, and leaving them cleanly."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text

from slackapp.app import create_app
from slackapp.checkins.models import Round
from slackapp.checkins.service import create_pulse
from slackapp.database import SessionFactory
from slackapp.installations.oauth import build_oauth_settings
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.settings import Settings
from slackapp.web import create_web_app
from slackapp.worker import create_worker
from tests.conftest import SIGNING_SECRET, Clock, SettlingExecutor
from tests.factories import HR_ADMIN, pulse_spec
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn

ALPHA, BETA = "T0ALPHA", "T0BETA"


@pytest.fixture
def oauth_settings(settings: Settings) -> Settings:
    return replace(
        settings, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="client-secret"
    )


@pytest.fixture
def oauth_web(
    oauth_settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    listener_threads: SettlingExecutor,
) -> FlaskClient:
    app = create_app(
        oauth_settings,
        session_factory,
        oauth_settings=build_oauth_settings(oauth_settings, engine),
        listener_executor=listener_threads,
    )
    return create_web_app(app, engine).test_client()


@pytest.fixture
def requests(
    oauth_web: FlaskClient, listener_threads: SettlingExecutor, slack: SlackStandIn
) -> SlackRequests:
    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:  # type: ignore[override]
        response = oauth_web.post(path, data=body, headers=dict(headers))
        listener_threads.settle()
        return response.status_code, response.get_data(as_text=True)

    return SlackRequests(post, SIGNING_SECRET, response_url_base=slack.hooks_url)  # type: ignore[arg-type]


@pytest.fixture
def store(oauth_settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id=str(oauth_settings.slack_client_id),
        engine=engine,
        secret_key=str(oauth_settings.secret_key),
    )


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
    assert "-secret" not in caplog.text  # no token is ever logged


@pytest.mark.usefixtures("two_workspaces")
def test_tokens_are_stored_encrypted_and_each_workspace_gets_its_own(
    engine: Engine, store: EncryptedInstallationStore
) -> None:
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    assert {team for team, _ in stored} == {ALPHA, BETA}
    assert all("xoxb" not in token for _, token in stored)
    bot = store.find_bot(enterprise_id=None, team_id=BETA)
    assert bot is not None and bot.bot_token == f"xoxb-{BETA}-secret"


@pytest.mark.usefixtures("two_workspaces")
def test_a_request_from_a_workspace_is_answered_with_that_workspaces_token(
    requests: SlackRequests, slack: SlackStandIn
) -> None:
    slack.add_user("U0SOMEONE")
    reply = requests.event({"type": "app_home_opened", "user": "U0SOMEONE", "tab": "home"}, team_id=BETA)
    assert reply.status == 200
    assert slack.calls_to("views.publish")[-1].token == f"xoxb-{BETA}-secret"


@pytest.mark.usefixtures("two_workspaces")
def test_the_worker_posts_with_each_workspaces_token_and_uninstalling_stops_only_that_workspace(
    requests: SlackRequests,
    slack: SlackStandIn,
    oauth_settings: Settings,
    session_factory: SessionFactory,
    store: EncryptedInstallationStore,
    clock: Clock,
) -> None:
    long_ago = clock.now.replace(year=clock.now.year - 1)
    with session_factory.begin() as session:
        for workspace in (ALPHA, BETA):
            slack.add_channel(f"C0{workspace}", members=["U0A", BOT_USER_ID])
            create_pulse(
                session=session,
                workspace_id=workspace,
                spec=pulse_spec(f"C0{workspace}"),
                created_by=HR_ADMIN,
                now=long_ago,
            )
    assert requests.event({"type": "app_uninstalled"}, team_id=BETA).status == 200
    assert store.find_bot(enterprise_id=None, team_id=BETA) is None

    create_worker(oauth_settings, session_factory, clock=clock).run_once()

    with session_factory() as session:
        opened = {r.workspace_id for r in session.scalars(select(Round))}
    assert opened == {ALPHA}
    posts = slack.successful_calls_to("chat.postMessage")
    assert [p.token for p in posts] == [f"xoxb-{ALPHA}-secret"]


@pytest.mark.usefixtures("two_workspaces")
def test_reinstalling_resumes_the_workspaces_check_ins(
    requests: SlackRequests,
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    oauth_settings: Settings,
    session_factory: SessionFactory,
    clock: Clock,
) -> None:
    slack.add_channel("C0BETA", members=["U0A", BOT_USER_ID])
    with session_factory.begin() as session:
        create_pulse(
            session=session,
            workspace_id=BETA,
            spec=pulse_spec("C0BETA"),
            created_by=HR_ADMIN,
            now=clock.now.replace(year=clock.now.year - 1),
        )
    requests.event({"type": "app_uninstalled"}, team_id=BETA)
    create_worker(oauth_settings, session_factory, clock=clock).run_once()
    assert slack.successful_calls_to("chat.postMessage") == []

    install(oauth_web, slack, oauth_settings, BETA)
    clock.advance(seconds=1)
    create_worker(oauth_settings, session_factory, clock=clock).run_once()
    posts = slack.successful_calls_to("chat.postMessage")
    assert [(p.args["channel"], p.token) for p in posts] == [("C0BETA", f"xoxb-{BETA}-secret")]


def test_installing_needs_a_valid_state(oauth_web: FlaskClient, slack: SlackStandIn) -> None:
    slack.oauth_codes["code-x"] = "T0X"
    refused = oauth_web.get("/slack/oauth_redirect?code=code-x&state=forged")
    assert refused.status_code == 400
    assert slack.calls_to("oauth.v2.access") == []
