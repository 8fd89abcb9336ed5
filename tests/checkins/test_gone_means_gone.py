"""Gone means gone: once a round closes, no byte of its ledger, answers, invitees or secret is in the files.

A deleted row stays in PostgreSQL's table and index files as a dead tuple until a vacuum (and its
transaction id ties a ledger row to the answers written just after it). We read the pages themselves with
the `pageinspect` extension, as someone with the database files would; on SQLite, the file's bytes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, select, text

from slackapp.checkins.models import Answer, Comment, Round
from slackapp.database import SessionFactory
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock, is_postgres
from tests.factories import answer, make_open_round, round_secrets
from tests.slack_standin import BOT_USER_ID, SlackStandIn
from tests.sqlite_files import sqlite_file_bytes

CLOSING, STAYING_OPEN = "C0CLOSING", "C0STAYSOPEN"
PEOPLE = [f"U0PERSON{n:02d}" for n in range(6)]
# Tables and indexes that hold a round's row-level data while it is open.
TABLES = ["checkin_participation", "checkin_answer", "checkin_invitee", "checkin_comment", "checkin_round"]
INDEXES = [
    "pk_checkin_participation",
    "pk_checkin_invitee",
    "pk_checkin_answer",
    "ix_checkin_answer_round_id",
    "pk_checkin_comment",
    "ix_checkin_comment_round_id",
]


@dataclass
class RoundTraces:
    """Byte strings that exist only while the round is open (what must be gone after it closes)."""

    voter_hashes: list[bytes]  # ledger and invitee rows
    answer_ids: list[uuid.UUID]
    comment_ids: list[uuid.UUID]  # the comment rows as written; closing re-writes them shuffled
    sealed_secret: bytes


def run_rounds(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> tuple[uuid.UUID, RoundTraces]:
    """Open two rounds, answer both (with comments); return the one that will close first, and its traces."""
    for channel in (CLOSING, STAYING_OPEN):
        slack.add_channel(channel, members=[*PEOPLE, BOT_USER_ID])
    for person in PEOPLE:
        slack.add_user(person)
    closing = make_open_round(session_factory, CLOSING, now=clock.now, open_hours=24)
    staying = make_open_round(session_factory, STAYING_OPEN, now=clock.now, open_hours=96)
    clock.advance(seconds=1)
    worker.run_once()  # invitations, and the invitees
    for person in PEOPLE:
        for round_ in (closing, staying):
            answer(session_factory, round_.id, person, comment=f"a comment by {person}", invite_first=False)
    with session_factory() as session:
        stored = session.get(Round, closing.id)
        assert stored is not None and stored.secret_ciphertext is not None
        traces = RoundTraces(
            voter_hashes=[round_secrets().voter_hash(stored.secret_ciphertext, p) for p in PEOPLE],
            answer_ids=list(session.scalars(select(Answer.id).where(Answer.round_id == closing.id))),
            comment_ids=list(session.scalars(select(Comment.id).where(Comment.round_id == closing.id))),
            sealed_secret=stored.secret_ciphertext,
        )
    assert len(traces.answer_ids) > len(PEOPLE) and len(traces.comment_ids) == len(PEOPLE)
    return closing.id, traces


def close_first_round(worker: Worker, clock: Clock) -> None:
    clock.advance(hours=25)  # past the first round's close, not the second's
    worker.run_once()


# -- PostgreSQL: the pages, live and dead tuples, through pageinspect --------------------------------------


def page_tuples(connection: Connection, relation: str) -> list[bytes]:
    """The data of every tuple, live or dead, on every page of a table (pageinspect's heap_page_items)."""
    pages = connection.scalar(
        text("SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"),
        {"r": relation},
    )
    found: list[bytes] = []
    for page in range(pages or 0):
        rows = connection.execute(
            text("SELECT t_data FROM heap_page_items(get_raw_page(:r, :p)) WHERE t_data IS NOT NULL"),
            {"r": relation, "p": page},
        )
        found.extend(bytes(row.t_data) for row in rows)
    return found


def index_entries(connection: Connection, index: str) -> list[bytes]:
    """The key bytes of every entry on every leaf and inner page of a B-tree (pageinspect)."""
    pages = connection.scalar(
        text("SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"),
        {"r": index},
    )
    found: list[bytes] = []
    for page in range(1, pages or 0):  # page 0 is the metapage
        kind = connection.scalar(text("SELECT type FROM bt_page_stats(:r, :p)"), {"r": index, "p": page})
        if kind == "d":
            continue  # a deleted page holds no entries
        rows = connection.execute(text("SELECT data FROM bt_page_items(:r, :p)"), {"r": index, "p": page})
        found.extend(bytes.fromhex(str(row.data).replace(" ", "")) for row in rows if row.data)
    return found


def postgres_traces_left(engine: Engine, traces: RoundTraces) -> list[str]:
    """Which of the round's traces some tuple or index entry, live or dead, still holds."""
    wanted = {
        **{f"voter hash {n}": h for n, h in enumerate(traces.voter_hashes)},
        **{f"answer {a}": a.bytes for a in traces.answer_ids},
        **{f"comment {c}": c.bytes for c in traces.comment_ids},
        "sealed secret": traces.sealed_secret,
    }
    with engine.connect() as connection:
        stored = [t for table in TABLES for t in page_tuples(connection, table)]
        stored += [e for index in INDEXES for e in index_entries(connection, index)]
    return sorted(name for name, needle in wanted.items() if any(needle in data for data in stored))


@pytest.mark.skipif(not is_postgres(), reason="pageinspect reads PostgreSQL's pages")
def test_after_close_no_tuple_live_or_dead_of_the_rounds_rows_is_in_postgresqls_files(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock, engine: Engine
) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    round_id, traces = run_rounds(worker, slack, session_factory, clock)
    # While the round is open, its rows are there: the search below can find them.
    found_while_open = postgres_traces_left(engine, traces)
    assert "sealed secret" in found_while_open
    assert len(found_while_open) == len(PEOPLE) + len(traces.answer_ids) + len(traces.comment_ids) + 1

    close_first_round(worker, clock)

    with session_factory() as session:
        closed = session.get(Round, round_id)
        assert closed is not None and closed.secret_ciphertext is None and closed.respondent_count == 6
    assert postgres_traces_left(engine, traces) == []
    with engine.connect() as connection:  # the round still open keeps its rows
        assert len(page_tuples(connection, "checkin_participation")) == len(PEOPLE)


# -- SQLite: the bytes of the file ---------------------------------------------------------------------


def sqlite_traces_left(engine: Engine, traces: RoundTraces) -> list[str]:
    # SQLite keeps a UUID as 32 hex characters, and blobs as their bytes.
    wanted = {
        **{f"voter hash {n}": h for n, h in enumerate(traces.voter_hashes)},
        **{f"answer {a}": a.hex.encode() for a in traces.answer_ids},
        **{f"comment {c}": c.hex.encode() for c in traces.comment_ids},
        "sealed secret": traces.sealed_secret,
    }
    stored = sqlite_file_bytes(engine)
    return sorted(name for name, needle in wanted.items() if needle in stored)


@pytest.mark.skipif(is_postgres(), reason="the SQLite file")
def test_after_close_the_sqlite_file_holds_no_byte_of_the_rounds_rows(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock, engine: Engine
) -> None:
    round_id, traces = run_rounds(worker, slack, session_factory, clock)
    assert len(sqlite_traces_left(engine, traces)) == (
        len(PEOPLE) + len(traces.answer_ids) + len(traces.comment_ids) + 1
    )

    close_first_round(worker, clock)

    with session_factory() as session:
        closed = session.get(Round, round_id)
        assert closed is not None and closed.secret_ciphertext is None
    assert sqlite_traces_left(engine, traces) == []


def test_the_removal_leaves_the_round_still_open_whole(
    worker: Worker, slack: SlackStandIn, session_factory: SessionFactory, clock: Clock
) -> None:
    """Removing what closing erased takes nothing from a round still open: its answers all count."""
    closed_id, _ = run_rounds(worker, slack, session_factory, clock)
    close_first_round(worker, clock)
    with session_factory() as session:
        still_open = session.scalars(select(Round).where(Round.channel_id == STAYING_OPEN)).one()
    clock.advance(hours=72)  # past its close, before its pulse's next scheduled round
    worker.run_once()
    with session_factory() as session:
        closed, other = session.get(Round, closed_id), session.get(Round, still_open.id)
        assert closed is not None and other is not None
        assert (closed.respondent_count, other.respondent_count) == (len(PEOPLE), len(PEOPLE))
