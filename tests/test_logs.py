"""No Slack payload reaches a log, whatever level the operator sets (DESIGN.md rule 6)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.slack_requests import SlackRequests


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
