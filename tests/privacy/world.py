"""A small workspace lived through the real code paths, week by week, for the privacy attacks.

HR's set-up (departments, teams, managers, pulses) goes through the org and check-in services, as the
App Home admin does. Everything after that is what happens in production: the worker opens each week's
rounds on the pulses' schedule and posts the invitations, people press the invitation's button and
submit the modal (signed requests to /slack/events, with the round id the button carries), and the
worker closes the rounds and posts the results in the channels. The world also keeps the truth - what
each round's people answered - so an attack can be checked against it; no attack reads it.

The worker's clock runs in the future (week 0 starts next Monday or the one after): a round opened
there is still open in real time, which is when Slack's requests arrive and are checked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from slackapp.actions.service import record_action
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ids import INVITATION_EVENT, CheckinAction, CheckinCallback
from slackapp.checkins.models import Pulse, Round, RoundState
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS, QuestionKey
from slackapp.checkins.service import PulseSpec, create_pulse, open_round_now
from slackapp.database import SessionFactory, utcnow
from slackapp.org.service import (
    create_department,
    load_org,
    name_team,
    set_department_managers,
    set_team_managers,
)
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.factories import HR_ADMIN, WORKSPACE, round_secrets
from tests.slack_requests import SlackRequests, radio
from tests.slack_standin import BOT_USER_ID, SlackStandIn

OPEN_HOURS = 72
QUESTIONS: tuple[str, ...] = tuple(k.value for k in DEFAULT_QUESTION_KEYS)
Answers = Mapping[str, int]  # question key -> 1..5, for the questions the round asks


def monday_after(moment: datetime, weeks: int = 1) -> datetime:
    day = (moment + timedelta(weeks=weeks)).date()
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


@dataclass
class TeamInWorld:
    channel: str
    name: str
    department: str | None
    members: list[str]
    questions: tuple[str, ...]


@dataclass
class RoundTruth:
    """What one round's people really answered (the world's record, never an attacker's)."""

    round_id: str
    channel: str
    period: date
    department: str | None  # the department the team was in when the round closed
    questions: tuple[str, ...]
    respondents: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)  # question -> how many chose 1..5
    closed_at_event: int | None = None  # the world's event number when it closed

    def add(self, answers: Answers) -> None:
        self.respondents += 1
        for key in self.questions:
            self.counts.setdefault(key, [0] * 5)[answers[key] - 1] += 1

    def total(self, question: str) -> int:
        return sum(v * c for v, c in zip(range(1, 6), self.counts.get(question, [0] * 5), strict=True))


@dataclass
class World:
    """One workspace: its org, its weekly rounds, and what was really answered in each."""

    slack: SlackStandIn
    slack_requests: SlackRequests
    worker: Worker
    clock: Clock
    session_factory: SessionFactory
    departments: dict[str, uuid.UUID] = field(default_factory=dict)
    teams: dict[str, TeamInWorld] = field(default_factory=dict)
    rounds: list[RoundTruth] = field(default_factory=list)
    week_number: int = 0
    events: int = 0  # moves forward at every round close and org change: "when" a cell was seen
    watchers: list[Callable[[World], None]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # who was turned away, by round id
    planned: dict[str, date] = field(default_factory=dict)  # a channel's action plan: the week it answers

    def __post_init__(self) -> None:
        self.start = monday_after(utcnow())
        self.clock.now = self.start - timedelta(hours=12)  # Sunday evening before week 0

    # -- HR's set-up, through the services the App Home admin calls ----------------------------------

    def department(self, name: str) -> uuid.UUID:
        with self.session_factory.begin() as session:
            made = create_department(session=session, workspace_id=WORKSPACE, name=name, now=self.clock.now)
            self.departments[name] = made.id
        return made.id

    def team(
        self, channel: str, name: str, department: str | None, size: int, questions: Sequence[str] = QUESTIONS
    ) -> TeamInWorld:
        """A channel of `size` people with a weekly Monday 09:30 UTC pulse, named as a team."""
        members = [f"U{channel}{n:02d}" for n in range(size)]
        for person in members:
            self.slack.add_user(person, tz="UTC")
        self.slack.add_channel(channel, members=[*members, BOT_USER_ID], name=name.lower().replace(" ", "-"))
        spec = PulseSpec(
            channel_id=channel,
            cadence=Cadence.WEEKLY,
            weekday=0,
            local_time="09:30",
            timezone="UTC",
            open_hours=OPEN_HOURS,
            question_keys=tuple(QuestionKey(q) for q in questions),
            comments_enabled=False,
            reminder_enabled=False,
        )
        with self.session_factory.begin() as session:
            create_pulse(
                session=session, workspace_id=WORKSPACE, spec=spec, created_by=HR_ADMIN, now=self.clock.now
            )
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                name=name,
                department_id=self.departments[department] if department else None,
                now=self.clock.now,
            )
        made = TeamInWorld(channel, name, department, members, tuple(questions))
        self.teams[channel] = made
        return made

    def manager(self, user: str, *, teams: Iterable[str] = (), departments: Iterable[str] = ()) -> None:
        """Assign `user` to manage these teams and departments (adding to what they had)."""
        with self.session_factory.begin() as session:
            org = load_org(session=session, workspace_id=WORKSPACE)
            for channel in teams:
                current = {u for u, managed in org.managed_teams.items() if channel in managed}
                set_team_managers(
                    session=session,
                    workspace_id=WORKSPACE,
                    channel_id=channel,
                    user_ids=current | {user},
                    assigned_by=HR_ADMIN,
                    now=self.clock.now,
                )
            for name in departments:
                department_id = self.departments[name]
                current = {u for u, managed in org.managed_departments.items() if department_id in managed}
                set_department_managers(
                    session=session,
                    workspace_id=WORKSPACE,
                    department_id=department_id,
                    user_ids=current | {user},
                    assigned_by=HR_ADMIN,
                    now=self.clock.now,
                )

    def move(self, channel: str, department: str | None) -> None:
        """HR moves a team to another department (or none)."""
        team = self.teams[channel]
        with self.session_factory.begin() as session:
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                name=team.name,
                department_id=self.departments[department] if department else None,
                now=self.clock.now,
            )
        team.department = department
        self.events += 1

    def action_plan(self, channel: str, manager: str, week: date, body: str) -> None:
        """A team's manager writes down what will change after a published week (the overview's form)."""
        with self.session_factory.begin() as session:
            record_action(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                week=week,
                body=body,
                written_by=manager,
                now=self.clock.now,
            )
        self.planned[channel] = week

    def add_people(self, channel: str, people: Iterable[str]) -> None:
        """People join a team's channel (from now on they are its members)."""
        for person in people:
            self.slack.add_user(person, tz="UTC")
            self.slack.channel_members[channel].append(person)

    # -- a week, through the worker and signed requests ---------------------------------------------

    @property
    def period(self) -> date:
        return (self.start + timedelta(weeks=self.week_number)).date()

    def open_week(self) -> dict[str, str]:
        """Monday 09:31: the worker opens each pulse's round and posts its invitation. Channel -> round id."""
        self.clock.now = self.start + timedelta(weeks=self.week_number, hours=9, minutes=31)
        self._run_worker()
        return self.open_rounds()

    def open_rounds(self) -> dict[str, str]:
        """The round id on each channel's newest invitation this week (what the button carries)."""
        found: dict[str, str] = {}
        known = {r.round_id for r in self.rounds}
        for channel in self.teams:
            for message in self.slack.messages.get(channel, []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == INVITATION_EVENT:
                    round_id = str(metadata["event_payload"]["key"])
                    if round_id not in known:
                        found[channel] = round_id
        for channel, round_id in found.items():
            team = self.teams[channel]
            self.rounds.append(RoundTruth(round_id, channel, self.period, None, team.questions))
        return found

    def answer(self, channel: str, people: Sequence[Answers], *, who: Sequence[str] | None = None) -> None:
        """`people[i]` answers the channel's open round (the channel's members in order, unless `who`)."""
        truth = self._open_round_of(channel)
        senders = list(who) if who is not None else self.teams[channel].members[: len(people)]
        assert len(senders) == len(people), "more answers than people to give them"
        for person, answers in zip(senders, people, strict=True):
            form = {key: {CheckinAction.ANSWER: radio(str(answers[key]))} for key in truth.questions}
            reply = self.slack_requests.view_submission(
                CheckinCallback.ANSWER_MODAL,
                form,
                json.dumps({"round_id": truth.round_id}),
                user_id=person,
            )
            assert reply.status == 200, reply.text
            body = reply.json() if reply.text else {}
            thanked = body.get("response_action") == "update" and "Thank you" in json.dumps(body)
            if thanked:
                truth.add(answers)
            else:
                self.refused.append(person)

    def close_week(self) -> None:
        """Thursday 09:32: the worker closes the week's rounds and posts their results."""
        self.clock.now = self.start + timedelta(weeks=self.week_number, hours=OPEN_HOURS + 9, minutes=32)
        self._run_worker()

    def extra_round(self, channel: str, people: Sequence[Answers]) -> None:
        """HR's "send a round now" on the Thursday after the week's rounds closed; it runs to Sunday."""
        with self.session_factory.begin() as session:
            pulse_id = session.scalar(select(Pulse.id).where(Pulse.channel_id == channel))
            open_round_now(
                session=session,
                workspace_id=WORKSPACE,
                pulse_id=pulse_id,
                now=self.clock.now,
                round_secrets=round_secrets(),
            )
        self._run_worker()
        assert channel in self.open_rounds()
        self.answer(channel, people)
        self.clock.now += timedelta(hours=OPEN_HOURS, minutes=1)
        self._run_worker()

    def end_week(self) -> None:
        """Monday 00:30 after the week: the week is over, and the worker does what comes with that."""
        self.clock.now = self.start + timedelta(weeks=self.week_number + 1, minutes=30)
        self._run_worker()

    def next_week(self) -> None:
        self.week_number += 1
        self.clock.now = self.start + timedelta(weeks=self.week_number, hours=8)
        self._run_worker()

    def week(self, answers: Mapping[str, Sequence[Answers]]) -> None:
        """A whole ordinary week: open, everyone in `answers` answers, close; the clock moves to the next."""
        self.open_week()
        for channel, people in answers.items():
            self.answer(channel, people)
        self.close_week()

    # -- internals ----------------------------------------------------------------------------------

    def _open_round_of(self, channel: str) -> RoundTruth:
        mine = [r for r in self.rounds if r.channel == channel and r.closed_at_event is None]
        assert mine, f"{channel} has no open round"
        return mine[-1]

    def _run_worker(self) -> None:
        while self.worker.run_once():
            pass
        self._note_closed()
        for watch in self.watchers:
            watch(self)

    def _note_closed(self) -> None:
        open_truths = {r.round_id: r for r in self.rounds if r.closed_at_event is None}
        if not open_truths:
            return
        with self.session_factory() as session:
            closed = {
                str(round_id)
                for round_id in session.scalars(select(Round.id).where(Round.state == RoundState.CLOSED))
            }
        for round_id, truth in open_truths.items():
            if round_id in closed:
                self.events += 1
                truth.closed_at_event = self.events
                truth.department = self.teams[truth.channel].department


def scores(**values: int) -> dict[str, int]:
    """One person's answers: 4 everywhere unless said otherwise."""
    return {key: values.get(key, 4) for key in QUESTIONS}


def same(count: int, **values: int) -> list[dict[str, int]]:
    return [scores(**values) for _ in range(count)]
