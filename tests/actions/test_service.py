"""Recording "you said, we did" notes."""

from __future__ import annotations

import pytest

from slackapp.actions.service import latest_action, list_actions, record_action
from slackapp.database import SessionFactory
from slackapp.errors import InvalidInput
from tests.factories import WORKSPACE
from tests.org_factories import week


def test_a_note_is_kept_for_the_team_and_week_and_the_latest_is_the_one_to_repeat(
    session_factory: SessionFactory,
) -> None:
    with session_factory.begin() as session:
        for n, body in enumerate(("Fewer meetings on Mondays.", "  A second on-call person.  ")):
            record_action(
                session=session,
                workspace_id=WORKSPACE,
                channel_id="C0PAY",
                week=week(n).date(),
                body=body,
                written_by="U0MANAGER",
                now=week(n),
            )
    with session_factory() as session:
        notes = list_actions(session=session, workspace_id=WORKSPACE, channel_id="C0PAY")
        latest = latest_action(session=session, workspace_id=WORKSPACE, channel_id="C0PAY")
        assert latest_action(session=session, workspace_id=WORKSPACE, channel_id="C0OTHER") is None
    assert [n.body for n in notes] == ["Fewer meetings on Mondays.", "A second on-call person."]
    assert latest is not None and latest.week == week(1).date()


@pytest.mark.parametrize("body", ["", "   ", "x" * 1001])
def test_an_empty_or_overlong_note_is_refused(session_factory: SessionFactory, body: str) -> None:
    with pytest.raises(InvalidInput) as refused, session_factory.begin() as session:
        record_action(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0PAY",
            week=week(0).date(),
            body=body,
            written_by="U0MANAGER",
            now=week(0),
        )
    assert "note" in refused.value.errors
