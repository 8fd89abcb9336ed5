"""Rounds over time: silence leads to a kind pause and a one-click way back; follow-up answers count;
the dashboard's numbers come out in steps of the minimum group size."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from slackapp.cadence.schedule import Cadence
from slackapp.database import SessionFactory
from slackapp.pairing.ids import PairingAction
from slackapp.pairing.models import Group, GroupMember, Outcome, PairingRound, Profile, Programme
from slackapp.pairing.service import (
    Directory,
    Preferences,
    ProgrammeSpec,
    close_round,
    create_programme,
    leave,
    make_groups,
    mark_met,
    record_outcome,
    save_preferences,
    start_due_rounds,
)
from slackapp.pairing.stats import RoundFigures, pairing_figures
from slackapp.privacy.suppression import Step
from slackapp.scheduler.worker import Worker
from slackapp.support import SupportKind
from tests.conftest import Clock, is_postgres
from tests.interleave import on_statement
from tests.slack_requests import SlackRequests
from tests.slack_standin import BOT_USER_ID, SlackStandIn

WORKSPACE = "T0KINDRED"
CHANNEL = "C0PEERS"


def programme(session_factory: SessionFactory, now: datetime, channel: str = CHANNEL) -> str:
    with session_factory.begin() as session:
        created = create_programme(
            session=session,
            workspace_id=WORKSPACE,
            spec=ProgrammeSpec(channel, Cadence.WEEKLY, 2, "10:00", "Europe/London"),
            created_by="U0HRADMIN",
            now=now,
        )
        return str(created.id)


def opt_in(
    session_factory: SessionFactory,
    people: list[str],
    programme_id: str,
    now: datetime,
    *,
    skipping: int = 0,
) -> None:
    """`people` opt in, the first `skipping` of them asking to skip the next round."""
    import uuid

    with session_factory.begin() as session:
        for person in people:
            save_preferences(
                session=session,
                workspace_id=WORKSPACE,
                user_id=person,
                preferences=Preferences(
                    seeks=frozenset({SupportKind.EMOTIONAL}),
                    offers=frozenset({SupportKind.ADVICE}),
                    skip_next_round=person in people[:skipping],
                ),
                programme_ids=[uuid.UUID(programme_id)],
                now=now,
                today=now.date(),
            )


@pytest.fixture
def four_people(slack: SlackStandIn) -> list[str]:
    people = [f"U0QUIET{n}" for n in range(4)]
    for person in people:
        slack.add_user(person)
    slack.add_channel(CHANNEL, members=[*people, BOT_USER_ID])
    return people


def test_three_unanswered_introductions_in_a_row_pause_kindly_and_one_click_brings_you_back(
    four_people: list[str],
    slack: SlackStandIn,
    slack_requests: SlackRequests,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, four_people, programme_id, clock.now)
    talker = four_people[0]

    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)
    worker.run_once()  # round 1
    for _ in range(2):  # rounds 2 and 3; in round 3 one person answers the follow-up
        clock.advance(days=7)
        worker.run_once()
    with session_factory() as session:
        third = session.scalars(select(PairingRound).where(PairingRound.number == 3)).one()
        group_id = session.scalars(
            select(GroupMember.group_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.round_id == third.id, GroupMember.user_id == talker)
        ).one()
    clock.advance(days=6)
    worker.run_once()  # the follow-up of round 3
    follow_ups = [
        c.args for c in slack.successful_calls_to("chat.postMessage") if "How did it go" in c.args["text"]
    ]
    assert follow_ups
    answered = slack_requests.block_action(PairingAction.OUTCOME_NOT_YET, str(group_id), user_id=talker)
    assert answered.status == 200

    clock.advance(days=1)
    worker.run_once()  # round 3 closes: three quiet rounds for everyone but the talker

    quiet = four_people[1:]
    paused_notes = [
        c.args
        for c in slack.successful_calls_to("chat.postMessage")
        if "paused your peer-support" in c.args["text"]
    ]
    assert sorted(n["channel"] for n in paused_notes) == quiet
    assert all(PairingAction.COME_BACK in json.dumps(n["blocks"]) for n in paused_notes)
    with session_factory() as session:
        assert session.get(Profile, (WORKSPACE, talker)).paused_for_silence is False  # type: ignore[union-attr]
        fourth = session.scalars(select(PairingRound).where(PairingRound.number == 4)).one()
        assert fourth.matched_count == 0  # nobody is matched with a silent partner

    slack_requests.block_action(PairingAction.COME_BACK, "1", user_id=quiet[0], channel_id="D0QUIET")
    assert "Welcome back" in slack.calls_to("chat.postMessage")[-1].args["text"]
    with session_factory() as session:
        back = session.get(Profile, (WORKSPACE, quiet[0]))
        assert back is not None and back.paused_for_silence is False and back.unanswered_in_a_row == 0


@pytest.mark.skipif(
    not is_postgres(), reason="SQLite serialises writers: a close reads the profiles after its first write"
)
def test_two_programmes_closing_at_once_each_count_their_silence(
    slack: SlackStandIn, worker: Worker, engine: Engine, clock: Clock, session_factory: SessionFactory
) -> None:
    """Two people are paired in two programmes whose rounds close at the same moment, on two workers.
    Each close read the profiles, then wrote back the count it read plus one: the second close to commit
    undid the first's step, and silence took more rounds than promised to pause anyone. The other close
    is made to commit between this close reading the profiles and writing them, at the database."""
    people = ["U0SILENTA", "U0SILENTB"]
    for person in people:
        slack.add_user(person)
    channels = [CHANNEL, "C0PEERSTWO"]
    programme_ids = []
    for channel in channels:
        slack.add_channel(channel, members=[*people, BOT_USER_ID])
        programme_ids.append(programme(session_factory, clock.now, channel))
    with session_factory.begin() as session:
        for person in people:
            save_preferences(
                session=session,
                workspace_id=WORKSPACE,
                user_id=person,
                preferences=Preferences(
                    seeks=frozenset({SupportKind.EMOTIONAL}), offers=frozenset({SupportKind.ADVICE})
                ),
                programme_ids=[uuid.UUID(p) for p in programme_ids],
                now=clock.now,
                today=clock.now.date(),
            )
        first_slot = session.scalars(select(Programme.next_round_at)).first()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)
    worker.run_once()  # both rounds are matched and introduced
    with session_factory() as session:
        this_round, other_round = (
            session.scalars(select(PairingRound.id).where(PairingRound.programme_id == uuid.UUID(p))).one()
            for p in programme_ids
        )
        assert session.scalar(select(func.count()).select_from(Group)) == 2
    closed: list[list[str]] = []
    injected: list[bool] = []

    def other_closes_first(statement: str, _parameters: Any) -> None:
        if injected or not statement.startswith("UPDATE pairing_profile"):
            return
        injected.append(True)  # once: the other close writes the profiles too
        with session_factory.begin() as session:  # another worker's close, committed before this write
            closed.append(close_round(session=session, round_id=other_round))

    with on_statement(engine, other_closes_first), session_factory.begin() as session:
        close_round(session=session, round_id=this_round)
    assert closed == [[]]

    with session_factory() as session:
        counts = {p.user_id: p.unanswered_in_a_row for p in session.scalars(select(Profile))}
    assert counts == dict.fromkeys(people, 2)


def test_someone_leaving_as_their_round_is_matched_is_in_no_group_and_introduced_to_nobody(
    four_people: list[str],
    slack: SlackStandIn,
    worker: Worker,
    engine: Engine,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    """Someone leaves peer support (their pairing data deleted) while a worker matches the round. The
    worker had read who takes part, then wrote the groups: the leaver was written back into one, after
    their data was deleted, and introduced. Their leave is made to start just after the worker read the
    profiles, at the database; it goes through once the worker lets it (a row lock, or SQLite's one
    writer) and takes the new group membership with it."""
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, four_people, programme_id, clock.now)
    leaver = four_people[0]
    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)
    leaving: list[threading.Thread] = []

    def leave_now() -> None:
        with session_factory.begin() as session:
            leave(session=session, workspace_id=WORKSPACE, user_id=leaver)

    def leave_once_read(statement: str, _parameters: Any) -> None:
        if leaving or "FROM pairing_profile JOIN pairing_membership" not in statement:
            return
        leaving.append(threading.Thread(target=leave_now))
        leaving[0].start()
        leaving[0].join(timeout=1)  # committed at once, unless the worker holds what it read

    def left_before_the_next_job(statement: str, _parameters: Any) -> None:
        # The matching job has committed and is being marked done: the leave goes through now, before
        # any introduction is looked at (what an introduction racing a later leave does is another story).
        if (
            leaving
            and statement.startswith("UPDATE worker_job")
            and "done_at" in statement.split(" WHERE ")[0]
        ):
            leaving[0].join(timeout=60)

    with (
        on_statement(engine, leave_once_read, when="after_cursor_execute"),
        on_statement(engine, left_before_the_next_job),
    ):
        worker.run_once()  # the round is matched and introduced
    assert leaving and not leaving[0].is_alive()

    with session_factory() as session:
        assert session.scalars(select(GroupMember).where(GroupMember.user_id == leaver)).all() == []
        assert session.get(Profile, (WORKSPACE, leaver)) is None
    introduced = [c.args["users"] for c in slack.successful_calls_to("conversations.open")]
    assert introduced and all(leaver not in users for users in introduced)


def test_one_saying_not_yet_as_the_other_says_we_met_leaves_the_group_met(
    four_people: list[str], worker: Worker, engine: Engine, clock: Clock, session_factory: SessionFactory
) -> None:
    """One member answers the follow-up "not yet" as the other clicks "We met". The answer had read the
    group unmet and wrote "not yet" over "met": a group counted as met whose outcome, in what Kindred
    shows each of them it holds, said they had not. The click is made to commit between the answer reading
    the group and writing it, at the database."""
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, four_people, programme_id, clock.now)
    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)
    worker.run_once()  # matched and introduced
    with session_factory() as session:
        group_id, first, second = session.execute(
            select(Group.id, func.min(GroupMember.user_id), func.max(GroupMember.user_id))
            .join(GroupMember, GroupMember.group_id == Group.id)
            .group_by(Group.id)
        ).first()  # type: ignore[misc]
    clicked: list[bool] = []

    def we_met_first(statement: str, _parameters: Any) -> None:
        if clicked or not statement.startswith(("UPDATE pairing_group", "UPDATE pairing_group_member")):
            return
        clicked.append(True)
        with session_factory.begin() as session:  # the other member's click, committed first
            assert mark_met(
                session=session, workspace_id=WORKSPACE, group_id=group_id, user_id=first, now=clock.now
            )

    with on_statement(engine, we_met_first), session_factory.begin() as session:
        record_outcome(
            session=session,
            workspace_id=WORKSPACE,
            group_id=group_id,
            user_id=second,
            outcome=Outcome.NOT_YET,
            now=clock.now,
        )
    assert clicked

    with session_factory() as session:
        group = session.get(Group, group_id)
        assert group is not None and group.met_at is not None and group.outcome is Outcome.MET


def test_one_member_saying_we_met_answers_for_the_group_and_the_follow_up_asks_the_group_once(
    slack: SlackStandIn,
    slack_requests: SlackRequests,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    talker, quiet = "U0TALKER", "U0QUIETPARTNER"
    for person in (talker, quiet):
        slack.add_user(person)
    slack.add_channel(CHANNEL, members=[talker, quiet, BOT_USER_ID])
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, [talker, quiet], programme_id, clock.now)
    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)

    for number in (1, 2, 3):
        worker.run_once()  # the round is matched and introduced
        with session_factory() as session:
            group = session.scalars(
                select(Group).join(PairingRound).where(PairingRound.number == number)
            ).one()
        if number == 1:
            # Nobody has clicked yet: the follow-up goes once, into the group DM, not to each person.
            clock.advance(days=6)
            worker.run_once()
            follow_ups = [
                c.args
                for c in slack.successful_calls_to("chat.postMessage")
                if "How did it go" in c.args["text"]
            ]
            assert [f["channel"] for f in follow_ups] == [group.conversation_id]
            answer = slack_requests.block_action(PairingAction.OUTCOME_MET, str(group.id), user_id=talker)
            clock.advance(days=1)
        else:
            answer = slack_requests.block_action(PairingAction.WE_MET, str(group.id), user_id=talker)
            clock.advance(days=7)
        assert answer.status == 200
    worker.run_once()  # round 3 closes, round 4 starts

    paused_notes = [
        c.args
        for c in slack.successful_calls_to("chat.postMessage")
        if "paused your peer-support" in c.args["text"]
    ]
    assert paused_notes == []
    with session_factory() as session:
        partner = session.get(Profile, (WORKSPACE, quiet))
        assert partner is not None
        assert partner.paused_for_silence is False and partner.unanswered_in_a_row == 0


def rounds_with(
    session_factory: SessionFactory, people: int, now: datetime, channel: str, *, skipping: int = 0
) -> list[Group]:
    programme_id = programme(session_factory, now - timedelta(days=8), channel)
    opt_in(
        session_factory, [f"U0{channel}{n:02d}" for n in range(people)], programme_id, now, skipping=skipping
    )
    start_due_rounds(session_factory=session_factory, now=now)
    with session_factory.begin() as session:
        round_id = session.scalars(select(PairingRound.id).where(PairingRound.number == 1)).all()[-1]
        groups = make_groups(
            session=session, round_id=round_id, directory=Directory(), channel_members=None, now=now
        )
        assert groups is not None
        return groups


def met(session_factory: SessionFactory, groups: list[Group], now: datetime) -> None:
    """One member of each group says "We met"."""
    with session_factory.begin() as session:
        for group in groups:
            member = session.scalars(
                select(GroupMember.user_id).where(GroupMember.group_id == group.id)
            ).first()
            mark_met(session=session, workspace_id=WORKSPACE, group_id=group.id, user_id=str(member), now=now)


def figures_now(session_factory: SessionFactory) -> dict[str, RoundFigures]:
    with session_factory() as session:
        return {
            f.channel_id: f
            for f in pairing_figures(session=session, workspace_id=WORKSPACE, min_group_size=5)
        }


def test_every_number_is_a_step_of_the_minimum_and_meetings_are_counted_once_at_the_close(
    session_factory: SessionFactory, clock: Clock
) -> None:
    now = clock.now
    small = rounds_with(session_factory, 4, now, "C0SMALL")
    big = rounds_with(session_factory, 10, now, "C0BIG")
    bigger = rounds_with(session_factory, 25, now, "C0BIGGER", skipping=3)
    met(session_factory, big[:3], now)  # six people met, four did not
    met(session_factory, bigger[:6], now)  # twelve met, ten did not

    figures = figures_now(session_factory)
    assert small and figures["C0SMALL"].taking_part == Step(0, 4)  # "fewer than 5"
    assert figures["C0BIG"].taking_part == figures["C0BIG"].opted_in == Step(10, 14)  # "at least 10"
    # Twenty-two paired of twenty-five: "at least 20" of "at least 25", never 22 or 88%.
    assert figures["C0BIGGER"].taking_part == Step(20, 24) and figures["C0BIGGER"].opted_in == Step(25, 29)
    # While a round runs, its meetings are not counted: a count that moved would tell who just met.
    assert figures["C0BIGGER"].met is None and not figures["C0BIGGER"].closed

    with session_factory.begin() as session:
        for round_id in session.scalars(select(PairingRound.id)):
            close_round(session=session, round_id=round_id)
    figures = figures_now(session_factory)
    assert figures["C0BIG"].met == Step(5, 9) and figures["C0BIGGER"].met == Step(10, 14)
    assert figures["C0SMALL"].met == Step(0, 4)

    met(session_factory, big[3:] + bigger[6:], now)  # everyone says "We met", after the close
    assert figures_now(session_factory) == figures  # counted once, when the round closed


def test_a_failed_introduction_is_retried_and_still_sent_once_per_group(
    four_people: list[str],
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, four_people, programme_id, clock.now)
    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.advance(seconds=1)
    worker.run_once()  # the programme's announcement
    clock.now = first_slot + timedelta(minutes=1)
    slack.fail_next("chat.postMessage", error="fatal_error")  # Slack refuses the first introduction

    worker.run_once()
    clock.advance(minutes=5)  # past the back-off
    worker.run_once()

    intros = [
        c.args["metadata"]["event_payload"]["key"]
        for c in slack.successful_calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_type") == "kindred_pairing_introduction"
    ]
    assert len(intros) == 2 == len(set(intros))
    assert len(slack.calls_to("chat.postMessage")) == 1 + 1 + 2  # announcement, the refused try, two intros
    with session_factory() as session:
        assert all(g.introduced_at is not None for g in session.scalars(select(Group)))


def test_nobody_is_paired_with_their_manager_or_their_managers_manager(
    slack: SlackStandIn, worker: Worker, clock: Clock, session_factory: SessionFactory
) -> None:
    from slackapp.org.service import create_department, name_team, set_department_managers, set_team_managers
    from tests.factories import make_pulse

    manager, reports, director, others = "U0MANAGER", ["U0REPORT1", "U0REPORT2"], "U0DIRECTOR", ["U0X", "U0Y"]
    everyone = [manager, *reports, director, *others]
    for person in everyone:
        slack.add_user(person)
    slack.add_channel(CHANNEL, members=[*everyone, BOT_USER_ID])
    slack.add_channel("C0TEAM", members=[manager, *reports, BOT_USER_ID])
    make_pulse(session_factory, "C0TEAM", now=clock.now)
    with session_factory.begin() as session:
        department = create_department(
            session=session, workspace_id=WORKSPACE, name="Platform", now=clock.now
        )
        name_team(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            name="Core",
            department_id=department.id,
            now=clock.now,
        )
        set_team_managers(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0TEAM",
            user_ids=[manager],
            assigned_by="U0HRADMIN",
            now=clock.now,
        )
        set_department_managers(
            session=session,
            workspace_id=WORKSPACE,
            department_id=department.id,
            user_ids=[director],
            assigned_by="U0HRADMIN",
            now=clock.now,
        )
    programme_id = programme(session_factory, clock.now)
    opt_in(session_factory, everyone, programme_id, clock.now)

    clock.advance(days=8)
    worker.run_once()

    with session_factory() as session:
        rows = session.execute(select(GroupMember.group_id, GroupMember.user_id)).all()
    groups: dict[object, set[str]] = {}
    for group_id, user_id in rows:
        groups.setdefault(group_id, set()).add(user_id)
    assert set(reports) in groups.values()
    for group in groups.values():
        if manager in group or director in group:
            assert group - {manager, director} <= set(others) and not {manager, director} <= group
