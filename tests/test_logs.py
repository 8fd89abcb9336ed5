"""No Slack payload reaches a log, whatever level the operator sets (DESIGN.md rule 6)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from slackapp.checkins.ids import CheckinAction
from slackapp.logs import JsonFormatter, RequestIdFilter
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn


@pytest.fixture
def root_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """An operator debugging something else: the root logger at DEBUG before the app is built."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_bolts_loggers_stay_at_warning_even_when_the_root_logger_is_at_debug(
    root_at_debug: pytest.LogCaptureFixture, web: FlaskClient
) -> None:
    for name in ("kindred.bolt", "kindred.slack_sdk", "slack_bolt", "slack_sdk"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
    assert logging.getLogger("slack_bolt.RequestVerification").getEffectiveLevel() >= logging.WARNING


def test_a_request_rejected_for_its_signature_is_not_logged_with_its_body(
    root_at_debug: pytest.LogCaptureFixture, slack_requests: SlackRequests
) -> None:
    reply = slack_requests.stale().view_submission(
        "checkin_answer", {"comment": {"c": {"value": "SECRET-ANSWER"}}}
    )
    assert reply.status == 401
    assert "SECRET-ANSWER" not in root_at_debug.text
    assert "U0MEMBER01" not in root_at_debug.text


def test_every_log_line_of_a_request_carries_its_request_id_even_from_listener_threads(
    root_at_debug: pytest.LogCaptureFixture,
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    web: FlaskClient,
) -> None:
    root_at_debug.handler.addFilter(RequestIdFilter())
    slack.fail_next("views.open", error="expired_trigger_id")
    slack_requests.block_action(CheckinAction.OPEN_MODAL, "00000000-0000-0000-0000-000000000000")
    failures = [r for r in root_at_debug.records if r.name == "slackapp.app"]  # the app's error handler
    assert failures and all(len(getattr(r, "request_id", "-")) == 32 for r in failures)
    assert web.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    assert len(web.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]) == 32


def test_json_logs_hold_the_exception_class_but_not_its_message() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("answer=1 user=U0SECRET")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, "f", 1, "job failed", (), sys.exc_info()
        )
    line = json.loads(formatter.format(record))
    assert line["error"] == "ValueError" and "U0SECRET" not in json.dumps(line)
