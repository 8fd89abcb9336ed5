"""PostgreSQL connections dropped in the middle of a submission and of a worker job: the person gets a clear
error or the job is retried; nothing is lost or counted twice."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, make_url, select, text

from slackapp.app import create_app
from slackapp.checkins.ids import CheckinCallback
from slackapp.checkins.models import Answer, Histogram, Participation, Round, RoundState
from slackapp.database import SessionFactory, new_engine, new_session_factory
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.checkins.test_checkin_story import answers_form
from tests.conftest import SIGNING_SECRET, Clock, is_postgres
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


@contextmanager
def statement_failures(engine: Engine) -> Iterator[list[str]]:
    """The errors of statements the engine sent while inside (a retried statement would show here)."""
    failures: list[str] = []

    def record(context: Any) -> None:
        failures.append(type(context.original_exception).__name__)

    event.listen(engine, "handle_error", record)
    try:
        yield failures
    finally:
        event.remove(engine, "handle_error", record)


def test_pooled_connections_the_server_closed_are_replaced_before_a_submission_uses_them(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine, database_url: str
) -> None:
    """As after a PostgreSQL restart: every pooled connection's server process is gone."""
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U1", "U2")
    metadata = json.dumps({"round_id": str(round_.id)})
    first = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, answers_form(3), metadata, user_id="U1"
    )
    assert first.json()["view"]["title"]["text"] == "Thank you"

    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    others = "datname = current_database() AND pid <> pg_backend_pid()"
    try:
        with killer.connect() as connection:
            killed = connection.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}")
            ).all()
            assert killed, "the pool held no connection"
            deadline = time.monotonic() + 10
            while connection.execute(text(f"SELECT count(*) FROM pg_stat_activity WHERE {others}")).scalar():
                assert time.monotonic() < deadline, "the server processes did not exit"
                time.sleep(0.02)
    finally:
        killer.dispose()

    with statement_failures(engine) as failures:
        reply = slack_requests.view_submission(
            CheckinCallback.ANSWER_MODAL, answers_form(2), metadata, user_id="U2"
        )
    assert reply.json()["view"]["title"]["text"] == "Thank you"
    assert failures == []  # no statement was sent on a dead connection
    assert count(session_factory, Participation) == 2 and count(session_factory, Answer) == 12


def test_a_busy_pool_keeps_its_connections(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    """The look at each connection's socket never takes a healthy connection for a closed one: one that
    did would reconnect (a new server process) on every request."""
    round_ = make_open_round(session_factory)
    people = [f"U0BUSY{n:02d}" for n in range(20)]
    invite(session_factory, round_.id, *people)
    metadata = json.dumps({"round_id": str(round_.id)})
    connects: list[Any] = []

    def connected(dbapi_connection: Any, _record: Any) -> None:
        connects.append(dbapi_connection)

    for number, person in enumerate(people):
        if number == 1:  # the first may have opened what the pool lacked
            event.listen(engine, "connect", connected)
        reply = slack_requests.view_submission(
            CheckinCallback.ANSWER_MODAL, answers_form(3), metadata, user_id=person
        )
        assert reply.json()["view"]["title"]["text"] == "Thank you"
    event.remove(engine, "connect", connected)
    assert connects == []


class SilentDropProxy:
    """A TCP relay to PostgreSQL that can forget its connections as a firewall or load balancer does after
    an idle timeout: the server's side is closed, the client's side is left open without a word, and the
    next packet the client sends there is answered with a reset."""

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._dropped: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._relay, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, False), daemon=True).start()

    def _relay(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if from_client and source in self._dropped:
                # Forgotten: refuse the packet with a reset, as a middlebox with no state for it does.
                source.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                source.close()
                return
            if not data:
                return
            try:
                target.sendall(data)
            except OSError:
                return

    def drop_all(self) -> None:
        """Forget every connection: the server sees it end, the client sees nothing until it sends."""
        with self._lock:
            for client, server in self._pairs:
                self._dropped.add(client)
                server.shutdown(socket.SHUT_RDWR)
                server.close()
            self._pairs.clear()

    def close(self) -> None:
        self._listener.close()


def test_a_pooled_connection_dropped_silently_while_idle_is_pinged_and_replaced(
    settings: Settings, session_factory: SessionFactory, database_url: str
) -> None:
    """What no look at the socket can see: a connection forgotten by something in between is found by the
    ping a connection idle for longer than `ping_after_idle` gets (zero here, so every checkout pings)."""
    url = make_url(database_url)
    proxy = SilentDropProxy(url.host or "127.0.0.1", url.port or 5432)
    engine = new_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False), ping_after_idle=0)
    try:
        sessions = new_session_factory(engine)
        web = create_web_app(create_app(settings, sessions), engine).test_client()
        slack = SlackRequests.for_flask(web, SIGNING_SECRET)
        round_ = make_open_round(sessions)
        invite(sessions, round_.id, "U1", "U2")
        metadata = json.dumps({"round_id": str(round_.id)})
        first = slack.view_submission(CheckinCallback.ANSWER_MODAL, answers_form(3), metadata, user_id="U1")
        assert first.json()["view"]["title"]["text"] == "Thank you"

        proxy.drop_all()
        with statement_failures(engine) as failures:
            reply = slack.view_submission(
                CheckinCallback.ANSWER_MODAL, answers_form(2), metadata, user_id="U2"
            )
        assert reply.json()["view"]["title"]["text"] == "Thank you"
        assert failures == []
        assert count(session_factory, Participation) == 2 and count(session_factory, Answer) == 12
    finally:
        engine.dispose()
        proxy.close()
