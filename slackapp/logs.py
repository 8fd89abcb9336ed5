"""Logging that never holds a Slack payload (DESIGN.md rule 6).

Bolt logs the whole body of a request it rejects at INFO and slack_sdk logs request and response
bodies at DEBUG; a late check-in submission would land in the log with its answers next to a user ID.
Bolt's per-class loggers copy the level of the logger handed to `App(logger=...)` when they are made,
so that logger and slack_sdk's are pinned at WARNING whatever the root level is.
"""

from __future__ import annotations

import json
import logging
import sys

from slackapp.slack_client import SLACK_SDK_LOGGER

BOLT_LOGGER = "kindred.bolt"
QUIET_LOGGERS = (BOLT_LOGGER, SLACK_SDK_LOGGER, "slack_bolt", "slack_sdk")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry)


def configure_logging(*, level: int = logging.INFO, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
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
