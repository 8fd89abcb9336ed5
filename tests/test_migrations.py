"""Alembic builds exactly the models' schema, and every revision downgrades cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
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


def test_rounds_closed_before_0008_keep_the_department_their_team_had_at_upgrade(
    empty_database_url: str,
) -> None:
    """0008_round_departments gives each closed round its team's department as of the upgrade (and the
    department's name); a round still open gets its department when it closes."""
    upgrade_database(empty_database_url, "0002_org")
    department = sa.table(
        "org_department",
        sa.column("id", sa.Uuid),
        sa.column("workspace_id"),
        sa.column("name"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    team = sa.table(
        "org_team",
        sa.column("id", sa.Uuid),
        sa.column("workspace_id"),
        sa.column("channel_id"),
        sa.column("name"),
        sa.column("department_id", sa.Uuid),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    round_ = sa.table(
        "checkin_round",
        sa.column("id", sa.Uuid),
        sa.column("workspace_id"),
        sa.column("channel_id"),
        sa.column("state"),
        sa.column("shown_count"),
        sa.column("questions", sa.JSON),
        sa.column("comments_enabled", sa.Boolean),
        *(sa.column(name, sa.DateTime(timezone=True)) for name in ("slot", "opens_at", "closes_at")),
    )
    engineering = uuid.uuid4()
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    # round -> (workspace, channel, state); C1 is in Eng, C2 in no department.
    rounds = {
        uuid.uuid4(): ("T1", "C1", "closed"),
        uuid.uuid4(): ("T1", "C1", "open"),
        uuid.uuid4(): ("T1", "C2", "closed"),
        uuid.uuid4(): ("T2", "C1", "closed"),
    }
    engine = new_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            department.insert().values(id=engineering, workspace_id="T1", name="Eng", created_at=now)
        )
        for channel, department_id in (("C1", engineering), ("C2", None)):
            connection.execute(
                team.insert().values(
                    id=uuid.uuid4(),
                    workspace_id="T1",
                    channel_id=channel,
                    name=channel,
                    department_id=department_id,
                    updated_at=now,
                )
            )
        for round_id, (workspace, channel, state) in rounds.items():
            connection.execute(
                round_.insert().values(
                    id=round_id,
                    workspace_id=workspace,
                    channel_id=channel,
                    state=state,
                    shown_count=0,
                    questions=[],
                    comments_enabled=False,
                    slot=now,
                    opens_at=now,
                    closes_at=now,
                )
            )
    upgrade_database(empty_database_url)
    recorded = sa.table(
        "checkin_round",
        sa.column("id", sa.Uuid),
        sa.column("department_id", sa.Uuid),
        sa.column("department_name"),
    )
    with engine.connect() as connection:
        found = {
            row.id: (row.department_id, row.department_name) for row in connection.execute(recorded.select())
        }
    engine.dispose()
    expected = [(engineering, "Eng"), (None, None), (None, None), (None, None)]
    assert found == dict(zip(rounds, expected, strict=True))


def test_rounds_published_before_0020_keep_only_what_their_publication_shows(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0020_published_rounds_shredded deletes what a publication made before it took and does not show,
    as publishing does now (docs/anonymity.md rule 3); a round no publication has taken keeps it all."""
    from slackapp.checkins.models import Comment, Histogram, Round
    from slackapp.database import new_session_factory
    from slackapp.privacy import publish
    from slackapp.privacy.models import PublishedCell
    from tests.org_factories import OrgBuilder

    upgrade_database(empty_database_url)
    downgrade_database(empty_database_url, "0009_publications")
    engine = new_engine(empty_database_url)
    session_factory = new_session_factory(engine)
    org = OrgBuilder(session_factory)
    for channel in ("C0BIG", "C0MID", "C0SMALL"):
        org.team(channel)
    with monkeypatch.context() as before_0020:  # published as Kindred did before: nothing deleted
        before_0020.setattr(publish, "_shred_taken", lambda *args: None)
        org.week(0, {"C0BIG": 10, "C0MID": 6, "C0SMALL": 3}, comment="More focus time please")
        org.publish()
    org.week(1, {"C0SMALL": 3}, comment="Not published yet")

    def left() -> dict[str, tuple[int, int, int | None, int | None]]:
        with session_factory() as session:
            return {
                f"{r.channel_id}:{r.opens_at.date()}": (
                    session.scalar(sa.select(sa.func.count()).where(Histogram.round_id == r.id)) or 0,
                    session.scalar(sa.select(sa.func.count()).where(Comment.round_id == r.id)) or 0,
                    r.respondent_count,
                    r.invited_count,
                )
                for r in session.scalars(sa.select(Round))
            }

    before = left()
    assert before["C0SMALL:2026-09-07"][0] and before["C0SMALL:2026-09-07"][2:] == (3, 5)  # all kept
    with session_factory() as session:
        shown = {
            c.unit.removeprefix("team:"): c.respondents
            for c in session.execute(sa.select(PublishedCell.unit, PublishedCell.respondents))
            if c.unit.startswith("team:")
        }
    upgrade_database(empty_database_url)
    after = left()
    engine.dispose()
    for key, (histograms, comments, respondents, invited) in before.items():
        channel, day = key.split(":")
        if day == "2026-09-14":  # week 1: no publication has taken it
            assert histograms and after[key] == (histograms, comments, respondents, invited)
            continue
        size = shown[channel]
        assert after[key] == (
            0,
            comments if size is not None and size >= 10 else 0,
            respondents if size is not None else None,
            invited if size is not None else None,
        )
    assert after["C0BIG:2026-09-07"][1:3] == (10, 10)  # shown for ten: its comments can be shown
    assert after["C0SMALL:2026-09-07"] == (0, 0, None, None)
