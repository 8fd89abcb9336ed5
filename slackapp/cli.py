"""The `kindred` command: serve, worker, socket, demo, db upgrade."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from typing import Any

from slackapp.logs import configure_logging
from slackapp.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindred", description="Kindred: anonymous check-ins for Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the web process (Slack events, dashboard, health check)")
    worker = commands.add_parser("worker", help="run the scheduler")
    worker.add_argument("--once", action="store_true", help="do what is due now, then exit")
    commands.add_parser("socket", help="run the Slack app over Socket Mode (local development)")
    demo = commands.add_parser("demo", help="build a synthetic organisation and serve the dashboard on it")
    demo.add_argument("--port", type=int, default=8050)
    demo.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 to reach it from elsewhere)"
    )
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"])
    keys = commands.add_parser("keys", help="KINDRED_SECRET_KEY tasks")
    keys.add_argument(
        "action", choices=["reseal"], help="re-encrypt every stored secret under the newest key"
    )
    parser.add_argument("--log-json", action="store_true", help="log one JSON object per line")
    args = parser.parse_args(argv)

    # The demo is someone's first run: its terminal shows where to open the dashboard, and problems.
    level = logging.WARNING if args.command == "demo" else logging.INFO
    configure_logging(level=level, as_json=args.log_json)
    try:
        settings = Settings.from_env()
        return _run(args, settings)
    except SettingsError as problem:
        print(f"kindred: {problem}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        from slackapp.migrate import upgrade_database

        upgrade_database(settings.database_url)
        return 0
    if args.command == "keys":
        from slackapp.database import new_engine
        from slackapp.keys.reseal import reseal_secrets

        resealed = reseal_secrets(new_engine(settings.database_url), settings.require_secret_key())
        print(f"kindred: re-encrypted {resealed} secret(s) under the newest key")
        return 0
    if args.command == "serve":
        settings.require_slack_credentials()
        settings.require_secret_key()
        _serve(settings)
        return 0
    if args.command == "worker":
        return _worker(settings, once=args.once)
    if args.command == "socket":
        return _socket(settings)
    if args.command == "demo":
        from slackapp.demo import run_demo

        return run_demo(port=args.port, host=args.host)
    raise AssertionError(args.command)


def _serve(settings: Settings) -> None:
    from gunicorn.app.base import BaseApplication

    from slackapp.web import create_kindred_web
    from slackapp.web.access_log import ACCESS_LOG_FORMAT, PathOnlyAccessLog

    web = create_kindred_web(settings)
    # Everything built so far (Dash, Plotly, Bolt, SQLAlchemy: some 175,000 objects) lives as long as the
    # process, yet every full garbage collection would walk it: 94-152 ms in which that web process
    # answers nobody, twice per worker in a 25 s benchmark run (benchmarks/checkin_intake). Frozen before
    # gunicorn forks, it is never walked, and the workers share its pages.
    gc.freeze()

    class KindredServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 8)
            self.cfg.set("accesslog", "-")
            self.cfg.set("access_log_format", ACCESS_LOG_FORMAT)
            self.cfg.set("logger_class", PathOnlyAccessLog)
            # Kindred is run by its Procfile, not gunicornc: without this, every copy on a host shares
            # one socket path in the home folder, and a read-only home stops the server.
            self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return web

    KindredServer().run()


def _worker(settings: Settings, *, once: bool) -> int:
    from slackapp.database import new_engine, new_session_factory
    from slackapp.worker import create_worker

    settings.require_slack_credentials()
    worker = create_worker(settings, new_session_factory(new_engine(settings.database_url)))
    if once:
        ran = worker.run_once()
        logging.getLogger("kindred.worker").info("ran %d job(s)", ran)
    else:
        worker.run_forever()
    return 0


def _socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from slackapp.app import create_app
    from slackapp.database import new_engine, new_session_factory

    if not settings.slack_app_token:
        raise SettingsError("SLACK_APP_TOKEN is required for Socket Mode (an xapp- token)")
    settings.require_secret_key()
    app = create_app(settings, new_session_factory(new_engine(settings.database_url)))
    SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
    return 0


if __name__ == "__main__":
    sys.exit(main())
