"""What a web process keeps between check-in submissions never decides for the database.

Through signed requests where it matters (a round closed by another process, a failed read), and on
`Intake` itself with a clock we move for how long it keeps HR's data.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from slackapp.admin.service import HelpContact, set_help_contact
from slackapp.checkins.ids import CheckinCallback
from slackapp.checkins.intake import HR_DATA_TTL, ROUND_TTL, Intake
from slackapp.checkins.listeners import SAVE_FAILED
from slackapp.checkins.models import Answer, Histogram, Participation, Round
from slackapp.checkins.service import RoundNotOpen, close_round
from slackapp.database import SessionFactory, utcnow
from tests.checkins.test_checkin_story import answers_form
from tests.factories import HR_ADMIN, WORKSPACE, invite, make_open_round
from tests.resource_factories import make_entry, professional_spec
from tests.slack_requests import SlackRequests


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def count(session_factory: SessionFactory, model: Any) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def submit(slack_requests: SlackRequests, round_id: uuid.UUID, user_id: str, **scores: int) -> Any:
    reply = slack_requests.view_submission(
        CheckinCallback.ANSWER_MODAL,
        answers_form(scores.pop("wellbeing", 4), **scores),
        json.dumps({"round_id": str(round_id)}),
        user_id=user_id,
    )
    assert reply.status == 200
    return reply.json()


@contextmanager
def failing_reads_of(engine: Engine, table: str) -> Iterator[None]:
    """Make the database refuse reads of one table, as a dropped connection would."""

    def refuse(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table.upper()}" in statement.upper():
            raise OperationalError(statement, {}, Exception("connection lost"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def test_a_round_closed_by_another_process_takes_no_answer_though_this_one_kept_it(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U0FIRST", "U0SECOND", "U0THIRD")
    assert submit(slack_requests, round_.id, "U0FIRST")["view"]["title"]["text"] == "Thank you"

    # The worker (another process) closes the round while this web process still holds its facts.
    with session_factory.begin() as session:
        assert close_round(session=session, round_id=round_.id, now=utcnow())

    late = submit(slack_requests, round_.id, "U0SECOND")
    assert late["response_action"] == "update"
    assert late["view"]["title"]["text"] == "This check-in has closed"
    # Read again from the database next time: still closed, still nothing written.
    later = submit(slack_requests, round_.id, "U0THIRD")
    assert later["view"]["title"]["text"] == "This check-in has closed"
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Answer) == 0
    with session_factory() as session:
        closed = session.get(Round, round_.id)
        assert closed is not None and closed.respondent_count == 1
        counted = session.scalar(
            select(func.sum(Histogram.count)).where(
                Histogram.round_id == round_.id, Histogram.question_key == "wellbeing"
            )
        )
    assert counted == 1


def test_a_database_failure_while_reading_the_round_keeps_the_answers_on_screen(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U0FIRST")
    with failing_reads_of(engine, "checkin_round"):
        failed = submit(slack_requests, round_.id, "U0FIRST")
    assert failed["response_action"] == "errors"
    assert list(failed["errors"].values()) == [SAVE_FAILED]
    assert count(session_factory, Participation) == 0

    retry = submit(slack_requests, round_.id, "U0FIRST")
    assert retry["view"]["title"]["text"] == "Thank you"
    assert count(session_factory, Participation) == 1


def test_a_database_failure_while_reading_the_help_contact_writes_nothing(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U0FIRST")
    with failing_reads_of(engine, "professional_help"):
        failed = submit(slack_requests, round_.id, "U0FIRST", wellbeing=1)  # a need: the contact is read
    assert failed["response_action"] == "errors"
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Answer) == 0


def test_hr_edits_reach_a_process_within_the_ttl(session_factory: SessionFactory) -> None:
    ticks = Ticks()
    intake = Intake(clock=ticks)

    def save_contact(name: str) -> None:
        with session_factory.begin() as session:
            set_help_contact(
                session=session,
                workspace_id=WORKSPACE,
                contact=HelpContact(name=name, url="https://eap.example.com", phone=None),
                updated_by=HR_ADMIN,
                now=utcnow(),
            )

    assert intake.help_contact(session_factory, workspace_id=WORKSPACE) is None
    assert intake.directory(session_factory, workspace_id=WORKSPACE).professional == ()
    save_contact("Employee Assistance Programme")
    make_entry(session_factory, professional_spec("Samaritans", regions=("GB",)))

    ticks.now += HR_DATA_TTL - 1
    assert intake.help_contact(session_factory, workspace_id=WORKSPACE) is None
    ticks.now += 1
    contact = intake.help_contact(session_factory, workspace_id=WORKSPACE)
    assert contact is not None and contact.name == "Employee Assistance Programme"
    directory = intake.directory(session_factory, workspace_id=WORKSPACE)
    assert [item.suggestion.title for item in directory.professional] == ["Samaritans"]
    assert directory.ranks_by_region  # so the person's own region is read for this directory


def test_a_kept_round_is_read_again_after_its_ttl_and_never_across_workspaces(
    session_factory: SessionFactory,
) -> None:
    ticks = Ticks()
    intake = Intake(clock=ticks)
    round_ = make_open_round(session_factory)
    now = utcnow()
    kept = intake.round(session_factory, workspace_id=WORKSPACE, round_id=round_.id, now=now)
    assert kept is not None and kept.id == round_.id
    assert intake.round(session_factory, workspace_id="T0OTHER", round_id=round_.id, now=now) is None
    assert intake.round(session_factory, workspace_id=WORKSPACE, round_id=uuid.uuid4(), now=now) is None

    with session_factory.begin() as session:
        close_round(session=session, round_id=round_.id, now=now)
    # Kept facts are not the authority (the writes check the database), and they do not outlive the TTL.
    assert intake.round(session_factory, workspace_id=WORKSPACE, round_id=round_.id, now=now) == kept
    ticks.now += ROUND_TTL
    with pytest.raises(RoundNotOpen):
        intake.round(session_factory, workspace_id=WORKSPACE, round_id=round_.id, now=now)


def test_an_uninvited_person_during_a_database_failure_keeps_their_answers_and_nothing_is_written(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U0FIRST")
    assert submit(slack_requests, round_.id, "U0FIRST")["view"]["title"]["text"] == "Thank you"
    with failing_reads_of(engine, "checkin_round"):  # the round is kept; telling why it refused fails
        failed = submit(slack_requests, round_.id, "U0OUTSIDER")
    assert failed["response_action"] == "errors"
    assert list(failed["errors"].values()) == [SAVE_FAILED]
    assert count(session_factory, Participation) == 1

    refused = submit(slack_requests, round_.id, "U0OUTSIDER")
    assert refused["view"]["title"]["text"] == "Not your check-in"
    assert count(session_factory, Participation) == 1


def test_a_submission_is_written_on_the_request_thread_and_other_listeners_on_bolts_pool(
    slack_requests: SlackRequests, session_factory: SessionFactory, engine: Engine
) -> None:
    """The submission acknowledges as its last step, so it skips Bolt's hand-off to a listener thread."""
    round_ = make_open_round(session_factory)
    invite(session_factory, round_.id, "U0FIRST")
    threads: list[str] = []

    def note_thread(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        threads.append(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", note_thread)
    try:
        assert submit(slack_requests, round_.id, "U0FIRST")["view"]["title"]["text"] == "Thank you"
        during_submission = set(threads)
        threads.clear()
        slack_requests.command("/checkin", user_id="U0FIRST", channel_id="C0TEAM")  # any other listener
    finally:
        event.remove(engine, "before_cursor_execute", note_thread)
    assert during_submission == {threading.current_thread().name}
    # (Its fair-use count is global middleware, on the request thread; its listener's reads on the pool.)
    assert any(name.startswith("bolt-listener") for name in threads)
    assert count(session_factory, Participation) == 1
