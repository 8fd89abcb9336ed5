"""The web process: health check, and Slack's own handshakes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from flask.testing import FlaskClient
from slack_bolt import App

from slackapp.database import new_engine
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.conftest import BOT_TOKEN, SECRET_KEY, SIGNING_SECRET, repo_root
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn


def test_health_is_200_with_the_database_reachable(web: FlaskClient) -> None:
    response = web.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_health_is_503_when_the_database_is_unreachable() -> None:
    unreachable = new_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    app = App(signing_secret="s", token="xoxb-1", token_verification_enabled=False)
    response = create_web_app(app, unreachable).test_client().get("/healthz")
    assert response.status_code == 503


def test_slack_url_verification_is_answered(slack_requests: SlackRequests) -> None:
    reply = slack_requests.url_verification("abc123")
    assert reply.status == 200 and reply.json() == {"challenge": "abc123"}


def test_an_unsigned_request_is_refused(web: FlaskClient) -> None:
    response = web.post("/slack/events", data=b'{"type": "event_callback"}', content_type="application/json")
    assert response.status_code == 401


def test_kindred_serve_runs_the_app_in_a_production_server(settings: Settings, slack: SlackStandIn) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_API_URL": slack.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "PORT": str(port),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "slackapp.cli", "serve"],
        cwd=repo_root(),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "kindred serve did not answer /healthz"
                time.sleep(0.2)
        requests = SlackRequests.for_url(base, SIGNING_SECRET)
        assert requests.url_verification("xyz").json() == {"challenge": "xyz"}
        assert requests.forged().url_verification("xyz").status == 401
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_pages_carry_security_headers_that_forbid_framing(web: FlaskClient) -> None:
    headers = web.get("/healthz").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_write_from_another_site_is_refused_but_slack_and_same_site_writes_are_not(
    web: FlaskClient, slack_requests: SlackRequests
) -> None:
    forged = web.post(
        "/dashboard/_dash-update-component", json={}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    same_site = web.post("/dashboard/_dash-update-component", json={}, headers={"Origin": "http://localhost"})
    assert same_site.status_code != 403
    assert slack_requests.url_verification("ok").status == 200
