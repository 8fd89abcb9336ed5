"""Every configuration the README documents, through the real `kindred` command and only environment
variables: the App Home opens, "You said, we did" reaches the team's channel, and the terminal holds no
payload, token or OAuth code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests as http
from sqlalchemy import select

from slackapp.actions.models import ActionNote
from slackapp.database import new_engine, new_session_factory
from tests.conftest import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET
from tests.dashboards.conftest import MANAGER_A
from tests.factories import WORKSPACE
from tests.org_factories import OrgBuilder
from tests.served import Served, base_environment, empty_database, run_kindred, served
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn
from tests.socket_mode_standin import SocketModeStandIn

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-for-tests"
PERSON = "U0PERSON"
MARKER = "PAYLOAD-MARKER"
INSTALLED_TOKEN = f"xoxb-{WORKSPACE}-secret"  # what the stand-in's OAuth exchange hands the workspace

SINGLE_WORKSPACE = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
WITH_SIGN_IN = {**SINGLE_WORKSPACE, "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
MANY_WORKSPACES = {
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
}


@pytest.fixture
def environment(tmp_path: Path, slack: SlackStandIn) -> Iterator[dict[str, str]]:
    """What every configuration shares: an upgraded database, the Slack stand-in and a secret key."""
    with empty_database(tmp_path) as database_url:
        env = {
            **base_environment(tmp_path / "home"),
            "DATABASE_URL": database_url,
            "SLACK_API_URL": slack.url,
            "KINDRED_SECRET_KEY": SECRET_KEY,
        }
        (tmp_path / "home").mkdir()
        upgraded = run_kindred("db", "upgrade", env=env)
        assert upgraded.returncode == 0, upgraded.stderr
        yield env


def open_home(kindred: Served, slack: SlackStandIn) -> str:
    """A signed app_home_opened, as Slack sends it; returns the token the Home was published with."""
    slack.add_user(PERSON)
    requests = SlackRequests.for_url(kindred.url, SIGNING_SECRET)
    reply = requests.event({"type": "app_home_opened", "user": PERSON, "tab": "home"}, team_id=WORKSPACE)
    assert reply.status == 200, reply.text
    published = slack.wait_for_call("views.publish")
    assert published.ok and published.args["user_id"] == PERSON
    return str(published.token)


def cookies_of(reply: object) -> dict[str, str]:
    """The cookies a response sets (sent back by hand: they are Secure, and this is plain HTTP)."""
    return dict(reply.cookies.items())  # type: ignore[attr-defined]


def install(kindred: Served, slack: SlackStandIn) -> None:
    """Slack's OAuth flow as a workspace admin's browser goes through it."""
    page = kindred.get("/slack/install")
    assert page.status_code == 200, page.text
    link = re.search(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page.text)
    assert link is not None
    slack.approve_installs(WORKSPACE, kindred.url + "/slack/oauth_redirect")
    at_slack = http.get(link.group(1).replace("&amp;", "&"), allow_redirects=False, timeout=10)
    assert at_slack.status_code == 302
    back = urlsplit(at_slack.headers["Location"])
    done = kindred.get(f"{back.path}?{back.query}", cookies=cookies_of(page))
    assert done.status_code == 200, done.text


def sign_in(kindred: Served, slack: SlackStandIn, user_id: str) -> dict[str, str]:
    """Sign in with Slack through the stand-in's OpenID pages; returns the session cookie."""
    start = kindred.get("/dashboard/login")
    assert start.status_code == 302, start.text
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    slack.add_openid_code("openid-code", user_id, team_id=WORKSPACE)
    done = kindred.get(f"/dashboard/auth/callback?code=openid-code&state={state}", cookies=cookies_of(start))
    assert done.status_code == 302, done.text
    return cookies_of(done)


def say_we_did(kindred: Served, slack: SlackStandIn, database_url: str) -> str:
    """A manager saves a "you said, we did" note on the dashboard; returns the status line shown."""
    org = OrgBuilder(new_session_factory(new_engine(database_url)))
    org.department("Engineering")
    org.team("C0A", "Team A", "Engineering")
    org.manager(MANAGER_A, teams=["C0A"])
    for n in range(2):
        org.week(n, {"C0A": 8})
    org.publish()  # the worker publishes each week once it is over
    slack.add_channel("C0A", members=["U1"])
    slack.add_user(MANAGER_A)
    session = sign_in(kindred, slack, MANAGER_A)
    # The action plan is saved, previewed, then posted (the dashboard's save and post callbacks).
    dependencies = kindred.get("/dashboard/_dash-dependencies", cookies=session).json()

    def callback(trigger: str, inputs: list[object], state: list[object]) -> dict[str, object]:
        output = next(d["output"] for d in dependencies if trigger in json.dumps(d["inputs"][0]))
        keys = output.strip(".").split("...")
        reply = kindred.post(
            "/dashboard/_dash-update-component",
            cookies=session,
            json={
                "output": output,
                "outputs": [{"id": k.split(".", 1)[0], "property": k.split(".", 1)[1]} for k in keys],
                "inputs": inputs,
                "state": state,
                "changedPropIds": [f"{trigger}.n_clicks"],
            },
        )
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["response"])

    unit = {"id": "plan-unit", "property": "data", "value": "team:C0A"}
    callback(
        "action-save",
        [{"id": "action-save", "property": "n_clicks", "value": 1}],
        [
            unit,
            {"id": "plan-id", "property": "data", "value": None},
            {"id": "action-text", "property": "value", "value": "Mornings stay free for focus."},
            {"id": "plan-owner", "property": "value", "value": ""},
            {"id": "plan-due", "property": "value", "value": ""},
            {"id": "plan-status", "property": "value", "value": "planned"},
        ],
    )
    with new_session_factory(new_engine(database_url))() as db:
        plan_id = str(db.scalar(select(ActionNote.id)))
    posted = callback(
        "plan-post",
        [{"id": "plan-post", "property": "n_clicks", "value": 1}],
        [unit, {"id": "plan-post-id", "property": "data", "value": plan_id}],
    )
    status = posted["action-status"]
    assert isinstance(status, dict)
    return str(status["children"])


def assert_nothing_secret_was_written(output: str, *secrets: str) -> None:
    assert "AuthorizeResult" not in output, output
    assert "Traceback" not in output, output
    for secret in (SIGNING_SECRET, SECRET_KEY, CLIENT_SECRET, *secrets):
        assert secret not in output


def test_single_workspace(environment: Mapping[str, str], slack: SlackStandIn, tmp_path: Path) -> None:
    with served("serve", {**environment, **SINGLE_WORKSPACE}, tmp_path) as kindred:
        assert open_home(kindred, slack) == BOT_TOKEN
        assert kindred.get("/slack/install").status_code == 404  # installs only in OAuth mode
        # No one can sign in to the dashboard without a client id, so no note can be written there.
        assert kindred.get("/dashboard/login").status_code == 503
    assert_nothing_secret_was_written(kindred.output(), BOT_TOKEN)
    # The token is the one every request uses: nothing may tell the operator it is ignored.
    assert "will be unused" not in kindred.output()
    # No gunicorn control socket in the home folder: copies on one host would fight over its one path,
    # and a read-only home would stop the server.
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_single_workspace_with_sign_in_with_slack(
    environment: Mapping[str, str], slack: SlackStandIn, tmp_path: Path
) -> None:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET beside the bot token only sign leaders in: Bolt must not
    turn them into OAuth installs (it reads them from the environment itself)."""
    with served("serve", {**environment, **WITH_SIGN_IN}, tmp_path) as kindred:
        assert open_home(kindred, slack) == BOT_TOKEN
        assert kindred.get("/slack/install").status_code == 404
        status = say_we_did(kindred, slack, environment["DATABASE_URL"])
    assert status == "Posted in the team's channel."
    [posted] = slack.successful_calls_to("chat.postMessage")
    assert (posted.args["channel"], posted.token) == ("C0A", BOT_TOKEN)
    assert "Mornings stay free" in posted.args["text"]
    # Bolt's file-based installation and state stores (~/.bolt-app-*) stayed unused.
    assert not list((tmp_path / "home").glob(".bolt-app*"))
    assert_nothing_secret_was_written(kindred.output(), BOT_TOKEN)


def test_many_workspaces_by_oauth(
    environment: Mapping[str, str], slack: SlackStandIn, tmp_path: Path
) -> None:
    with served("serve", {**environment, **MANY_WORKSPACES}, tmp_path) as kindred:
        install(kindred, slack)
        assert open_home(kindred, slack) == INSTALLED_TOKEN
        status = say_we_did(kindred, slack, environment["DATABASE_URL"])
    assert status == "Posted in the team's channel."
    [posted] = slack.successful_calls_to("chat.postMessage")
    assert (posted.args["channel"], posted.token) == ("C0A", INSTALLED_TOKEN)
    output = kindred.output()
    assert_nothing_secret_was_written(output, INSTALLED_TOKEN)
    # The access log names the redirect without its code and state.
    assert "/slack/oauth_redirect" in output and f"code-{WORKSPACE}" not in output and "state=" not in output


def test_the_terminal_never_echoes_payload_text_nor_lets_it_forge_a_line(
    environment: Mapping[str, str], slack: SlackStandIn, tmp_path: Path
) -> None:
    """Unhandled requests, odd types, a bad response_url, stale and forged signatures: nothing of the
    payload in what `kindred serve` writes, and no line that the payload started."""
    forged_line = f"\r\n2026-01-01 00:00:00 ERROR kindred FORGED {MARKER}"
    with served("serve", {**environment, **MANY_WORKSPACES}, tmp_path) as kindred:
        install(kindred, slack)
        requests = SlackRequests.for_url(kindred.url, SIGNING_SECRET)
        requests.block_action(f"unknown{forged_line}", team_id=WORKSPACE)  # Bolt: "Unhandled request"
        requests.interactive({"type": f"odd{forged_line}", "user": {"id": PERSON}})
        requests.interactive(
            {
                "type": "block_actions",
                "user": {"id": PERSON},
                "team": {"id": "T0STRANGER"},
                "trigger_id": "1.2.abc",
                "response_url": f"https://hooks.example/{MARKER}",
                "actions": [{"action_id": "x", "type": "button"}],
            }
        )
        requests.stale().view_submission("checkin_answer", {"comment": {"c": {"value": MARKER}}})
        requests.forged().send(
            json.dumps({"type": "event_callback", "event": {"text": MARKER}}), "application/json"
        )
        requests.event({"type": f"nothing{forged_line}", "text": MARKER}, team_id=WORKSPACE)
        kindred.get(f"/slack/oauth_redirect?code={MARKER}&state={MARKER}")
        kindred.get(f"/dashboard/?q={MARKER}")
    output = kindred.output()
    assert MARKER not in output, output
    assert "FORGED" not in output


def test_socket_mode(environment: Mapping[str, str], slack: SlackStandIn, tmp_path: Path) -> None:
    """`kindred socket` with SLACK_APP_TOKEN: connects over a WebSocket, acknowledges the envelope, and
    publishes the Home with the bot token."""
    env = {**environment, **SINGLE_WORKSPACE, "SLACK_APP_TOKEN": "xapp-1-A0KINDRED-test"}
    with (
        SocketModeStandIn(slack) as socket_mode,
        served("socket", env, tmp_path, wait_for_health=False) as kindred,
    ):
        socket_mode.wait_until_connected()
        slack.add_user(PERSON)
        envelope = socket_mode.send_event({"type": "app_home_opened", "user": PERSON, "tab": "home"})
        socket_mode.wait_for_ack(envelope)
        published = slack.wait_for_call("views.publish")
    assert published.ok and (published.args["user_id"], published.token) == (PERSON, BOT_TOKEN)
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-A0KINDRED-test"
    assert_nothing_secret_was_written(kindred.output(), BOT_TOKEN, "xapp-1-A0KINDRED-test")
