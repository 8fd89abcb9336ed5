"""Org structures with closed rounds, made through the real services (pulses, answers, close), for the
privacy gate and dashboard tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from slackapp.checkins.models import Pulse, Round
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS, QuestionKey
from slackapp.checkins.service import close_round, invite_people, mark_invitation_posted, open_round_now
from slackapp.database import SessionFactory
from slackapp.org.service import (
    create_department,
    delete_department,
    load_org,
    name_team,
    rename_department,
    set_department_managers,
    set_team_managers,
)
from slackapp.privacy.gate import Gate, PrivacyRules
from slackapp.privacy.publish import PublishOutcome, period_end, period_of, publish_due_periods
from slackapp.privacy.scope import Viewer, viewer_for
from tests.factories import HR_ADMIN, WORKSPACE, answer, make_pulse, round_secrets, scores

# A Monday, so week n of a test starts on a known day.
FIRST_WEEK = datetime(2026, 9, 7, 9, 30, tzinfo=UTC)
RULES = PrivacyRules(min_group_size=5, min_comment_group_size=10)

Answers = Mapping[str, int | None]


def week(n: int) -> datetime:
    return FIRST_WEEK + timedelta(weeks=n)


@dataclass
class OrgBuilder:
    """Departments, teams and their weekly rounds, closed into histograms by the check-in service."""

    session_factory: SessionFactory
    departments: dict[str, uuid.UUID] = field(default_factory=dict)
    teams: set[str] = field(default_factory=set)
    questions: dict[str, tuple[QuestionKey, ...]] = field(default_factory=dict)
    # Each open round's invited people who have not answered yet (answers come from them, in turn).
    not_answered: dict[uuid.UUID, list[str]] = field(default_factory=dict)

    def department(self, name: str) -> uuid.UUID:
        with self.session_factory.begin() as session:
            department = create_department(session=session, workspace_id=WORKSPACE, name=name, now=week(0))
            self.departments[name] = department.id
            return department.id

    def team(
        self,
        channel: str,
        name: str | None = None,
        department: str | None = None,
        questions: tuple[QuestionKey, ...] | None = None,
    ) -> str:
        extra = {"question_keys": questions} if questions else {}
        make_pulse(self.session_factory, channel, now=week(0) - timedelta(days=7), **extra)
        with self.session_factory.begin() as session:
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                name=name or channel,
                department_id=self.departments[department] if department else None,
                now=week(0),
            )
        self.teams.add(channel)
        if questions:
            self.questions[channel] = questions
        return channel

    def move(self, channel: str, department: str | None) -> None:
        """HR moves a team to another department (or to none), keeping its name."""
        with self.session_factory.begin() as session:
            name = load_org(session=session, workspace_id=WORKSPACE).teams[channel].name
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                name=name,
                department_id=self.departments[department] if department else None,
                now=week(0),
            )

    def rename_department(self, name: str, new_name: str) -> None:
        with self.session_factory.begin() as session:
            rename_department(
                session=session, workspace_id=WORKSPACE, department_id=self.departments[name], name=new_name
            )
        self.departments[new_name] = self.departments.pop(name)

    def delete_department(self, name: str) -> uuid.UUID:
        """HR deletes a department (its teams stay, without one); returns the id it had."""
        department_id = self.departments.pop(name)
        with self.session_factory.begin() as session:
            delete_department(session=session, workspace_id=WORKSPACE, department_id=department_id)
        return department_id

    def manager(self, user: str, *, teams: Sequence[str] = (), departments: Sequence[str] = ()) -> None:
        with self.session_factory.begin() as session:
            for channel in teams:
                set_team_managers(
                    session=session,
                    workspace_id=WORKSPACE,
                    channel_id=channel,
                    user_ids=[user],
                    assigned_by=HR_ADMIN,
                    now=week(0),
                )
            for department in departments:
                set_department_managers(
                    session=session,
                    workspace_id=WORKSPACE,
                    department_id=self.departments[department],
                    user_ids=[user],
                    assigned_by=HR_ADMIN,
                    now=week(0),
                )

    def open_round(self, channel: str, when: datetime, invited: int = 30) -> uuid.UUID:
        """Open a round in the team's channel, for `invited` people in it."""
        people = [f"U{uuid.uuid4().hex[:8].upper()}{i}" for i in range(invited)]
        with self.session_factory.begin() as session:
            pulse_id = session.scalar(select(Pulse.id).where(Pulse.channel_id == channel))
            assert pulse_id is not None
            round_ = open_round_now(
                session=session,
                workspace_id=WORKSPACE,
                pulse_id=pulse_id,
                now=when,
                round_secrets=round_secrets(),
            )
            invite_people(session=session, round_=round_, user_ids=people, round_secrets=round_secrets())
            mark_invitation_posted(session=session, round_id=round_.id, ts="1.0")
            self.not_answered[round_.id] = people
            return round_.id

    def answer(
        self, round_id: uuid.UUID, people: Sequence[Answers], when: datetime, comment: str = ""
    ) -> None:
        for answers in people:
            answer(
                self.session_factory,
                round_id,
                self.not_answered[round_id].pop(),
                answers,
                comment=comment or None,
                now=when + timedelta(minutes=1),
            )

    def close(self, round_id: uuid.UUID, when: datetime) -> None:
        with self.session_factory.begin() as session:
            close_round(session=session, round_id=round_id, now=when + timedelta(hours=1))

    def week(
        self,
        n: int,
        answers: Mapping[str, int | Sequence[Answers]],
        *,
        invited: Mapping[str, int] | None = None,
        comment: str = "",
    ) -> None:
        """Run a whole round in week n for each team: open, answer (a count or explicit answers), close."""
        when = week(n)
        for channel, people in answers.items():
            everyone = (
                [self._scores(channel) for _ in range(people)] if isinstance(people, int) else list(people)
            )
            round_id = self.open_round(channel, when, (invited or {}).get(channel, max(len(everyone), 1) + 2))
            self.answer(round_id, everyone, when, comment)
            self.close(round_id, when)

    def _scores(self, channel: str) -> dict[str, int | None]:
        asked = self.questions.get(channel, DEFAULT_QUESTION_KEYS)
        return {key: value for key, value in scores().items() if QuestionKey(key) in asked}

    def publish(
        self,
        now: datetime | None = None,
        *,
        min_group_size: int = RULES.min_group_size,
        min_comment_group_size: int = RULES.min_comment_group_size,
    ) -> PublishOutcome:
        """What the worker's publish job does: publish every completed period, by default as of the end
        of the latest week that has a round (every week so far is over)."""
        with self.session_factory.begin() as session:
            if now is None:
                latest = session.scalar(
                    select(func.max(Round.opens_at)).where(Round.workspace_id == WORKSPACE)
                )
                now = period_end(period_of(latest)) if latest is not None else week(0)
            return publish_due_periods(
                session=session,
                workspace_id=WORKSPACE,
                now=now,
                min_group_size=min_group_size,
                min_comment_group_size=min_comment_group_size,
            )

    @contextmanager
    def gate(
        self, user: str, *, admin: bool = False, rules: PrivacyRules = RULES, publish: bool = True
    ) -> Iterator[Gate]:
        """The gate as `user` sees it (HR when `admin`), in a session closed afterwards; by default what
        has completed is published first, as the worker would have done."""
        if publish:
            self.publish(
                min_group_size=rules.min_group_size, min_comment_group_size=rules.min_comment_group_size
            )
        with self.session_factory() as session:
            viewer = viewer_for(session=session, workspace_id=WORKSPACE, user_id=user, workspace_admin=admin)
            yield Gate(session=session, viewer=viewer, rules=rules)


def hr_viewer() -> Viewer:
    return Viewer(workspace_id=WORKSPACE, user_id=HR_ADMIN, everything=True)
