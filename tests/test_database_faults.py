"""PostgreSQL connections dropped in the middle of a submission and of a worker job: the person gets a clear
error or the job is retried; nothing is lost or counted twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text

from slackapp.checkins.ids import CheckinCallback
from slackapp.checkins.models import Answer, Histogram, Participation, Round, RoundState
from slackapp.database import SessionFactory
from tests.checkins.test_checkin_story import answers_form
from tests.conftest import Clock, is_postgres
from tests.factories import answer, invite, make_open_round
from tests.slack_requests import SlackRequests

pytestmark = pytest.mark.skipif(not is_postgres(), reason="drops PostgreSQL server connections")


@contextmanager
def connection_killed_on(
    engine: Engine, database_url: str, statement_part: str, times: int = 1
) -> Iterator[None]:
    """Terminate the server process of the connection running a statement with `statement_part` in it."""
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    remaining = [times]

    def kill(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if remaining[0] > 0 and statement_part.upper() in statement.upper():
            remaining[0] -= 1
            pid = conn.connection.dbapi_connection.info.backend_pid
            with killer.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(engine, "before_cursor_execute", kill)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", kill)
        killer.dispose()
    assert remaining[0] == 0, "the statement never ran"


def count(session_factory: SessionFactory, model: Any) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_connection_dropped_mid_submission_shows_an_error_keeps_nothing_and_the_retry_counts_once(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine, database_url: str
) -> None:
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U1")  # in the channel when the round opened
    metadata = json.dumps({"round_id": str(round_.id)})
    with connection_killed_on(engine, database_url, "INSERT INTO checkin_answer"):
        reply = slack_requests.view_submission(
            CheckinCallback.ANSWER_MODAL, answers_form(2), metadata, user_id="U1"
        )
    assert reply.json()["response_action"] == "errors"
    assert count(session_factory, Participation) == 0 and count(session_factory, Answer) == 0

    retry = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, answers_form(2), metadata, user_id="U1"
    )
    assert retry.json()["view"]["title"]["text"] == "Thank you"
    assert count(session_factory, Participation) == 1 and count(session_factory, Answer) == 6


def test_a_connection_dropped_while_closing_a_round_is_retried_and_closes_once(
    make_worker, session_factory: SessionFactory, engine: Engine, database_url: str, clock: Clock
) -> None:
    round_ = make_open_round(session_factory, now=clock.now)
    for person in ("U1", "U2", "U3", "U4", "U5"):
        answer(session_factory, round_.id, person)
    clock.advance(hours=80)
    with connection_killed_on(engine, database_url, "DELETE FROM checkin_answer"):
        make_worker().run_once()
    with session_factory() as session:
        # Still not closed (opening: no invitation goes to a round whose time is over).
        assert session.get(Round, round_.id).state is not RoundState.CLOSED  # type: ignore[union-attr]
    assert count(session_factory, Answer) == 30  # the failed close rolled back: nothing lost

    clock.advance(minutes=5)
    make_worker().run_once()
    with session_factory() as session:
        assert session.get(Round, round_.id).state is RoundState.CLOSED  # type: ignore[union-attr]
        wellbeing = session.scalars(
            select(Histogram.count).where(
                Histogram.round_id == round_.id, Histogram.question_key == "wellbeing"
            )
        ).all()
    assert sum(wellbeing) == 5
