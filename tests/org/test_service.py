"""The org structure without Slack: teams are pulse channels, departments group them, managers see them."""

from __future__ import annotations

import pytest

from slackapp.database import SessionFactory
from slackapp.errors import NotFound
from slackapp.org.service import (
    create_department,
    delete_department,
    load_org,
    name_team,
    set_department_managers,
    set_team_managers,
    with_channels,
)
from tests.factories import HR_ADMIN, WORKSPACE, make_pulse
from tests.org_factories import week


def test_every_pulse_channel_is_a_team_even_before_it_is_named(session_factory: SessionFactory) -> None:
    make_pulse(session_factory, "C0PAY")
    with session_factory() as session:
        org = load_org(session=session, workspace_id=WORKSPACE)
    assert org.teams["C0PAY"].name == "#C0PAY" and not org.teams["C0PAY"].named
    assert "C0GONE" in with_channels(org, ["C0GONE"]).teams


def test_deleting_a_department_keeps_its_teams_and_drops_its_managers(
    session_factory: SessionFactory,
) -> None:
    make_pulse(session_factory, "C0PAY")
    with session_factory.begin() as session:
        finance = create_department(session=session, workspace_id=WORKSPACE, name="Finance", now=week(0))
        name_team(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0PAY",
            name="Payments",
            department_id=finance.id,
            now=week(0),
        )
        set_department_managers(
            session=session,
            workspace_id=WORKSPACE,
            department_id=finance.id,
            user_ids=["U0HEAD"],
            assigned_by=HR_ADMIN,
            now=week(0),
        )
        set_team_managers(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0PAY",
            user_ids=["U0LEAD"],
            assigned_by=HR_ADMIN,
            now=week(0),
        )
    with session_factory.begin() as session:
        delete_department(session=session, workspace_id=WORKSPACE, department_id=finance.id)
    with session_factory() as session:
        org = load_org(session=session, workspace_id=WORKSPACE)
    assert org.departments == {}
    assert org.teams["C0PAY"].name == "Payments" and org.teams["C0PAY"].department_id is None
    assert org.managed_departments == {}
    assert org.managed_teams == {"U0LEAD": {"C0PAY"}}


def test_a_department_in_another_workspace_cannot_be_used(session_factory: SessionFactory) -> None:
    make_pulse(session_factory, "C0PAY")
    with session_factory.begin() as session:
        elsewhere = create_department(session=session, workspace_id="T0OTHER", name="Theirs", now=week(0))
    with pytest.raises(NotFound), session_factory.begin() as session:
        name_team(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0PAY",
            name="Payments",
            department_id=elsewhere.id,
            now=week(0),
        )
