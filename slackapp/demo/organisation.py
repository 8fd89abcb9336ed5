"""A synthetic organisation for the demo, made through the real code paths.

281 people in 25 teams and 5 departments answer 12 weekly check-ins (`demo_summary`): each round is
opened with `open_round_now`, answered one person at a time with `record_answers` (ledger, then scores, then
comment) and collapsed into histograms by `close_round`. Nothing writes aggregates directly.
The patterns are meant to look like a real organisation: steady teams, a support team under growing
pressure that recovers after week 8, an engineering crunch, teams with gaps in one kind of support,
and three teams too small to ever be shown.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slackapp.admin.service import add_kindred_admin
from slackapp.cadence.schedule import Cadence
from slackapp.checkins.ledger import RoundSecrets
from slackapp.checkins.questions import DEFAULT_QUESTION_KEYS
from slackapp.checkins.service import (
    PulseSpec,
    close_round,
    create_pulse,
    invite_people,
    mark_invitation_posted,
    open_round_now,
    record_answers,
)
from slackapp.database import SessionFactory
from slackapp.demo.extras import build_demo_extras
from slackapp.org.service import create_department, name_team, set_department_managers, set_team_managers

WORKSPACE = "TDEMO"
HR_USER = "UDEMOHR"
WEEKS = 12


@dataclass(frozen=True)
class DemoTeam:
    channel: str
    name: str
    department: str
    size: int
    wellbeing: float  # baseline mean on 1-5
    gap: str | None = None  # a kind of support this team lacks
    trend: str = "steady"  # steady | strain (support team) | crunch (engineering)


@dataclass(frozen=True)
class DemoRole:
    user_id: str
    name: str
    description: str
    workspace_id: str = WORKSPACE
    workspace_admin: bool = False


DEPARTMENTS = ("Engineering", "Customer Support", "Sales", "Operations", "People & Finance")

TEAMS: tuple[DemoTeam, ...] = (
    DemoTeam("CDEMO01", "Payments", "Engineering", 14, 3.7, trend="crunch"),
    DemoTeam("CDEMO02", "Mobile", "Engineering", 12, 3.9, trend="crunch"),
    DemoTeam("CDEMO03", "Platform", "Engineering", 16, 3.6, gap="emotional"),
    DemoTeam("CDEMO04", "Data", "Engineering", 11, 3.8),
    DemoTeam("CDEMO05", "Security", "Engineering", 4, 3.5),  # too small to show
    DemoTeam("CDEMO06", "Support Tier 1", "Customer Support", 22, 3.4, trend="strain"),
    DemoTeam("CDEMO07", "Support Tier 2", "Customer Support", 15, 3.5, trend="strain"),
    DemoTeam("CDEMO08", "Onboarding", "Customer Support", 10, 3.8, gap="advice"),
    DemoTeam("CDEMO09", "Community", "Customer Support", 8, 4.0),
    DemoTeam("CDEMO10", "Enterprise Sales", "Sales", 13, 3.6, gap="belonging"),
    DemoTeam("CDEMO11", "SMB Sales", "Sales", 17, 3.5),
    DemoTeam("CDEMO12", "Sales Engineering", "Sales", 9, 3.9),
    DemoTeam("CDEMO13", "Partnerships", "Sales", 7, 3.8),
    DemoTeam("CDEMO14", "Renewals", "Sales", 11, 3.7),
    DemoTeam("CDEMO15", "Warehouse North", "Operations", 20, 3.3, gap="practical"),
    DemoTeam("CDEMO16", "Warehouse South", "Operations", 18, 3.5),
    DemoTeam("CDEMO17", "Logistics", "Operations", 12, 3.6),
    DemoTeam("CDEMO18", "Facilities", "Operations", 6, 3.7),
    DemoTeam("CDEMO19", "Procurement", "Operations", 3, 3.8),  # too small to show
    DemoTeam("CDEMO20", "People Partners", "People & Finance", 9, 4.0),
    DemoTeam("CDEMO21", "Recruiting", "People & Finance", 10, 3.7),
    DemoTeam("CDEMO22", "Finance", "People & Finance", 12, 3.6, gap="emotional"),
    DemoTeam("CDEMO23", "Legal", "People & Finance", 5, 3.9),
    DemoTeam("CDEMO24", "Payroll", "People & Finance", 4, 3.8),  # too small to show
    DemoTeam("CDEMO25", "Workplace", "People & Finance", 13, 3.9),
)

COMMENTS = (
    "More focus time would help.",
    "The new rota is working much better.",
    "Too many meetings this week.",
    "Thanks for the team lunch!",
    "I don't always know who to ask about process changes.",
    "Workload has been heavy since the launch.",
)


def demo_roles() -> list[DemoRole]:
    return [
        DemoRole(HR_USER, "Harriet (HR)", "Kindred admin: sees the whole organisation"),
        DemoRole("UDEMOMGR06", "Sam (Head of Customer Support)", "Manages the Customer Support department"),
        DemoRole("UDEMOMGR01", "Priya (Payments lead)", "Manages the Payments team only"),
        DemoRole("UDEMOMGR18", "Olu (Facilities and Logistics lead)", "Manages two Operations teams"),
        DemoRole("UDEMOMGR05", "Dana (Security lead)", "Manages Security, a team too small ever to be shown"),
        DemoRole("UDEMONOBODY", "Alex (no assignment)", "Not a manager: sees nothing"),
    ]


def build_demo_organisation(
    *,
    session_factory: SessionFactory,
    secret_key: str,
    first_week: datetime,
    seed: int = 7,
    weeks: int = WEEKS,
) -> None:
    """Create the organisation and run `weeks` weekly rounds through the check-in service.

    Args:
        first_week: when the first round opens (aware UTC); each later round opens a week after.
    """
    rng = random.Random(seed)
    secrets = RoundSecrets(secret_key)
    created = first_week - timedelta(days=1)
    with session_factory.begin() as session:
        add_kindred_admin(
            session=session, workspace_id=WORKSPACE, user_id=HR_USER, added_by=HR_USER, now=created
        )
        departments = {
            name: create_department(session=session, workspace_id=WORKSPACE, name=name, now=created).id
            for name in DEPARTMENTS
        }
        pulses: dict[str, object] = {}
        for team in TEAMS:
            spec = PulseSpec(
                channel_id=team.channel,
                cadence=Cadence.WEEKLY,
                weekday=first_week.weekday(),
                local_time="09:30",
                timezone="Europe/London",
                open_hours=72,
                question_keys=DEFAULT_QUESTION_KEYS,
                comments_enabled=True,
                reminder_enabled=False,
            )
            pulses[team.channel] = create_pulse(
                session=session, workspace_id=WORKSPACE, spec=spec, created_by=HR_USER, now=created
            ).id
            name_team(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=team.channel,
                name=team.name,
                department_id=departments[team.department],
                now=created,
            )
        set_department_managers(
            session=session,
            workspace_id=WORKSPACE,
            department_id=departments["Customer Support"],
            user_ids=["UDEMOMGR06"],
            assigned_by=HR_USER,
            now=created,
        )
        for channel, manager in (
            ("CDEMO01", "UDEMOMGR01"),
            ("CDEMO18", "UDEMOMGR18"),
            ("CDEMO17", "UDEMOMGR18"),
            ("CDEMO05", "UDEMOMGR05"),
        ):
            set_team_managers(
                session=session,
                workspace_id=WORKSPACE,
                channel_id=channel,
                user_ids=[manager],
                assigned_by=HR_USER,
                now=created,
            )

    for week in range(weeks):
        opens = first_week + timedelta(weeks=week)
        for team in TEAMS:
            with session_factory.begin() as session:
                round_ = open_round_now(
                    session=session,
                    workspace_id=WORKSPACE,
                    pulse_id=pulses[team.channel],  # type: ignore[arg-type]
                    now=opens,
                    round_secrets=secrets,
                )
                people = [f"U{team.channel[-2:]}P{i:02d}" for i in range(team.size)]
                invite_people(session=session, round_=round_, user_ids=people, round_secrets=secrets)
                mark_invitation_posted(session=session, round_id=round_.id, ts=f"{week}.0")
            turnout = _turnout(team, week, weeks, rng)
            for person in rng.sample(people, k=max(0, min(team.size, round(team.size * turnout)))):
                record_answers(
                    session_factory=session_factory,
                    round_=round_,
                    user_id=person,
                    answers=_answers(team, week, weeks, rng),
                    comment=rng.choice(COMMENTS) if rng.random() < 0.12 else None,
                    round_secrets=secrets,
                    now=opens + timedelta(hours=rng.uniform(0.1, 60)),
                )
            with session_factory.begin() as session:
                close_round(session=session, round_id=round_.id, now=opens + timedelta(hours=72))
    build_demo_extras(
        session_factory=session_factory,
        workspace_id=WORKSPACE,
        hr_user=HR_USER,
        people=[f"U{team.channel[-2:]}P{i:02d}" for team in TEAMS for i in range(team.size)],
        first_week=first_week,
        weeks=weeks,
        rng=rng,
    )


def _pressure(team: DemoTeam, week: int, weeks: int) -> float:
    """How much harder this week is than usual for the team (0 = normal)."""
    if team.trend == "strain":  # a support backlog builds up, then extra hires land after week 8
        return 0.9 * math.sin(math.pi * min(week, 9) / 9) if week < 9 else max(0.0, 0.6 - 0.3 * (week - 9))
    if team.trend == "crunch":  # a release crunch in weeks 4-6
        return 0.8 if 4 <= week <= 6 else 0.0
    return 0.0


def _turnout(team: DemoTeam, week: int, weeks: int, rng: random.Random) -> float:
    base = 0.78 - 0.15 * _pressure(team, week, weeks)
    return min(1.0, max(0.3, rng.gauss(base, 0.08)))


def _answers(team: DemoTeam, week: int, weeks: int, rng: random.Random) -> dict[str, int | None]:
    pressure = _pressure(team, week, weeks)
    mood = rng.gauss(team.wellbeing - pressure, 0.8)

    def score(centre: float) -> int:
        return int(min(5, max(1, round(rng.gauss(centre, 0.7)))))

    answers: dict[str, int | None] = {
        "wellbeing": score(mood),
        "stress": score(6 - mood + 0.4 * pressure),
    }
    for kind in ("emotional", "practical", "advice", "belonging"):
        centre = mood + 0.2 - (1.1 if team.gap == kind else 0.0)
        answers[kind] = score(centre)
    return answers


def team_sizes() -> Sequence[int]:
    return [t.size for t in TEAMS]


def demo_summary(weeks: int = WEEKS) -> str:
    """What the demo holds, in the words the README and the first line of `kindred demo` use."""
    return f"{sum(team_sizes())} people, {len(TEAMS)} teams, {weeks} weekly rounds"
