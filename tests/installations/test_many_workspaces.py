"""Installing Kindred into many workspaces through Slack's OAuth flow, and leaving them cleanly."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text

from slackapp.checkins.models import Round
from slackapp.checkins.service import create_pulse
from slackapp.database import SessionFactory
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.settings import Settings
from slackapp.worker import create_worker
from tests.conftest import Clock
from tests.factories import HR_ADMIN, pulse_spec
from tests.installations.conftest import ALPHA, BETA, install
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn


@pytest.fixture
def store(oauth_settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id=str(oauth_settings.slack_client_id),
        engine=engine,
        secret_key=str(oauth_settings.secret_key),
    )


@pytest.mark.usefixtures("two_workspaces")
def test_tokens_are_stored_encrypted_and_each_workspace_gets_its_own(
    engine: Engine, store: EncryptedInstallationStore
) -> None:
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    assert {team for team, _ in stored} == {ALPHA, BETA}
    assert all(f"xoxb-{team}-secret" not in token for team, token in stored)
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


def test_a_workspace_inside_an_enterprise_grid_gets_its_check_ins_from_the_worker(
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    oauth_settings: Settings,
    session_factory: SessionFactory,
    store: EncryptedInstallationStore,
    clock: Clock,
) -> None:
    """Kindred keys everything by workspace id; a Grid workspace's bot is stored with its organisation."""
    slack.grid_of["T0GRIDTEAM"] = "E0GRID"
    install(oauth_web, slack, oauth_settings, "T0GRIDTEAM")
    assert store.find_bot(enterprise_id=None, team_id="T0GRIDTEAM") is None  # why a plain lookup fails
    slack.add_channel("C0GRIDTEAM", members=["U0A", BOT_USER_ID])
    with session_factory.begin() as session:
        create_pulse(
            session=session,
            workspace_id="T0GRIDTEAM",
            spec=pulse_spec("C0GRIDTEAM"),
            created_by=HR_ADMIN,
            now=clock.now.replace(year=clock.now.year - 1),
        )

    create_worker(oauth_settings, session_factory, clock=clock).run_once()

    posts = slack.successful_calls_to("chat.postMessage")
    assert [(p.args["channel"], p.token) for p in posts] == [("C0GRIDTEAM", "xoxb-T0GRIDTEAM-secret")]
