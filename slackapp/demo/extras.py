"""The demo's peer support, resource groups, help contact and action plans, made through the real services.

So every dashboard page has something true to show: a peer-support programme whose rounds were matched
by the real matcher and partly met, resource groups (tagged with the kinds of support they offer) with
joins counted month by month, the professional-help contact, and action plans on teams' results.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from slackapp.actions.service import PlanSpec, claim_posting, mark_posted, record_action, update_action
from slackapp.admin.service import HelpContact, set_help_contact
from slackapp.cadence.schedule import Cadence
from slackapp.database import SessionFactory
from slackapp.pairing.models import Group, GroupMember, PairingRound, RoundState
from slackapp.pairing.service import (
    Directory,
    Preferences,
    ProgrammeSpec,
    close_round,
    create_programme,
    make_groups,
    mark_introduced,
    mark_met,
    save_preferences,
    start_due_rounds,
)
from slackapp.resources.models import EntryKind
from slackapp.resources.service import EntrySpec, create_entry, record_join
from slackapp.resources.stats import record_member_count
from slackapp.support import SupportKind

PEER_CHANNEL = "CDEMOPEERS"
GROUPS = (
    EntrySpec(
        kind=EntryKind.SUPPORT_GROUP.value,
        name="Carers' circle",
        description="Colleagues caring for someone at home; meets every other Thursday.",
        channel_id="CDEMOCARERS",
        support_kinds=("emotional", "belonging"),
        tags=("carers",),
    ),
    EntrySpec(
        kind=EntryKind.EMPLOYEE_GROUP.value,
        name="New starters",
        description="For anyone in their first year: questions welcome, no question too small.",
        channel_id="CDEMONEW",
        support_kinds=("advice", "belonging"),
        tags=("onboarding",),
    ),
    EntrySpec(
        kind=EntryKind.EMPLOYEE_GROUP.value,
        name="Parents at Work",
        description="Swapping cover, school-run tips and a place to talk.",
        channel_id="CDEMOPARENTS",
        support_kinds=("practical", "emotional"),
        tags=("parents",),
    ),
    EntrySpec(
        kind=EntryKind.PROFESSIONAL.value,
        name="Employee Assistance Programme",
        description="Free, confidential counselling, 24 hours a day.",
        url="https://eap.example.com",
        phone="+44 800 123 4567",
        support_kinds=("emotional", "advice"),
    ),
)
PLANS = (
    (
        "CDEMO06",
        "Two more people join the Tier 1 rota, so nobody covers a second queue.",
        "Sam",
        "in_progress",
    ),
    ("CDEMO08", "Each new starter gets a named buddy for their first month.", "Sam", "planned"),
    ("CDEMO15", "Shift leads will swap cover on the shared board instead of by phone.", "Olu", "done"),
    ("CDEMO01", "No release work on Fridays until the launch is out.", "Priya", "planned"),
)


def build_demo_extras(
    *,
    session_factory: SessionFactory,
    workspace_id: str,
    hr_user: str,
    people: list[str],
    first_week: datetime,
    weeks: int,
    rng: random.Random,
) -> None:
    """Create the demo's programme and rounds, groups and joins, help contact and plans.

    Args:
        people: everyone in the demo organisation (some opt in to peer support).
    """
    created = first_week - timedelta(days=1)
    with session_factory.begin() as session:
        set_help_contact(
            session=session,
            workspace_id=workspace_id,
            contact=HelpContact(
                name="Employee Assistance Programme", url="https://eap.example.com", phone="+44 800 123 4567"
            ),
            updated_by=hr_user,
            now=created,
        )
        entries = [
            create_entry(
                session=session, workspace_id=workspace_id, spec=spec, created_by=hr_user, now=created
            )
            for spec in GROUPS
        ]
        programme = create_programme(
            session=session,
            workspace_id=workspace_id,
            spec=ProgrammeSpec(
                channel_id=PEER_CHANNEL,
                cadence=Cadence.WEEKLY,
                weekday=first_week.weekday(),
                local_time="10:00",
                timezone="UTC",
            ),
            created_by=hr_user,
            now=created,
        )
        kinds = list(SupportKind)
        for person in rng.sample(people, k=min(len(people), 60)):
            save_preferences(
                session=session,
                workspace_id=workspace_id,
                user_id=person,
                preferences=Preferences(
                    seeks=frozenset(rng.sample(kinds, k=rng.randint(1, 2))),
                    offers=frozenset(rng.sample(kinds, k=rng.randint(1, 3))),
                ),
                programme_ids=[programme.id],
                now=created,
                today=created.date(),
            )
    # Joins through Kindred, month by month (a count only: who joined is not kept), and each group's
    # channel counted as the worker counts it (the last count of a month is its count at the month's end).
    members = [rng.randint(3, 8) for _ in entries]  # who was in the channel before it was listed
    for week in range(weeks):
        moment = first_week + timedelta(weeks=week, hours=3)
        with session_factory.begin() as session:
            for index, entry in enumerate(entries):
                for _ in range(rng.randint(1, 3) + (2 if index == 1 else 0)):
                    record_join(session=session, entry_id=entry.id, now=moment)
                    members[index] += 1
                if entry.channel_id:
                    record_member_count(session=session, entry_id=entry.id, count=members[index], now=moment)
    # Peer-support rounds, matched by the real matcher; most groups meet.
    for week in range(weeks):
        moment = first_week + timedelta(weeks=week, hours=1)
        start_due_rounds(session_factory=session_factory, now=moment)
        with session_factory.begin() as session:
            for round_ in session.query(PairingRound).filter(PairingRound.workspace_id == workspace_id):
                groups = make_groups(
                    session=session,
                    round_id=round_.id,
                    directory=Directory(),
                    channel_members=None,
                    now=moment,
                )
                for group in groups or []:
                    mark_introduced(
                        session=session,
                        group_id=group.id,
                        conversation_id=f"GDEMO{week}",
                        ts=f"{week}.1",
                        now=moment,
                    )
        with session_factory.begin() as session:
            for round_ in session.query(PairingRound).filter(
                PairingRound.workspace_id == workspace_id, PairingRound.state == RoundState.INTRODUCING
            ):
                for group in session.query(Group).filter(Group.round_id == round_.id, Group.met_at.is_(None)):
                    if rng.random() < 0.7:
                        member = session.scalar(
                            select(GroupMember.user_id).where(GroupMember.group_id == group.id).limit(1)
                        )
                        if member:
                            mark_met(
                                session=session,
                                workspace_id=workspace_id,
                                group_id=group.id,
                                user_id=member,
                                now=moment + timedelta(days=2),
                            )
                close_round(session=session, round_id=round_.id)
    # Plans answer the results of three weeks before the latest, so the weeks after show whether they moved.
    answered = first_week + timedelta(weeks=max(0, weeks - 3))
    plan_week = answered.date() - timedelta(days=answered.weekday())
    for channel, body, owner, status in PLANS:
        with session_factory.begin() as session:
            note = record_action(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel,
                week=plan_week,
                body=body,
                owner=owner,
                due=(first_week + timedelta(weeks=weeks + 2)).date(),
                written_by=hr_user,
                now=answered + timedelta(days=4),
            )
            update_action(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel,
                plan_id=note.id,
                spec=PlanSpec(body, owner, note.due, status),
                now=answered + timedelta(days=5),
            )
            if status != "planned" and claim_posting(
                session=session, workspace_id=workspace_id, channel_id=channel, plan_id=note.id
            ):
                mark_posted(session=session, plan_id=note.id, ts="demo")
