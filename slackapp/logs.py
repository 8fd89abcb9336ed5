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
from typing import Any

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from slackapp.slack.slack_client import SLACK_SDK_LOGGER

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


LIBRARY_LOGGERS = ("slack_bolt", "slack_sdk", BOLT_LOGGER, SLACK_SDK_LOGGER)
# Where a library's message turns from what happened to the details (a payload, a URL, an error text).
DETAILS_START = re.compile(r"[(:{\[\r\n]")
LINE_BREAKS = str.maketrans({"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _from_library(name: str) -> bool:
    return any(name == library or name.startswith(library + ".") for library in LIBRARY_LOGGERS)


def library_summary(message: str) -> str:
    """What a Slack library's log line says happened, without the details it adds from the request.

    "Unhandled request ({'type': 'block_actions', ...})" -> "Unhandled request";
    "Failed to send a request to Slack API server: <urlopen error ...>" -> "Failed to send a request to
    Slack API server". Bolt, slack_sdk and their per-class loggers all put payload text after these marks.
    """
    head = DETAILS_START.split(message, maxsplit=1)[0].strip()
    return head[:160] or "(details withheld)"


class PayloadFreeFilter(logging.Filter):
    """Slack's libraries never write payload text: below WARNING nothing, above it only a summary.

    Attached to the logger handed to `App(logger=...)` (Bolt copies its filters to every logger it makes
    from it) and to Kindred's log handler, which also sees slack_sdk's webhook client and the rest.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not _from_library(record.name):
            return True
        if record.levelno < logging.WARNING:
            return False  # e.g. RequestVerification's INFO line with the whole rejected body
        record.msg = library_summary(record.getMessage())
        record.args = ()
        record.exc_info = None  # a traceback's last line is the exception's message: request text
        record.exc_text = None
        return True


class BotTokenNoticeFilter(logging.Filter):
    """Drops Bolt's "`token` will be unused" warning, which would tell the operator their token is ignored.

    Bolt reads SLACK_BOT_TOKEN from the environment itself and, seeing Kindred's own client beside it,
    warns at start-up; but Kindred's `authorize` is what hands that same token to every request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class OneLineFormatter(logging.Formatter):
    """A record is one line: a line break in its message (from any text) is written as `\\n`.

    A traceback keeps its lines, each indented, so no text can start what looks like a new record.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).translate(LINE_BREAKS)

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei).replace("\r", "\\r")
        return "\n".join("    " + line for line in text.splitlines())


def configure_logging(*, level: int = logging.INFO, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PayloadFreeFilter())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else OneLineFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    pin_slack_loggers()


def pin_slack_loggers() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def bolt_logger() -> logging.Logger:
    """The logger for `App(logger=...)`: WARNING and above only, and never a payload's text.

    Bolt copies this logger's level and filters to each logger it makes (RequestVerification, the
    authorization middleware...), so the filter travels with them even where Kindred's handler is not
    the one writing (a test's capture, an operator's own logging set-up).
    """
    pin_slack_loggers()
    logger = logging.getLogger(BOLT_LOGGER)
    if not any(isinstance(f, BotTokenNoticeFilter) for f in logger.filters):
        logger.addFilter(BotTokenNoticeFilter())
    if not any(isinstance(f, PayloadFreeFilter) for f in logger.filters):
        logger.addFilter(PayloadFreeFilter())
    return logger
