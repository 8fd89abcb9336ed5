"""No request over 1 MB is read: refused with 413 before Bolt reads the body to check its signature."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient

from slackapp.web import MAX_REQUEST_BYTES
from tests.slack_requests import SlackRequests

TWO_MEGABYTES = 2 * 1024 * 1024


def oversized_event() -> bytes:
    body = {"type": "event_callback", "team_id": "T0KINDRED", "event": {"type": "app_home_opened"}}
    body["padding"] = "x" * TWO_MEGABYTES
    return json.dumps(body).encode()


def test_a_two_megabyte_request_is_refused_with_413_whether_or_not_it_is_signed(
    slack_requests: SlackRequests,
) -> None:
    body = oversized_event()
    assert slack_requests.send(body, "application/json").status == 413
    # A forged signature would be 401: the size is refused first, before anything reads the body.
    assert slack_requests.forged().send(body, "application/json").status == 413


def test_a_body_sent_in_chunks_without_a_length_is_cut_off_at_the_limit(web: FlaskClient) -> None:
    reply = web.post(
        "/slack/events",
        input_stream=io.BytesIO(oversized_event()),
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn marks a chunked body
        headers={
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
            "X-Slack-Request-Timestamp": "1",
            "X-Slack-Signature": "v0=00",
        },
    )
    assert reply.status_code == 413


def test_a_request_just_under_the_limit_is_read_and_checked_as_usual(slack_requests: SlackRequests) -> None:
    padding = "x" * (MAX_REQUEST_BYTES - 1000)
    reply = slack_requests.send(
        json.dumps({"type": "url_verification", "challenge": "c", "p": padding}), "application/json"
    )
    assert reply.status == 200 and reply.json() == {"challenge": "c"}
    assert (
        slack_requests.forged().send(json.dumps({"type": "x", "p": padding}), "application/json").status
        == 401
    )
