"""HR runs check-ins from the App Home: edit, pause, resume, send a round now, close it now, delete."""

from __future__ import annotations

import calendar
import json

import pytest
from sqlalchemy import func, select

from slackapp.checkins.ids import CheckinAction, CheckinCallback, PulseBlock
from slackapp.checkins.models import Pulse, Round, RoundState
from slackapp.database import SessionFactory
from slackapp.scheduler.worker import Worker
from tests.checkins.test_checkin_story import HR, MEMBERS, TEAM_CHANNEL, pulse_form_values
from tests.conftest import Clock
from tests.factories import answer, weekday_ahead
from tests.slack_requests import SlackRequests, static_select
from tests.slack_standin import BOT_USER_ID, SlackStandIn


@pytest.fixture
def pulse(slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory) -> Pulse:
    slack.add_user(HR, is_admin=True, tz="Europe/London")
    slack.add_channel(TEAM_CHANNEL, members=[*MEMBERS, BOT_USER_ID])
    for member in MEMBERS:
        slack.add_user(member)
    slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, pulse_form_values(), json.dumps({}), user_id=HR
    )
    with session_factory() as session:
        return session.scalars(select(Pulse)).one()


def current(session_factory: SessionFactory) -> Pulse:
    with session_factory() as session:
        return session.scalars(select(Pulse)).one()


def test_creating_a_pulse_schedules_it_and_shows_it_in_the_app_home(
    pulse: Pulse, slack: SlackStandIn
) -> None:
    day = weekday_ahead()
    assert pulse.next_open_at is not None and pulse.next_open_at.weekday() == day
    home = json.dumps(slack.home_views[HR])
    assert f"<#{TEAM_CHANNEL}>" in home
    assert f"every week on {calendar.day_name[day]} at 09:30 (Europe/London)" in home


def test_hr_opens_the_form_for_a_new_pulse_in_their_own_time_zone(
    slack_requests: SlackRequests, slack: SlackStandIn, pulse: Pulse
) -> None:
    slack.add_user(HR, is_admin=True, tz="America/Chicago")
    slack_requests.block_action(CheckinAction.NEW_PULSE, user_id=HR)
    form = json.dumps(slack.calls_to("views.open")[-1].args["view"])
    assert "America/Chicago" in form


def test_hr_edits_a_pulse_and_the_schedule_follows(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory, pulse: Pulse
) -> None:
    slack_requests.block_action(CheckinAction.EDIT_PULSE, str(pulse.id), user_id=HR)
    assert json.loads(slack.calls_to("views.open")[-1].args["view"]["private_metadata"]) == {
        "pulse_id": str(pulse.id)
    }
    values = pulse_form_values()
    values[PulseBlock.WEEKDAY] = {CheckinAction.PULSE_FIELD: static_select("4")}
    reply = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, values, json.dumps({"pulse_id": str(pulse.id)}), user_id=HR
    )
    assert reply.status == 200 and reply.text == ""
    edited = current(session_factory)
    assert edited.weekday == 4 and edited.next_open_at is not None and edited.next_open_at.weekday() == 4


def test_pausing_stops_rounds_and_resuming_schedules_the_next(
    slack_requests: SlackRequests, session_factory: SessionFactory, pulse: Pulse
) -> None:
    slack_requests.block_action(CheckinAction.PAUSE_PULSE, str(pulse.id), user_id=HR)
    paused = current(session_factory)
    assert paused.paused and paused.next_open_at is None
    slack_requests.block_action(CheckinAction.RESUME_PULSE, str(pulse.id), user_id=HR)
    resumed = current(session_factory)
    assert not resumed.paused and resumed.next_open_at is not None


def test_send_now_then_close_now_posts_the_results(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    pulse: Pulse,
    worker: Worker,
    clock: Clock,
) -> None:
    slack_requests.block_action(CheckinAction.SEND_ROUND_NOW, str(pulse.id), user_id=HR)
    assert "Close the open round now" in json.dumps(slack.home_views[HR])
    clock.advance(seconds=1)
    worker.run_once()
    with session_factory() as session:
        round_ = session.scalars(select(Round)).one()
    for member in MEMBERS[:5]:
        answer(session_factory, round_.id, member)

    slack_requests.block_action(CheckinAction.CLOSE_ROUND_NOW, str(pulse.id), user_id=HR)
    with session_factory() as session:
        assert session.get(Round, round_.id).state is RoundState.CLOSED  # type: ignore[union-attr]
    clock.past_the_week()  # the results come with the week's publication
    worker.run_once()
    assert "5 people answered" in slack.successful_calls_to("chat.postMessage")[-1].args["text"]


def test_send_now_twice_is_refused_with_a_reason(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory, pulse: Pulse
) -> None:
    slack_requests.block_action(CheckinAction.SEND_ROUND_NOW, str(pulse.id), user_id=HR)
    slack_requests.block_action(CheckinAction.SEND_ROUND_NOW, str(pulse.id), user_id=HR)
    assert "already has a round open" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 1


def test_deleting_a_pulse_removes_it_from_the_app_home(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory, pulse: Pulse
) -> None:
    slack_requests.block_action(CheckinAction.DELETE_PULSE, str(pulse.id), user_id=HR)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Pulse)) == 0
    assert "No check-ins yet" in json.dumps(slack.home_views[HR])


def test_a_button_for_a_pulse_that_no_longer_exists_says_so(
    slack_requests: SlackRequests, slack: SlackStandIn, pulse: Pulse
) -> None:
    for value in ("00000000-0000-0000-0000-000000000000", "garbage"):
        slack_requests.block_action(CheckinAction.PAUSE_PULSE, value, user_id=HR)
        assert "no longer exists" in json.dumps(slack.calls_to("views.open")[-1].args["view"])


@pytest.mark.parametrize(
    ("channel", "explained"),
    [
        ({"is_member": False}, "Invite @Kindred to that channel first"),
        ({"is_archived": True}, "That channel is archived"),
    ],
)
def test_a_pulse_needs_kindred_in_a_live_channel(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    channel: dict[str, bool],
    explained: str,
) -> None:
    slack.add_user(HR, is_admin=True)
    slack.add_channel(TEAM_CHANNEL, members=MEMBERS, **channel)
    reply = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, pulse_form_values(), json.dumps({}), user_id=HR
    )
    assert reply.json()["response_action"] == "errors"
    assert explained in reply.json()["errors"][PulseBlock.CHANNEL]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Pulse)) == 0


@pytest.mark.parametrize("metadata", ["{{{", json.dumps({"pulse_id": "not-an-id"}), json.dumps([1, 2])])
def test_a_garbled_pulse_form_changes_nothing_before_its_channel_is_checked(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    pulse: Pulse,
    metadata: str,
) -> None:
    """An edit form whose record of the pulse it edits is unreadable is refused with a notice, before
    Slack is asked about its channel; it read as a new form."""
    calls = len(slack.calls)
    reply = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, pulse_form_values(), metadata, user_id=HR
    )
    assert reply.json()["response_action"] == "update"
    assert "out of date" in json.dumps(reply.json()["view"])
    assert "conversations.info" not in [call.method for call in slack.calls[calls:]]  # the channel's check
    with session_factory() as session:
        assert [p.id for p in session.scalars(select(Pulse))] == [pulse.id]
