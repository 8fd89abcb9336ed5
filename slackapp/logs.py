"""Logging that never holds a Slack payload (docs/anonymity.md, rule 7).

Bolt logs the whole body of a request it rejects at INFO and slack_sdk logs request and response
bodies at DEBUG; a late check-in submission would land in the log with its answers next to a user ID.
Bolt's per-class loggers copy the level of the logger handed to `App(logger=...)` when they are made,
so that logger and slack_sdk's are pinned at WARNING whatever the root level is.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar

from slackapp.slack_client import SLACK_SDK_LOGGER

BOLT_LOGGER = "kindred.bolt"
QUIET_LOGGERS = (BOLT_LOGGER, SLACK_SDK_LOGGER, "slack_bolt", "slack_sdk")


# The id of the request (or worker job) being handled, so one request's lines can be followed.
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The caller's X-Request-Id when it is a plain token, otherwise a fresh random one."""
    return offered if offered and SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's class only: its message could carry a value from a payload.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry)


def configure_logging(*, level: int = logging.INFO, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    pin_slack_loggers()


def pin_slack_loggers() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def bolt_logger() -> logging.Logger:
    """The logger for `App(logger=...)`: WARNING and above only, so no request body is ever written."""
    pin_slack_loggers()
    return logging.getLogger(BOLT_LOGGER)
