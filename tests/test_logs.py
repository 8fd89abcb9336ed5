"""No Slack payload reaches a log, whatever level the operator sets (docs/anonymity.md, rule 7)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from slackapp.checkins.ids import CheckinAction
from slackapp.logs import JsonFormatter, OneLineFormatter, RequestIdFilter
from slackapp.web.access_log import path_only
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


def test_even_with_bolts_own_loggers_at_debug_no_rejected_or_unhandled_payload_is_logged(
    root_at_debug: pytest.LogCaptureFixture, slack_requests: SlackRequests
) -> None:
    """The filter on the logger handed to App(logger=...) travels to every logger Bolt makes from it."""
    for name in ("slack_bolt.RequestVerification", "kindred.bolt", "slack_bolt"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # an operator chasing something else
    try:
        slack_requests.stale().view_submission(
            "checkin_answer", {"comment": {"c": {"value": "SECRET-ANSWER"}}}
        )
        slack_requests.block_action("no_such_action\r\nFORGED-LINE SECRET-ANSWER")
    finally:
        for name in ("slack_bolt.RequestVerification", "kindred.bolt", "slack_bolt"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logged = "\n".join(record.getMessage() for record in root_at_debug.records)
    assert "Unhandled request" in logged  # Bolt's warning is there, without the request
    assert "SECRET-ANSWER" not in logged and "FORGED-LINE" not in logged


def test_a_line_break_in_any_logged_text_cannot_start_a_new_line() -> None:
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    record = logging.getLogger("t").makeRecord(
        "t", logging.WARNING, "f", 1, "team %s", ("T0\r\nERROR forged",), None
    )
    assert formatter.format(record) == "WARNING team T0\\r\\nERROR forged"
    try:
        raise ValueError("first\nERROR forged")
    except ValueError:
        failed = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, "f", 1, "job failed", (), sys.exc_info()
        )
    lines = formatter.format(failed).splitlines()
    assert lines[0] == "ERROR job failed" and all(line.startswith("    ") for line in lines[1:])


def test_gunicorns_access_log_names_the_path_without_its_query() -> None:
    assert path_only("/slack/oauth_redirect?code=123.456&state=abc") == "/slack/oauth_redirect"
    assert path_only("/dashboard/?unit=team:C0A#top") == "/dashboard/"
    assert path_only("/odd\r\npath") == "/odd\\x0d\\x0apath"
