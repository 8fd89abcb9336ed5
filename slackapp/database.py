"""The declarative base, reusable column types, and the engine and session factories."""

from __future__ import annotations

import select
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.types import Uuid

# Alembic's recommended convention, so every constraint has a stable name across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Random, not sequential, keys: a key's order must say nothing about when a row was written.
RandomId = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
SlackId = Annotated[str, mapped_column(String(32))]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout so concurrent writers wait.

    SQL parameters are hidden from error messages: a failed insert must not put a ledger hash or an
    answer value into a log line.
    """
    kwargs.setdefault("hide_parameters", True)
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Deleted rows are overwritten with zeros, not left as free bytes (docs/anonymity.md rule 3).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    # Checked on checkout without a round trip where the platform allows (see `check_out_live_connections`).
    kwargs.setdefault("pool_pre_ping", not hasattr(select, "poll"))
    # Enough connections for gunicorn's threads plus Bolt's listener threads, so the pool is not
    # opening and closing connections under load (measured in benchmarks/checkin_intake).
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    ping_after_idle = kwargs.pop("ping_after_idle", PING_AFTER_IDLE_SECONDS)
    engine = create_engine(database_url, **kwargs)
    if not kwargs["pool_pre_ping"]:
        check_out_live_connections(engine, ping_after_idle=ping_after_idle)
    return engine


# A pooled connection unused for longer than this is pinged (a round trip) before it is handed out, rather
# than only looked at: a firewall or load balancer that forgets an idle connection does so silently, after
# minutes, and only a packet sent finds out. A busy pool hands each connection out many times a second.
PING_AFTER_IDLE_SECONDS = 30.0
_IDLE_SINCE = "kindred_idle_since"


def check_out_live_connections(engine: Engine, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Never hand out a pooled connection the server has closed, without a round trip per checkout.

    SQLAlchemy's `pool_pre_ping` sends `SELECT 1` on every checkout: on the check-in submission, Kindred's
    busiest request, that was a round trip and about a twentieth of the web process's CPU. A server
    that closes a connection (a restart, `pg_terminate_backend`, `idle_session_timeout`) sends its
    goodbye and the end of the stream at once, so an idle connection's socket then has something to
    read; a healthy idle connection never does (Kindred does not LISTEN). So a checkout looks (`poll`,
    no waiting) and replaces a connection with anything to read; one idle longer than `ping_after_idle`
    is pinged instead. Either way a dead connection is replaced before any statement is sent on it, so
    nothing is sent twice and nothing is retried. A server that goes away between the look and the first
    statement fails that statement, as it would after a ping: a submission then says so and keeps the
    answers on screen, and nothing of it is kept.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_idle(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _refuse_dead(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None:
            return  # just connected (the record's `info` is emptied when it reconnects)
        if time.monotonic() - idle_since <= ping_after_idle:
            if _server_hung_up(dbapi_connection):
                raise DisconnectionError("the server closed this pooled connection")
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("a pooled connection idle for a while did not answer") from error


def _server_hung_up(dbapi_connection: Any) -> bool:
    """True if an idle connection's socket is closed or has anything to read (the server's last words)."""
    if getattr(dbapi_connection, "closed", False):
        return True
    try:
        socket = dbapi_connection.fileno()
    except Exception:  # the driver's "connection is closed"
        return True
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))


SessionFactory = sessionmaker[Session]


def new_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


def insert_on_conflict(bind: Engine | Connection) -> Any:
    """The database's own `insert`, the one with `on_conflict_do_nothing` and `on_conflict_do_update`
    (PostgreSQL's and SQLite's take the same arguments): one statement decides on the row as it is."""
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


@contextmanager
def autocommit_connection(session_factory: SessionFactory) -> Iterator[Connection]:
    """A pooled connection of the factory's engine on which each statement commits on its own.

    Without a Session: a path that only runs a few statements needs neither its identity map nor its
    transaction bookkeeping, and on the busiest one (a check-in submission) they cost measurably.
    """
    engine = session_factory.kw["bind"]
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def database_is_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


# -- columns that hold a person ----------------------------------------------------------------------------
#
# Every column that holds a Slack user ID (or something derived from one) says so in its `info`, with
# `person(...)`: data rights ("See what Kindred holds about me", "Delete everything tied to me") walk
# `Base.metadata` for these marks, and tests/data_rights fail when a column whose name suggests a person
# is not marked.

PERSON = "person"
HELD = "held"
WHY = "why"
DELETE_ROW = "delete row"  # the row is about the person: it goes
PSEUDONYMISE = "pseudonymise"  # the row is about something else (who set it up): the ID is replaced
CLEAR = "clear"  # a nullable pointer to the person: it is emptied
SCRUB = "scrub"  # JSON that may mention the person among other things: each mention becomes FORGOTTEN
FEATURE = "by its feature"  # a keyed hash, found and deleted by the feature that made it
KEPT = "kept"  # not the person's own data, or linkable to nobody; `why` says which
FORGOTTEN = "forgotten"  # what a pseudonymised user ID becomes: the same for everyone, so it links nothing


def person(how: str, held: str = "", *, why: str = "") -> dict[str, Any]:
    """`info` for a column that holds a person's user ID.

    Args:
        how: what "Delete everything tied to me" does with it: DELETE_ROW, PSEUDONYMISE, CLEAR, FEATURE
            or KEPT.
        held: the line "See what Kindred holds about me" shows when rows hold the person; `{n}` is the count.
        why: for KEPT and FEATURE, the reason.
    """
    return {PERSON: how, HELD: held, WHY: why}
