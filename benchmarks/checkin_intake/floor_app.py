"""The floor for the check-in intake benchmark: a Bolt handler that acks after the same three commits as
Kindred (ledger, scores, comment), written with plain SQL.

docs/architecture.md: "saturated: at least half the throughput of a floor handler that writes the same three
commits with plain SQL". Served exactly as `bare_app.py` (and so as `kindred serve`): the same Flask
wrapper, gunicorn `gthread` with 8 threads, `WEB_CONCURRENCY` processes, access log on. The listener reads
the round id, the person and the answers from the submission, and writes, each statement its own
transaction (autocommit) on a psycopg connection kept per thread:

1. the ledger row, HMAC-SHA256(a fixed key, user id) - one hash, as Kindred computes;
2. the scores, one multi-row INSERT;
3. the comment, if any;

then acks with an empty body. As in Kindred, only the last commit waits for the disk (synchronous_commit off
for the earlier ones: WAL is flushed in order, so all are on disk when the last returns); a floor that
waited three times would flatter Kindred. What it leaves out is all that Kindred does beyond the three
commits: SQLAlchemy, the round lookup and its open/invited checks, validation, the suggestions and the
thank-you view.

    DATABASE_URL=postgresql://... SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... SLACK_API_URL=... \
        PORT=3002 .venv/bin/python benchmarks/checkin_intake/floor_app.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from flask import Flask  # noqa: E402
from slack_bolt import Ack, App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from benchmarks.checkin_intake.bare_app import flask_around, serve  # noqa: E402
from slackapp.logs import bolt_logger, configure_logging  # noqa: E402

LEDGER_KEY = b"floor-benchmark-ledger-key-32-bytes!"
# In the FROM of an INSERT ... SELECT: that statement's commit does not wait for the disk.
FLUSHED_LATER = "(SELECT set_config('synchronous_commit', 'off', true)) AS flushed_later"


def create_floor_web(
    signing_secret: str,
    bot_token: str,
    slack_api_url: str,
    callback_id: str,
    database_url: str,
    *,
    on_pool: bool = False,
) -> Flask:
    """The floor: a Bolt app that acks after the same three commits, written with plain SQL."""
    app = App(
        signing_secret=signing_secret,
        process_before_response=not on_pool,  # on the request's thread, as bare_app.py says why
        client=WebClient(token=bot_token, base_url=slack_api_url),
        logger=bolt_logger(),
        token_verification_enabled=False,
    )
    local = threading.local()

    def connection() -> psycopg.Connection[Any]:
        if getattr(local, "connection", None) is None or local.connection.closed:
            local.connection = psycopg.connect(database_url, autocommit=True)
        return local.connection  # type: ignore[no-any-return]

    @app.view(callback_id)
    def three_commits_then_ack(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        round_id = uuid.UUID(json.loads(view["private_metadata"])["round_id"])
        user_id = str(body["user"]["id"])
        scores: list[tuple[str, int]] = []
        comment = None
        for block_id, elements in view["state"]["values"].items():
            for element in elements.values():
                if element.get("type") == "radio_buttons":
                    scores.append((block_id, int(element["selected_option"]["value"])))
                elif element.get("type") == "plain_text_input":
                    comment = element.get("value")
        voter = hmac.new(LEDGER_KEY, user_id.encode(), hashlib.sha256).digest()
        db = connection()
        db.execute(
            "INSERT INTO checkin_participation (round_id, voter_hash) SELECT %s, %s FROM " + FLUSHED_LATER,
            (round_id, voter),
        )
        placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(scores))
        values = [v for key, score in scores for v in (uuid.uuid4(), round_id, key, score)]
        db.execute(
            "INSERT INTO checkin_answer (id, round_id, question_key, value) SELECT answer.*"
            f" FROM (VALUES {placeholders}) AS answer{', ' + FLUSHED_LATER if comment else ''}",
            values,
        )
        if comment:
            db.execute(
                "INSERT INTO checkin_comment (id, round_id, body) VALUES (%s, %s, %s)",
                (uuid.uuid4(), round_id, comment),
            )
        ack()

    return flask_around(app, "floor")


def main() -> None:
    from slackapp.checkins.ids import CheckinCallback
    from slackapp.settings import normalise_database_url

    configure_logging()
    database_url = normalise_database_url(os.environ["DATABASE_URL"]).replace(
        "postgresql+psycopg", "postgresql"
    )
    web = create_floor_web(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        bot_token=os.environ["SLACK_BOT_TOKEN"],
        slack_api_url=os.environ["SLACK_API_URL"],
        callback_id=str(CheckinCallback.ANSWER_MODAL),
        database_url=database_url,
        on_pool="--pool" in sys.argv[1:],
    )
    serve(web, int(os.environ.get("PORT", "3002")))


if __name__ == "__main__":
    main()
