"""The whole check-in story through signed requests to /slack/events and the Web API stand-in.

HR sets up a pulse in the App Home, a round opens, eight people check in (one of them twice), the
round closes; then we look for the person in every table, every log line and every Slack message.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, select

from slackapp.checkins.ids import (
    COMMENT_BLOCK,
    RESULTS_EVENT,
    CheckinAction,
    CheckinCallback,
    PulseBlock,
    PulseOption,
)
from slackapp.checkins.models import Answer, Histogram, Participation, Pulse, Round, RoundState
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS
from slackapp.database import SessionFactory, utcnow
from slackapp.privacy.gate import published_team_cell
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.factories import weekday_ahead
from tests.slack_requests import (
    EndpointResponse,
    SlackRequests,
    checkboxes,
    conversation,
    radio,
    static_select,
    text,
    timepicker,
)
from tests.slack_standin import BOT_USER_ID, SlackStandIn

HR = "U0HRADMIN"
TEAM_CHANNEL = "C0TEAM"
MEMBERS = [f"U0PERSON{n:02d}" for n in range(1, 11)]


@pytest.fixture
def team(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True, tz="Europe/London", real_name="Hana HR")
    for member in MEMBERS:
        slack.add_user(member, tz="Europe/London")
    slack.add_channel(TEAM_CHANNEL, members=[*MEMBERS, BOT_USER_ID], name="team-platform")


def pulse_form_values(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    action = CheckinAction.PULSE_FIELD
    values: dict[str, dict[str, Any]] = {
        PulseBlock.CHANNEL: {action: conversation(TEAM_CHANNEL)},
        PulseBlock.CADENCE: {action: static_select("weekly")},
        PulseBlock.WEEKDAY: {action: static_select(str(weekday_ahead()))},
        PulseBlock.LOCAL_TIME: {action: timepicker("09:30")},
        PulseBlock.TIMEZONE: {action: text("Europe/London")},
        PulseBlock.OPEN_HOURS: {action: static_select("72")},
        PulseBlock.QUESTIONS: {action: checkboxes([k.value for k in DEFAULT_QUESTION_KEYS])},
        PulseBlock.OPTIONS: {action: checkboxes([PulseOption.COMMENTS, PulseOption.REMINDER])},
    }
    values.update(overrides)
    return values


def answers_form(wellbeing: int, comment: str | None = None, **others: int) -> dict[str, dict[str, Any]]:
    values = {
        key.value: {CheckinAction.ANSWER: radio(str(others.get(key.value, 4)))}
        for key in DEFAULT_QUESTION_KEYS
    }
    values["wellbeing"] = {CheckinAction.ANSWER: radio(str(wellbeing))}
    values[COMMENT_BLOCK] = {CheckinAction.COMMENT: text(comment)}
    return values


def set_up_pulse_and_open_round(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> Round:
    created = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, pulse_form_values(), json.dumps({}), user_id=HR
    )
    assert created.status == 200 and created.text == ""
    with session_factory() as session:
        pulse = session.scalars(select(Pulse)).one()
    sent = slack_requests.block_action(CheckinAction.SEND_ROUND_NOW, str(pulse.id), user_id=HR)
    assert sent.status == 200
    clock.now = max(clock.now, utcnow())  # the round opened on the real clock: its jobs are due now
    clock.advance(seconds=1)
    worker.run_once()
    with session_factory() as session:
        return session.scalars(select(Round)).one()


def submit(
    slack_requests: SlackRequests, round_: Round, user_id: str, form: dict[str, Any]
) -> EndpointResponse:
    return slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, form, json.dumps({"round_id": str(round_.id)}), user_id=user_id
    )


def dump_database(engine: Engine) -> str:
    """Every row of every table, as a database administrator with a full dump would see it."""
    metadata = MetaData()
    metadata.reflect(engine)
    lines: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()):
                lines.append(f"{table.name}: {row!r}")
    return "\n".join(lines)


@pytest.mark.usefixtures("team")
def test_eight_people_check_in_and_nobody_can_trace_an_answer_back(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)

    # The invitation is in the channel, carrying metadata and a button that opens the modal.
    invitation = slack.successful_calls_to("chat.postMessage")[0].args
    assert invitation["channel"] == TEAM_CHANNEL
    assert invitation["metadata"]["event_payload"]["key"] == str(round_.id)
    assert round_.state is RoundState.OPEN and round_.invited_count == len(MEMBERS)

    respondents = MEMBERS[:8]
    for n, person in enumerate(respondents):
        clicked = slack_requests.block_action(
            CheckinAction.OPEN_MODAL, str(round_.id), user_id=person, channel_id=TEAM_CHANNEL
        )
        assert clicked.status == 200
        modal = slack.calls_to("views.open")[-1].args["view"]
        assert modal["callback_id"] == CheckinCallback.ANSWER_MODAL
        reply = submit(slack_requests, round_, person, answers_form(wellbeing=1 + n % 5, comment=f"note {n}"))
        assert reply.json()["response_action"] == "update"
        assert reply.json()["view"]["title"]["text"] == "Thank you"

    # One person submits again (a double click, or a second go): refused kindly, not counted.
    again = submit(slack_requests, round_, respondents[0], answers_form(wellbeing=5))
    assert "already checked in" in json.dumps(again.json()).lower()
    # Opening the modal again says the same instead of offering the form.
    slack_requests.block_action(CheckinAction.OPEN_MODAL, str(round_.id), user_id=respondents[0])
    assert "already checked in" in json.dumps(slack.calls_to("views.open")[-1].args["view"]).lower()

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 8
        assert (
            session.scalar(select(func.count()).select_from(Answer).where(Answer.question_key == "wellbeing"))
            == 8
        )

    # The worker moves the coarse count, skips the reminder once past closing, closes; once the week is
    # over it publishes the week and posts the team's published results.
    clock.advance(hours=73)
    worker.run_once()

    def wellbeing_histogram() -> dict[int, int]:
        with session_factory() as session:
            rows = session.execute(
                select(Histogram.value, Histogram.count).where(Histogram.question_key == "wellbeing")
            )
            return {row.value: row.count for row in rows}

    with session_factory() as session:
        closed = session.get(Round, round_.id)
        assert closed is not None and closed.state is RoundState.CLOSED
        assert closed.respondent_count == 8
        assert closed.secret_ciphertext is None
        assert session.scalar(select(func.count()).select_from(Answer)) == 0
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
    assert wellbeing_histogram() == {1: 2, 2: 2, 3: 2, 4: 1, 5: 1}

    clock.past_the_week()
    worker.run_once()
    # The publication holds the histogram now (the team is shown); the round's own copy is gone.
    with session_factory() as session:
        cell = published_team_cell(session=session, round_id=round_.id)
    assert cell is not None and cell.questions["wellbeing"].counts == (2, 2, 2, 1, 1)
    assert wellbeing_histogram() == {}

    [results] = [
        c.args
        for c in slack.successful_calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_type") == RESULTS_EVENT
    ]
    assert results["channel"] == TEAM_CHANNEL
    assert "8 people answered" in results["text"]
    # No update ever said how many had answered while it was open (the close retires the invitation).
    assert not any("checked in" in json.dumps(c.args) for c in slack.calls_to("chat.update"))

    # A full dump holds no respondent anywhere; nor does any log line or anything sent to Slack but
    # the messages addressed to them.
    dump = dump_database(engine)
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for person in respondents:
        assert person not in dump
        assert person not in log_text
    for call in slack.calls:
        if call.method == "chat.postMessage":
            assert not any(person in json.dumps(call.args) for person in respondents)


@pytest.mark.usefixtures("team")
def test_a_forged_or_stale_submission_gets_401_changes_nothing_and_logs_no_answers(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    caplog.set_level(logging.DEBUG)
    secret_comment = "my manager ignores the on-call rota"
    for sender in (slack_requests.forged(), slack_requests.stale()):
        reply = submit(sender, round_, MEMBERS[0], answers_form(wellbeing=1, comment=secret_comment))
        assert reply.status == 401
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret_comment.split()[1] not in logged
    assert MEMBERS[0] not in logged


@pytest.mark.usefixtures("team")
def test_a_submission_missing_an_answer_is_shown_inline_and_nothing_is_stored(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    form = answers_form(wellbeing=3)
    form["stress"] = {CheckinAction.ANSWER: radio(None)}
    reply = submit(slack_requests, round_, MEMBERS[0], form)
    assert reply.json() == {"response_action": "errors", "errors": {"stress": "Please choose an answer."}}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 0


@pytest.mark.usefixtures("team")
def test_malformed_submissions_get_a_clear_answer_and_store_nothing(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    unknown_round = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL,
        answers_form(3),
        json.dumps({"round_id": "not-a-round"}),
        user_id=MEMBERS[0],
    )
    assert "no longer exists" in unknown_round.text
    garbage_metadata = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL, answers_form(3), "{{{", user_id=MEMBERS[0]
    )
    assert "no longer exists" in garbage_metadata.text
    out_of_scale = answers_form(3)
    out_of_scale["wellbeing"] = {CheckinAction.ANSWER: radio("42")}
    assert "wellbeing" in submit(slack_requests, round_, MEMBERS[0], out_of_scale).json()["errors"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
        assert session.scalar(select(func.count()).select_from(Answer)) == 0


@pytest.mark.usefixtures("team")
def test_a_database_failure_keeps_the_answers_on_screen_for_a_retry(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
    engine: Engine,
) -> None:
    from tests.checkins.test_service import failing_inserts_into

    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    with failing_inserts_into(engine, "checkin_answer"):
        reply = submit(slack_requests, round_, MEMBERS[0], answers_form(wellbeing=2))
    # response_action "errors" keeps the modal, with everything typed, open on the person's screen.
    assert reply.json()["response_action"] == "errors"
    assert "press send again" in json.dumps(reply.json()).lower()
    retry = submit(slack_requests, round_, MEMBERS[0], answers_form(wellbeing=2))
    assert retry.json()["view"]["title"]["text"] == "Thank you"
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 1


@pytest.mark.usefixtures("team")
def test_answers_that_show_a_need_get_private_suggestions_that_are_not_stored(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
    engine: Engine,
) -> None:
    from slackapp.admin.ids import AdminCallback, HelpBlock

    help_form = {
        HelpBlock.NAME: {"admin_help_field": text("Employee Assistance Programme")},
        HelpBlock.URL: {"admin_help_field": text("https://eap.example.com")},
        HelpBlock.PHONE: {"admin_help_field": text("+44 800 123 4567")},
    }
    assert slack_requests.view_submission(AdminCallback.HELP_FORM, help_form, user_id=HR).status == 200
    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    before = dump_database(engine)
    reply = submit(slack_requests, round_, MEMBERS[0], answers_form(wellbeing=1, stress=5, emotional=1))
    shown = json.dumps(reply.json()["view"])
    assert "Employee Assistance Programme" in shown and "+44 800 123 4567" in shown
    assert "Someone to listen" in shown
    after = dump_database(engine)
    written = set(after.splitlines()) - set(before.splitlines())  # the rows the submission wrote
    assert written and not any("Employee Assistance Programme" in row for row in written)
    assert "Someone to listen" not in after

    calm = submit(slack_requests, round_, MEMBERS[1], answers_form(wellbeing=5, stress=1))
    assert "might help" not in json.dumps(calm.json()["view"])


@pytest.mark.usefixtures("team")
def test_someone_who_is_not_an_admin_cannot_create_or_change_a_pulse(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    outsider = MEMBERS[0]
    created = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM, pulse_form_values(), json.dumps({}), user_id=outsider
    )
    assert "Only Kindred admins" in created.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Pulse)) == 0

    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    for action in (CheckinAction.CLOSE_ROUND_NOW, CheckinAction.PAUSE_PULSE, CheckinAction.DELETE_PULSE):
        slack_requests.block_action(action, str(round_.pulse_id), user_id=outsider)
        assert "Only Kindred admins" in json.dumps(slack.calls_to("views.open")[-1].args["view"])
    edited = slack_requests.view_submission(
        CheckinCallback.PULSE_FORM,
        pulse_form_values(),
        json.dumps({"pulse_id": str(round_.pulse_id)}),
        user_id=outsider,
    )
    assert "Only Kindred admins" in edited.text
    with session_factory() as session:
        pulse = session.scalars(select(Pulse)).one()
        assert not pulse.paused
        assert session.get(Round, round_.id).state is RoundState.OPEN  # type: ignore[union-attr]


@pytest.mark.usefixtures("team")
def test_hr_sees_an_invalid_pulse_form_explained_field_by_field(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    values = pulse_form_values()
    values[PulseBlock.TIMEZONE] = {CheckinAction.PULSE_FIELD: text("Moon/Base")}
    values[PulseBlock.QUESTIONS] = {CheckinAction.PULSE_FIELD: checkboxes([])}
    reply = slack_requests.view_submission(CheckinCallback.PULSE_FORM, values, json.dumps({}), user_id=HR)
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {PulseBlock.TIMEZONE, PulseBlock.QUESTIONS}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Pulse)) == 0


@pytest.mark.usefixtures("team")
def test_checkin_command_in_the_channel_opens_the_form_and_elsewhere_lists_open_rounds(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    nothing = slack_requests.command("/checkin", user_id=MEMBERS[0], channel_id="C0ELSEWHERE")
    assert nothing.status == 200
    reply = slack.calls_to("response_url")[-1].args
    assert "no check-in open" in reply["text"]

    round_ = set_up_pulse_and_open_round(slack_requests, slack, worker, clock, session_factory)
    slack_requests.command("/checkin", user_id=MEMBERS[0], channel_id=TEAM_CHANNEL)
    assert slack.calls_to("views.open")[-1].args["view"]["callback_id"] == CheckinCallback.ANSWER_MODAL

    slack.add_user(MEMBERS[0], tz="Europe/London")
    slack_requests.command("/checkin", user_id=MEMBERS[0], channel_id="C0ELSEWHERE")
    listing = json.dumps(slack.calls_to("response_url")[-1].args)
    assert str(round_.id) in listing
    assert slack.calls_to("users.conversations") == []  # from the round's invitees, not a Slack sweep
