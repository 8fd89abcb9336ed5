"""The web process: health check, and Slack's own handshakes."""

from __future__ import annotations

from flask.testing import FlaskClient
from slack_bolt import App

from slackapp.database import new_engine
from slackapp.web import create_web_app
from tests.slack_requests import SlackRequests


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
