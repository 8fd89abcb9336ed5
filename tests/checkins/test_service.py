"""The check-in service without Slack: counting once, refusing bad input, closing into histograms."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.exc import OperationalError

from slackapp.checkins.models import (
    Answer,
    Comment,
    Histogram,
    Invitee,
    Participation,
    Pulse,
    Round,
    RoundState,
)
from slackapp.checkins.questions import QuestionKey
from slackapp.checkins.service import (
    AlreadyAnswered,
    NotInvited,
    RoundAlreadyOpen,
    RoundNotOpen,
    SubmissionFailed,
    close_round,
    delete_pulse,
    get_round,
    invite_people,
    open_due_rounds,
    open_round_now,
    set_pulse_paused,
    update_pulse,
)
from slackapp.database import SessionFactory, utcnow
from slackapp.errors import InvalidInput
from slackapp.org.service import create_department, delete_department, name_team
from slackapp.privacy.gate import Cell, hidden_text, published_team_cell
from slackapp.privacy.publish import period_end, period_of, publish_due_periods
from tests.conftest import is_postgres
from tests.factories import (
    WORKSPACE,
    answer,
    invite,
    make_open_round,
    make_pulse,
    pulse_spec,
    round_secrets,
    scores,
)


def count(session_factory: SessionFactory, model: Any, **where: Any) -> int:
    with session_factory() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return session.scalar(query) or 0


def published(session_factory: SessionFactory, round_id: Any) -> Cell | None:
    """The worker's publication of the round's week, once the week is over; the round's team cell."""
    with session_factory.begin() as session:
        opened = get_round(session=session, round_id=round_id).opens_at
        publish_due_periods(
            session=session,
            workspace_id=WORKSPACE,
            now=period_end(period_of(opened)),
            min_group_size=5,
            min_comment_group_size=10,
        )
    with session_factory() as session:
        return published_team_cell(session=session, round_id=round_id)


def close(session_factory: SessionFactory, round_id: Any) -> bool:
    with session_factory.begin() as session:
        return close_round(session=session, round_id=round_id, now=utcnow())


def test_each_persons_answers_are_counted_once(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person in ("U1", "U2", "U3"):
        answer(session_factory, round_.id, person)
    assert count(session_factory, Participation, round_id=round_.id) == 3
    assert count(session_factory, Answer, round_id=round_.id) == 3 * 6


def test_a_second_answer_is_refused_and_not_counted(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    answer(session_factory, round_.id, "U1", scores(wellbeing=5))
    with pytest.raises(AlreadyAnswered):
        answer(session_factory, round_.id, "U1", scores(wellbeing=1))
    assert count(session_factory, Answer, round_id=round_.id, question_key="wellbeing") == 1
    assert count(session_factory, Answer, round_id=round_.id, value=1) == 0


@pytest.mark.parametrize(
    ("answers", "comment", "field"),
    [
        (scores(wellbeing=None), None, "wellbeing"),
        (scores(stress=9), None, "stress"),
        (scores(stress=0), None, "stress"),
        ({**scores(), "salary": 3}, None, "salary"),
        (scores(), "x" * 1001, "comment"),
    ],
)
def test_invalid_answers_get_a_clear_error_and_change_nothing(
    session_factory: SessionFactory, answers: dict[str, int | None], comment: str | None, field: str
) -> None:
    round_ = make_open_round(session_factory)
    with pytest.raises(InvalidInput) as refused:
        answer(session_factory, round_.id, "U1", answers, comment=comment)
    assert field in refused.value.errors
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Answer) == 0
    assert count(session_factory, Comment) == 0
    answer(session_factory, round_.id, "U1")  # and the person can still answer properly
    assert count(session_factory, Participation) == 1


def test_a_closed_round_takes_no_answers(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    close(session_factory, round_.id)
    with pytest.raises(RoundNotOpen):
        answer(session_factory, round_.id, "U1")


def test_a_round_past_its_closing_time_takes_no_answers(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    with pytest.raises(RoundNotOpen):
        answer(session_factory, round_.id, "U1", now=round_.closes_at + timedelta(seconds=1))


def test_closing_keeps_histograms_and_erases_everything_row_level(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person, wellbeing in [("U1", 1), ("U2", 3), ("U3", 3), ("U4", 5), ("U5", 5), ("U6", 5)]:
        answer(session_factory, round_.id, person, scores(wellbeing=wellbeing), comment=f"note from {person}")
    with session_factory.begin() as session:
        invite_people(
            session=session,
            round_=session.get(Round, round_.id),
            user_ids=["U7"],
            round_secrets=round_secrets(),
        )

    assert close(session_factory, round_.id) is True

    with session_factory() as session:
        closed = session.get(Round, round_.id)
        assert closed is not None
        assert closed.state is RoundState.CLOSED
        assert closed.secret_ciphertext is None
        assert closed.respondent_count == 6
        wellbeing = dict(
            session.execute(
                select(Histogram.value, Histogram.count).where(
                    Histogram.round_id == round_.id, Histogram.question_key == "wellbeing"
                )
            ).all()
        )
    assert wellbeing == {1: 1, 3: 2, 5: 3}
    assert count(session_factory, Answer) == 0
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Invitee) == 0
    assert count(session_factory, Comment, round_id=round_.id) == 6


def test_closing_twice_changes_nothing(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person in ("U1", "U2"):
        answer(session_factory, round_.id, person)
    assert close(session_factory, round_.id) is True
    assert close(session_factory, round_.id) is False
    assert count(session_factory, Histogram, round_id=round_.id, question_key="wellbeing", value=4) == 1


def test_closing_records_the_department_the_team_is_in_then(session_factory: SessionFactory) -> None:
    placed = make_open_round(session_factory, "C0TEAM")
    lone = make_open_round(session_factory, "C0LONE")
    with session_factory.begin() as session:
        department = create_department(session=session, workspace_id=WORKSPACE, name="Eng", now=utcnow())
        department_id = department.id
        name_team(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            name="Team",
            department_id=department_id,
            now=utcnow(),
        )
    assert close(session_factory, placed.id) and close(session_factory, lone.id)
    with session_factory.begin() as session:  # what HR does later leaves closed rounds alone
        delete_department(session=session, workspace_id=WORKSPACE, department_id=department_id)
    with session_factory() as session:
        recorded = {
            r.channel_id: (r.department_id, r.department_name) for r in session.scalars(select(Round))
        }
    assert recorded == {"C0TEAM": (department_id, "Eng"), "C0LONE": (None, None)}


def test_answer_and_histogram_tables_have_no_column_that_could_name_a_person(engine: Engine) -> None:
    forbidden = ("user", "slack", "email", "name", "created", "updated", "time", "at")
    inspector = inspect(engine)
    for table in ("checkin_answer", "checkin_comment", "checkin_histogram", "checkin_participation"):
        for column in inspector.get_columns(table):
            parts = column["name"].split("_")
            assert not any(word in parts for word in forbidden), f"{table}.{column['name']}"


def test_results_are_hidden_below_the_minimum_group_size(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person in ("U1", "U2", "U3", "U4"):
        answer(session_factory, round_.id, person)
    close(session_factory, round_.id)
    cell = published(session_factory, round_.id)
    assert cell is not None and cell.respondents is None and cell.questions == {}
    assert cell.reason == hidden_text(5)


def test_results_show_team_averages_at_the_minimum_group_size(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person, wellbeing in [("U1", 1), ("U2", 2), ("U3", 3), ("U4", 4), ("U5", 5)]:
        answer(session_factory, round_.id, person, scores(wellbeing=wellbeing))
    close(session_factory, round_.id)
    cell = published(session_factory, round_.id)
    assert cell is not None and cell.respondents == 5
    assert cell.questions["wellbeing"].mean == pytest.approx(3.0)
    assert cell.questions["wellbeing"].counts == (1, 1, 1, 1, 1)


@contextmanager
def failing_inserts_into(engine: Engine, table: str) -> Iterator[None]:
    """Make the database refuse writes to one table, as a dropped connection would."""

    def refuse(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if "INSERT INTO " + table.upper() in statement.upper():
            raise OperationalError(statement, {}, Exception("connection lost"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("table", ["checkin_answer", "checkin_comment"])
def test_a_failed_write_keeps_nothing_and_the_person_can_retry(
    session_factory: SessionFactory, engine: Engine, table: str
) -> None:
    round_ = make_open_round(session_factory)
    with failing_inserts_into(engine, table), pytest.raises(SubmissionFailed):
        answer(session_factory, round_.id, "U1", comment="more people on call please")
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Answer) == 0
    assert count(session_factory, Comment) == 0

    answer(session_factory, round_.id, "U1", comment="more people on call please")
    assert count(session_factory, Participation) == 1
    assert count(session_factory, Answer) == 6
    assert count(session_factory, Comment) == 1


def test_editing_a_pulse_never_changes_what_past_rounds_asked(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    with session_factory.begin() as session:
        update_pulse(
            session=session,
            workspace_id=WORKSPACE,
            pulse_id=round_.pulse_id,  # type: ignore[arg-type]
            spec=pulse_spec(question_keys=(QuestionKey.WELLBEING,)),
            now=utcnow(),
        )
    with session_factory() as session:
        kept = session.get(Round, round_.id)
        assert kept is not None
        assert [q["key"] for q in kept.questions] == [
            "wellbeing",
            "stress",
            "emotional",
            "practical",
            "advice",
            "belonging",
        ]


def test_deleting_a_pulse_keeps_its_past_results(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    for person in ("U1", "U2", "U3", "U4", "U5"):
        answer(session_factory, round_.id, person)
    close(session_factory, round_.id)
    with session_factory.begin() as session:
        delete_pulse(session=session, workspace_id=WORKSPACE, pulse_id=round_.pulse_id)  # type: ignore[arg-type]
    assert count(session_factory, Pulse) == 0
    cell = published(session_factory, round_.id)
    assert cell is not None and cell.respondents == 5


def test_an_invalid_pulse_is_refused_field_by_field(session_factory: SessionFactory) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_pulse(session_factory, timezone="Mars/Olympus", open_hours=0, question_keys=())
    assert set(refused.value.errors) == {"timezone", "open_hours", "question_keys"}
    assert count(session_factory, Pulse) == 0


def test_one_pulse_per_channel(session_factory: SessionFactory) -> None:
    make_pulse(session_factory, "C0TEAM")
    with pytest.raises(InvalidInput) as refused:
        make_pulse(session_factory, "C0TEAM")
    assert "channel_id" in refused.value.errors


def test_send_now_is_refused_while_a_round_is_open(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    with session_factory.begin() as session, pytest.raises(RoundAlreadyOpen):
        open_round_now(
            session=session,
            workspace_id=WORKSPACE,
            pulse_id=round_.pulse_id,  # type: ignore[arg-type]
            now=utcnow(),
            round_secrets=round_secrets(),
        )


def test_due_pulses_open_one_round_per_slot_and_paused_ones_none(session_factory: SessionFactory) -> None:
    now = utcnow()
    active = make_pulse(session_factory, "C0ACTIVE", now=now - timedelta(days=8))
    paused = make_pulse(session_factory, "C0PAUSED", now=now - timedelta(days=8))
    with session_factory.begin() as session:
        set_pulse_paused(session=session, workspace_id=WORKSPACE, pulse_id=paused.id, paused=True, now=now)

    assert open_due_rounds(session_factory=session_factory, now=now, round_secrets=round_secrets()) == 1
    assert open_due_rounds(session_factory=session_factory, now=now, round_secrets=round_secrets()) == 0
    assert count(session_factory, Round, pulse_id=active.id) == 1
    assert count(session_factory, Round, pulse_id=paused.id) == 0
    with session_factory() as session:
        pulse = session.get(Pulse, active.id)
        assert pulse is not None and pulse.next_open_at is not None and pulse.next_open_at > now


def test_only_the_invited_answer_and_an_outsider_writes_nothing(session_factory: SessionFactory) -> None:
    round_ = make_open_round(session_factory)
    with session_factory.begin() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None
        # Given twice, and U2 twice: each person is one invitee.
        assert (
            invite_people(
                session=session, round_=stored, user_ids=["U1", "U2", "U2"], round_secrets=round_secrets()
            )
            == 2
        )
        assert (
            invite_people(
                session=session, round_=stored, user_ids=["U2", "U3"], round_secrets=round_secrets()
            )
            == 3
        )
    answer(session_factory, round_.id, "U1", invite_first=False)
    with pytest.raises(NotInvited):
        answer(session_factory, round_.id, "U9", comment="let me in", invite_first=False)
    assert count(session_factory, Participation) == 1
    assert count(session_factory, Answer) == len(scores())
    assert count(session_factory, Comment) == 0
    with session_factory() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None and stored.invited_count == 3
    assert count(session_factory, Invitee, round_id=round_.id) == 3


def test_invitees_are_stored_in_the_order_of_their_hashes_not_of_the_channel(
    session_factory: SessionFactory, engine: Engine
) -> None:
    """A table's physical order follows insertion; Slack's order of a channel's members is public."""
    round_ = make_open_round(session_factory)
    members = [f"U{n:03d}" for n in range(40)]
    with session_factory.begin() as session:
        stored = session.get(Round, round_.id)
        assert stored is not None
        invite_people(session=session, round_=stored, user_ids=members, round_secrets=round_secrets())
        by_channel_order = [round_secrets().voter_hash(stored.secret_ciphertext or b"", m) for m in members]
    physical = "ctid" if is_postgres() else "rowid"
    with engine.connect() as connection:
        stored_order = list(
            connection.scalars(text(f"SELECT voter_hash FROM checkin_invitee ORDER BY {physical}"))
        )
    assert [bytes(h) for h in stored_order] == sorted(by_channel_order)
    assert sorted(by_channel_order) != by_channel_order


postgres_only = pytest.mark.skipif(not is_postgres(), reason="transaction ids and row locks are PostgreSQL's")


@postgres_only
def test_ledger_scores_and_comment_are_written_in_three_transactions(
    session_factory: SessionFactory, engine: Engine
) -> None:
    """Rows written in one transaction share its id (xmin), which would tie the answers to the ledger."""
    round_ = make_open_round(session_factory)
    answer(session_factory, round_.id, "U1", comment="more people on call please")
    with engine.connect() as connection:
        ledger, scores_, comment = (
            set(connection.scalars(text(f"SELECT xmin::text FROM {table}")))
            for table in ("checkin_participation", "checkin_answer", "checkin_comment")
        )
    assert len(ledger) == len(scores_) == len(comment) == 1
    assert len(ledger | scores_ | comment) == 3


@postgres_only
@pytest.mark.parametrize("comment", ["more people on call please", None])
def test_an_answer_is_on_disk_when_it_is_acknowledged_and_only_its_last_commit_waited(
    session_factory: SessionFactory, engine: Engine, comment: str | None
) -> None:
    """Each INSERT's commit, looked at the moment it returns: is the server's WAL flushed up to where it
    was written? The last must be (what is acknowledged is on disk); the earlier ones need not wait, since
    WAL is flushed in order. Over five people, by majority: another backend's WAL written in the instant
    between a commit and the look would read as unflushed."""
    round_ = make_open_round(session_factory)
    flushed: list[list[bool]] = []
    with engine.connect() as observer:

        def look(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().startswith("WITH open_round"):
                wal = observer.execute(
                    text("SELECT pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn()")
                )
                flushed[-1].append(bool(wal.scalar()))

        event.listen(engine, "after_cursor_execute", look)
        try:
            for person in ("U1", "U2", "U3", "U4", "U5"):
                invite(session_factory, round_.id, person)
                flushed.append([])
                answer(session_factory, round_.id, person, comment=comment, invite_first=False)
        finally:
            event.remove(engine, "after_cursor_execute", look)

    by_majority = [sum(commits) >= 3 for commits in zip(*flushed, strict=True)]
    assert by_majority == ([False, False, True] if comment else [False, True])
    assert count(session_factory, Participation) == 5
    assert count(session_factory, Answer) == 5 * len(scores())


@postgres_only
def test_an_answer_that_waited_for_the_round_to_close_is_refused_and_leaves_nothing(
    session_factory: SessionFactory, engine: Engine
) -> None:
    round_ = make_open_round(session_factory)
    answer(session_factory, round_.id, "U1")
    outcome: list[BaseException | None] = []

    def answer_late() -> None:
        try:
            answer(session_factory, round_.id, "U2", comment="late but honest")
            outcome.append(None)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    with session_factory.begin() as closing:
        assert close_round(session=closing, round_id=round_.id, now=utcnow())
        late = threading.Thread(target=answer_late)
        late.start()
        wait_until_blocked_on_a_lock(engine)
    late.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], RoundNotOpen)
    assert count(session_factory, Participation) == 0
    assert count(session_factory, Answer) == 0
    assert count(session_factory, Comment) == 0
    with session_factory() as session:
        assert session.get_one(Round, round_.id).respondent_count == 1


def wait_until_blocked_on_a_lock(engine: Engine) -> None:
    with engine.connect() as connection:
        for _ in range(300):
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the late answer never waited for the closing round")
