"""The declarative base, reusable column types, and the engine and session factories."""

from __future__ import annotations

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
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
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
    kwargs.setdefault("pool_pre_ping", True)
    # Enough connections for gunicorn's threads plus Bolt's listener threads, so the pool is not
    # opening and closing connections under load (measured in benchmarks/checkin_intake).
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(database_url, **kwargs)


SessionFactory = sessionmaker[Session]


def new_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


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
