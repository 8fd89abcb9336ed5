"""Alembic builds exactly the models' schema, and every revision downgrades cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

from slackapp.database import new_engine
from slackapp.migrate import downgrade_database, upgrade_database
from slackapp.models import Base
from tests.conftest import is_postgres


def test_upgrade_head_gives_exactly_the_models_schema(database_url: str) -> None:
    engine = new_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


@pytest.fixture
def empty_database_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not is_postgres():
        yield f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'empty.db'}"
        return
    base = make_url(database_url)
    name = f"kindred_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_every_revision_downgrades_cleanly_and_upgrades_again(empty_database_url: str) -> None:
    upgrade_database(empty_database_url)
    downgrade_database(empty_database_url)
    engine = new_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade_database(empty_database_url)
    engine = new_engine(empty_database_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
