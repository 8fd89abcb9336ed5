"""Token rotation in OAuth mode: the worker refreshes a workspace's expiring bot token before a job uses it.

Slack's rotating tokens last 12 hours; `oauth.v2.access` with `grant_type=refresh_token` exchanges the
refresh token for a new token and a new refresh token, and the old refresh token is used up. Kindred
refreshes two hours before expiry, saves the new pair encrypted, and never logs a token.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import Engine, select, text

from slackapp.app import create_app
from slackapp.checkins.ids import INVITATION_EVENT, REMINDER_EVENT
from slackapp.checkins.models import Round
from slackapp.checkins.service import create_pulse, open_round_now
from slackapp.database import SessionFactory
from slackapp.installations.oauth import build_oauth_settings
from slackapp.installations.store import EncryptedInstallationStore
from slackapp.logs import QUIET_LOGGERS
from slackapp.scheduler.models import Job
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings
from slackapp.slack.pacing import RatePacer
from slackapp.web import create_web_app
from slackapp.worker import create_worker
from tests.conftest import Clock, SettlingExecutor
from tests.factories import HR_ADMIN, answer, pulse_spec, round_secrets
from tests.slack_standin import BOT_USER_ID, SlackCall, SlackStandIn

WORKSPACE = "T0ROTATING"
CLIENT_SECRET = "client-secret-not-for-logs"
MEMBERS = [f"U0MEMBER{n}" for n in range(6)]
TWELVE_HOURS = 43_200
ONE_HOUR = 3_600  # inside the two hours before expiry in which Kindred refreshes


@pytest.fixture
def oauth_settings(settings: Settings) -> Settings:
    return replace(
        settings, slack_bot_token=None, slack_client_id="111.222", slack_client_secret=CLIENT_SECRET
    )


@pytest.fixture
def store(oauth_settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id=str(oauth_settings.slack_client_id),
        engine=engine,
        secret_key=str(oauth_settings.secret_key),
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
def make_worker(
    oauth_settings: Settings, session_factory: SessionFactory, clock: Clock
) -> Callable[[], Worker]:
    def make() -> Worker:
        # As in a worker process where nothing else set up logging (the web app here pinned slack_sdk's
        # loggers at WARNING): at DEBUG, slack_sdk would log a refresh grant with its tokens.
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
        return create_worker(
            oauth_settings, session_factory, clock=clock, pacer=RatePacer(sleep=lambda seconds: None)
        )

    return make


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at DEBUG and up; after the test, no token or client secret may be in it."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    # caplog.text would hold only this teardown's lines: read what the test itself logged.
    logged = "\n".join(record.getMessage() for record in caplog.get_records("call"))
    assert "-secret" not in logged  # every token the stand-in issues ends so
    assert CLIENT_SECRET not in logged


def install(web: FlaskClient, slack: SlackStandIn, *, expires_in: int) -> None:
    """Install Kindred into WORKSPACE through /slack/install and /slack/oauth_redirect, with rotation on."""
    slack.enable_token_rotation(expires_in=expires_in)
    page = web.get("/slack/install")
    state = re.search(r"state=([^&\"]+)", page.get_data(as_text=True))
    assert state is not None
    slack.oauth_codes["code-rotating"] = WORKSPACE
    done = web.get(f"/slack/oauth_redirect?code=code-rotating&state={state.group(1)}")
    assert done.status_code == 200, done.get_data(as_text=True)
    slack.enable_token_rotation(expires_in=TWELVE_HOURS)  # tokens from refreshes last the usual 12 hours
    slack.clear()


def a_due_check_in(slack: SlackStandIn, session_factory: SessionFactory, clock: Clock, channel: str) -> None:
    """A weekly check-in in `channel` whose first round is due: the worker opens it and invites the team."""
    slack.add_channel(channel, members=[*MEMBERS, BOT_USER_ID])
    with session_factory.begin() as session:
        create_pulse(
            session=session,
            workspace_id=WORKSPACE,
            # Open for an hour: its reminder, 40 minutes in, is the next job that calls Slack.
            spec=pulse_spec(channel, open_hours=1),
            created_by=HR_ADMIN,
            now=clock.now.replace(year=clock.now.year - 1),
        )


def an_open_round(slack: SlackStandIn, session_factory: SessionFactory, clock: Clock, channel: str) -> None:
    """A round open in `channel`, its invitation due now."""
    slack.add_channel(channel, members=[*MEMBERS, BOT_USER_ID])
    with session_factory.begin() as session:
        pulse = create_pulse(
            session=session,
            workspace_id=WORKSPACE,
            spec=pulse_spec(channel),
            created_by=HR_ADMIN,
            now=clock.now,
        )
        open_round_now(
            session=session,
            workspace_id=WORKSPACE,
            pulse_id=pulse.id,
            now=clock.now,
            round_secrets=round_secrets(),
        )


def bot(store: EncryptedInstallationStore) -> Bot:
    found = store.find_bot(enterprise_id=None, team_id=WORKSPACE)
    assert found is not None
    return found


def refreshes(slack: SlackStandIn) -> list[SlackCall]:
    return [c for c in slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]


def invitations(slack: SlackStandIn) -> list[SlackCall]:
    return [
        c
        for c in slack.successful_calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_type") == INVITATION_EVENT
    ]


def reminders(slack: SlackStandIn) -> list[SlackCall]:
    return [
        c
        for c in slack.successful_calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_type") == REMINDER_EVENT
    ]


def invitation_job(session_factory: SessionFactory) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job).where(Job.kind == "checkin.post_invitation")).one()


@pytest.mark.usefixtures("logs")
def test_an_expiring_bot_token_is_refreshed_saved_encrypted_and_used_from_then_on(
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    store: EncryptedInstallationStore,
    engine: Engine,
    session_factory: SessionFactory,
    make_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    install(oauth_web, slack, expires_in=ONE_HOUR)
    old = bot(store)
    assert old.bot_token and old.bot_token.startswith("xoxe.xoxb-") and old.bot_refresh_token
    a_due_check_in(slack, session_factory, clock, "C0TEAM")

    make_worker().run_once()

    # One refresh grant, with the stored refresh token and the app's credentials (HTTP Basic).
    (refresh,) = refreshes(slack)
    assert refresh.ok and refresh.args["refresh_token"] == old.bot_refresh_token
    assert (refresh.token or "").startswith("Basic ")
    assert refresh.response is not None
    new_token, new_refresh = refresh.response["access_token"], refresh.response["refresh_token"]
    assert new_token != old.bot_token and new_refresh != old.bot_refresh_token

    # Saved before use, encrypted: the store gives back the new pair and its expiry; the table holds
    # neither token in the clear.
    saved = bot(store)
    assert (saved.bot_token, saved.bot_refresh_token) == (new_token, new_refresh)
    assert saved.bot_token_expires_at is not None
    assert abs(saved.bot_token_expires_at - (time.time() + TWELVE_HOURS)) < 120
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT bot_token, bot_refresh_token FROM slack_bots")).all()
    # The tokens themselves, not "xox": three letters turn up by chance in a Fernet token's base64 now and
    # then, and failed a run.
    tokens = (new_token, new_refresh, old.bot_token, old.bot_refresh_token)
    assert rows and all(t not in f"{token}{refresh_token}" for token, refresh_token in rows for t in tokens)

    # The job's calls came after the refresh and carried the new token; the invitation went out once.
    assert slack.calls[0] is refresh
    assert {c.token for c in slack.calls[1:]} == {new_token}
    assert len(invitations(slack)) == 1

    # The next job uses the new token without refreshing again; the old one is never used.
    with session_factory() as session:
        round_ = session.scalars(select(Round)).one()
    for member in MEMBERS[:5]:
        answer(session_factory, round_.id, member)
    clock.advance(minutes=41)
    make_worker().run_once()
    assert len(reminders(slack)) == 1
    assert len(refreshes(slack)) == 1
    assert {c.token for c in slack.calls if c is not refresh} == {new_token}


@pytest.mark.usefixtures("logs")
def test_a_refused_refresh_with_the_token_still_valid_does_not_hold_the_job_up(
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    store: EncryptedInstallationStore,
    session_factory: SessionFactory,
    make_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    install(oauth_web, slack, expires_in=ONE_HOUR)
    old = bot(store)
    a_due_check_in(slack, session_factory, clock, "C0TEAM")
    slack.fail_next("oauth.v2.access", error="invalid_refresh_token")

    make_worker().run_once()

    assert [c.answered_with for c in refreshes(slack)] == ["error:invalid_refresh_token"]
    assert len(invitations(slack)) == 1  # posted with the token that is still good for an hour
    assert {c.token for c in slack.calls if c.method != "oauth.v2.access"} == {old.bot_token}
    assert bot(store).bot_token == old.bot_token  # nothing lost: the stored pair is kept to try again

    with session_factory() as session:
        round_ = session.scalars(select(Round)).one()
    for member in MEMBERS[:5]:
        answer(session_factory, round_.id, member)
    clock.advance(minutes=41)
    make_worker().run_once()  # the next job tries again, and this time Slack refreshes the token
    assert [c.answered_with for c in refreshes(slack)] == ["error:invalid_refresh_token", "ok"]
    assert bot(store).bot_token != old.bot_token
    assert reminders(slack)[-1].token == bot(store).bot_token


@pytest.mark.usefixtures("logs")
def test_a_refused_refresh_of_an_expired_token_retries_the_job_and_loses_nothing(
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    store: EncryptedInstallationStore,
    session_factory: SessionFactory,
    make_worker: Callable[[], Worker],
    clock: Clock,
    logs: pytest.LogCaptureFixture,
) -> None:
    install(oauth_web, slack, expires_in=ONE_HOUR)
    expired = bot(store)
    expired.bot_token_expires_at = int(time.time()) - 60  # the worker was away while it ran out
    store.save_bot(expired)
    a_due_check_in(slack, session_factory, clock, "C0TEAM")
    slack.fail_next("oauth.v2.access", error="invalid_refresh_token", times=2)

    make_worker().run_once()

    assert [c.method for c in slack.calls] == ["oauth.v2.access"]  # no call with the expired token
    job = invitation_job(session_factory)
    assert job.done_at is None and job.last_error == "SlackTokenRotationError"
    with session_factory() as session:
        round_ = session.scalars(select(Round)).one()
        assert round_.invitation_ts is None  # the round is open and waits for its invitation
    assert bot(store).bot_refresh_token == expired.bot_refresh_token  # kept, to try again
    assert "could not refresh the expired bot token of T0ROTATING (invalid_refresh_token)" in logs.text

    clock.advance(seconds=31)
    make_worker().run_once()  # refused again: still waiting, still nothing lost
    assert invitations(slack) == [] and invitation_job(session_factory).done_at is None

    clock.advance(minutes=2)
    make_worker().run_once()  # Slack takes the refresh: the invitation goes out, once, with the new token
    assert [c.answered_with for c in refreshes(slack)] == [
        "error:invalid_refresh_token",
        "error:invalid_refresh_token",
        "ok",
    ]
    (invitation,) = invitations(slack)
    assert invitation.token == bot(store).bot_token != expired.bot_token
    assert invitation_job(session_factory).done_at is not None


@pytest.mark.usefixtures("logs")
def test_two_workers_refreshing_at_once_lose_nothing(
    oauth_web: FlaskClient,
    slack: SlackStandIn,
    store: EncryptedInstallationStore,
    session_factory: SessionFactory,
    make_worker: Callable[[], Worker],
    clock: Clock,
) -> None:
    """Both find the token expiring and send the same refresh token; Slack takes it once."""
    install(oauth_web, slack, expires_in=ONE_HOUR)
    for channel in ("C0ONE", "C0TWO"):
        an_open_round(slack, session_factory, clock, channel)

    slack.block("oauth.v2.access")  # hold the first refresh until the second worker sends its own
    workers = [threading.Thread(target=make_worker().run_once) for _ in range(2)]
    for worker in workers:
        worker.start()
    slack.wait_for_call("oauth.v2.access", count=2)
    slack.unblock("oauth.v2.access")
    for worker in workers:
        worker.join(timeout=60)

    assert sorted(c.answered_with for c in refreshes(slack)) == ["error:invalid_refresh_token", "ok"]
    assert sorted(c.args["channel"] for c in invitations(slack)) == ["C0ONE", "C0TWO"]
    with session_factory() as session:
        assert all(r.invitation_ts for r in session.scalars(select(Round)))
    (refreshed,) = [c for c in refreshes(slack) if c.ok]
    assert refreshed.response is not None
    assert bot(store).bot_token == refreshed.response["access_token"]
