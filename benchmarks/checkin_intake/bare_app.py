"""The baseline for the check-in intake benchmark: a bare Bolt app that only acks `view_submission`.

Served exactly as `kindred serve` serves Kindred (see `slackapp/cli.py::_serve`): the same Flask wrapper
around Bolt's `SlackRequestHandler` at `POST /slack/events`, gunicorn's `gthread` worker with 8 threads,
the access log on stdout, `WEB_CONCURRENCY` worker processes (gunicorn reads it), the same logging set-up
and the same quiet Bolt logger. Only the listener differs: it acks with an empty body and touches nothing.

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... SLACK_API_URL=http://127.0.0.1:NNNN/api/ PORT=3001 \
        .venv/bin/python benchmarks/checkin_intake/bare_app.py

It binds 127.0.0.1 only. `run.py` starts and stops it; you rarely need to run it by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from flask import Flask, Response, request  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402
from slack_bolt import Ack, App  # noqa: E402
from slack_bolt.adapter.flask import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from slackapp.logs import bolt_logger, configure_logging  # noqa: E402


def create_bare_web(
    signing_secret: str,
    bot_token: str,
    slack_api_url: str,
    callback_id: str,
    *,
    on_pool: bool = False,
) -> Flask:
    app = App(
        signing_secret=signing_secret,
        # On the request's thread, as Kindred runs its submission (`OnRequestThread`): for a listener
        # that only acks, Bolt's default hands it to a pool and polls for the ack every 10 ms, a
        # constant that would flatter any ratio against this peer. `--pool` keeps Bolt's default.
        process_before_response=not on_pool,
        client=WebClient(token=bot_token, base_url=slack_api_url),
        logger=bolt_logger(),
        token_verification_enabled=False,
    )

    @app.view(callback_id)
    def only_ack(ack: Ack) -> None:
        ack()

    return flask_around(app, "bare")


def flask_around(app: App, name: str) -> Flask:
    """A benchmark's Bolt app behind Flask, with the same two routes Kindred's web process has."""
    web = Flask(name)
    handler = SlackRequestHandler(app)

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        return {"status": "ok"}, 200

    return web


def main() -> None:
    from slackapp.checkins.ids import CheckinCallback

    configure_logging()
    web = create_bare_web(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        bot_token=os.environ["SLACK_BOT_TOKEN"],
        slack_api_url=os.environ["SLACK_API_URL"],
        callback_id=str(CheckinCallback.ANSWER_MODAL),
        on_pool="--pool" in sys.argv[1:],
    )
    serve(web, int(os.environ.get("PORT", "3001")))


def serve(web: Flask, port: int) -> None:
    """Gunicorn with the same settings as slackapp/cli.py's KindredServer (workers: WEB_CONCURRENCY)."""

    class BenchmarkServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"127.0.0.1:{port}")
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 8)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return web

    BenchmarkServer().run()


if __name__ == "__main__":
    main()
