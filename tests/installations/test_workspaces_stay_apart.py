"""Two workspaces on one Kindred: nothing of one is visible to or changeable from the other."""

from __future__ import annotations

import json

from sqlalchemy import select

from slackapp.admin.service import add_kindred_admin, is_kindred_admin
from slackapp.checkins.ids import CheckinAction, CheckinCallback
from slackapp.checkins.models import Pulse, Round, RoundState
from slackapp.checkins.service import close_round, create_pulse, open_round_now
from slackapp.database import SessionFactory, utcnow
from slackapp.privacy.gate import Gate, PrivacyRules
from slackapp.privacy.publish import period_end, period_of, publish_due_periods
from slackapp.privacy.scope import Viewer
from tests.checkins.test_checkin_story import answers_form
from tests.factories import answer, pulse_spec, round_secrets
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn

OURS, THEIRS = "T0KINDRED", "T0THEIRS"


def seed_other_workspace(session_factory: SessionFactory) -> Round:
    with session_factory.begin() as session:
        pulse = create_pulse(
            session=session,
            workspace_id=THEIRS,
            spec=pulse_spec("C0THEIRS"),
            created_by="U0THEIRHR",
            now=utcnow(),
        )
        add_kindred_admin(
            session=session, workspace_id=THEIRS, user_id="U0THEIRHR", added_by="U0X", now=utcnow()
        )
        round_ = open_round_now(
            session=session,
            workspace_id=THEIRS,
            pulse_id=pulse.id,
            now=utcnow(),
            round_secrets=round_secrets(),
        )
    return round_


def test_our_people_cannot_see_answer_or_change_another_workspaces_check_ins(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    theirs = seed_other_workspace(session_factory)
    slack.add_user("U0OURHR", is_admin=True)
    # Our admin pressing buttons with their ids finds nothing to act on.
    for action in (CheckinAction.PAUSE_PULSE, CheckinAction.CLOSE_ROUND_NOW, CheckinAction.DELETE_PULSE):
        slack_requests.block_action(action, str(theirs.pulse_id), user_id="U0OURHR", team_id=OURS)
        assert "no longer exists" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    # Our people cannot open or answer their round.
    slack_requests.block_action(CheckinAction.OPEN_MODAL, str(theirs.id), user_id="U0OURS", team_id=OURS)
    assert "no longer exists" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    reply = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, answers_form(3), json.dumps({"round_id": str(theirs.id)}), team_id=OURS
    )
    assert "no longer exists" in reply.text
    with session_factory() as session:
        pulse = session.scalars(select(Pulse)).one()
        assert not pulse.paused and session.get(Round, theirs.id).state is not RoundState.CLOSED  # type: ignore[union-attr]
        # Their admin role means nothing here.
        assert not is_kindred_admin(session=session, workspace_id=OURS, user_id="U0THEIRHR")


def test_our_hr_dashboard_holds_nothing_of_another_workspace(session_factory: SessionFactory) -> None:
    theirs = seed_other_workspace(session_factory)
    for person in ("U1", "U2", "U3", "U4", "U5", "U6"):
        answer(session_factory, theirs.id, person)
    with session_factory.begin() as session:
        close_round(session=session, round_id=theirs.id, now=utcnow())
    with session_factory.begin() as session:  # the worker publishes each workspace's week once it is over
        for workspace in (OURS, THEIRS):
            publish_due_periods(
                session=session,
                workspace_id=workspace,
                now=period_end(period_of(theirs.opens_at)),
                min_group_size=5,
                min_comment_group_size=10,
            )
    with session_factory() as session:
        ours = Gate(
            session=session, viewer=Viewer(OURS, "U0OURHR", everything=True), rules=PrivacyRules(5, 10)
        )
        assert ours.latest_period() is None
        assert all("THEIRS" not in ours.name(unit) for unit in ours.units())
        theirs_gate = Gate(
            session=session, viewer=Viewer(THEIRS, "U0THEIRHR", everything=True), rules=PrivacyRules(5, 10)
        )
        assert theirs_gate.latest_period() is not None
