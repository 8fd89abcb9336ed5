"""HR deletes all of a workspace's data; another workspace's data stays untouched."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, ForeignKey, func, select

from slackapp.admin.ids import PURGE_BLOCK, AdminAction, AdminCallback
from slackapp.admin.purge import KEPT_TABLES, workspace_tables
from slackapp.admin.service import add_kindred_admin
from slackapp.checkins.models import Histogram, Pulse, Round
from slackapp.checkins.service import close_round, create_pulse, open_round_now
from slackapp.database import Base, SessionFactory, utcnow
from tests.factories import answer, pulse_spec, round_secrets
from tests.slack_requests import SlackRequests, text
from tests.slack_standin import SlackStandIn

HERE, ELSEWHERE = "T0KINDRED", "T0ELSEWHERE"


def test_every_table_belongs_to_a_workspace_or_hangs_off_one_with_cascade() -> None:
    scoped = set(workspace_tables())
    for table in Base.metadata.sorted_tables:
        if table.name in scoped or table.name in KEPT_TABLES:
            continue
        parents = {
            key.column.table.name
            for key in table.foreign_keys
            if isinstance(key, ForeignKey) and key.ondelete == "CASCADE" and not key.parent.nullable
        }
        assert parents & scoped, f"{table.name} would survive a workspace purge"


def seed(session_factory: SessionFactory, workspace: str) -> None:
    with session_factory.begin() as session:
        pulse = create_pulse(
            session=session,
            workspace_id=workspace,
            spec=pulse_spec(f"C0{workspace}"),
            created_by="U0HR",
            now=utcnow(),
        )
        round_ = open_round_now(
            session=session,
            workspace_id=workspace,
            pulse_id=pulse.id,
            now=utcnow(),
            round_secrets=round_secrets(),
        )
        add_kindred_admin(
            session=session, workspace_id=workspace, user_id="U0HR", added_by="U0OWNER", now=utcnow()
        )
    for person in ("U1", "U2"):
        answer(session_factory, round_.id, person)
    with session_factory.begin() as session:
        close_round(session=session, round_id=round_.id, now=utcnow())


@pytest.fixture
def two_workspaces(session_factory: SessionFactory, slack: SlackStandIn) -> None:
    slack.add_user("U0HR", is_admin=True)
    seed(session_factory, HERE)
    seed(session_factory, ELSEWHERE)


def purge_form(word: str) -> dict[str, dict[str, object]]:
    return {PURGE_BLOCK: {AdminAction.PURGE_CONFIRMATION: text(word)}}


@pytest.mark.usefixtures("two_workspaces")
def test_hr_deletes_all_of_the_workspaces_data_and_only_that(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    reply = slack_requests.view_submission(AdminCallback.PURGE_FORM, purge_form("DELETE"), user_id="U0HR")
    assert "is gone" in reply.text
    with session_factory() as session:
        assert {p.workspace_id for p in session.scalars(select(Pulse))} == {ELSEWHERE}
        assert {r.workspace_id for r in session.scalars(select(Round))} == {ELSEWHERE}
        kept = session.scalar(select(func.count()).select_from(Histogram))
    assert kept and kept > 0  # the other workspace's histograms survive, the purged ones cascade away
    with engine.connect() as connection:
        for name in workspace_tables():
            table = Base.metadata.tables[name]
            assert connection.execute(select(func.count()).where(table.c.workspace_id == HERE)).scalar() == 0


@pytest.mark.usefixtures("two_workspaces")
def test_nothing_is_deleted_without_the_confirmation_word_or_by_a_non_admin(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    wrong = slack_requests.view_submission(AdminCallback.PURGE_FORM, purge_form("delete pls"), user_id="U0HR")
    assert wrong.json()["response_action"] == "errors"
    slack.add_user("U0SOMEONE")
    refused = slack_requests.view_submission(
        AdminCallback.PURGE_FORM, purge_form("DELETE"), user_id="U0SOMEONE"
    )
    assert "Only Kindred admins" in refused.text
    slack_requests.block_action(AdminAction.ASK_PURGE, user_id="U0SOMEONE")
    assert "Only Kindred admins" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    with session_factory() as session:
        assert {p.workspace_id for p in session.scalars(select(Pulse))} == {HERE, ELSEWHERE}
