"""What Kindred holds that is tied to one person, and forgetting it. Anonymous answers are tied to nobody.

Each feature that keeps something about a named person contributes here: roles (Kindred admin, manager
on the dashboard), peer-support pairing (preferences, private list, memberships, history), resource
groups (chosen region, private support map, anonymous questions still waiting for an answer).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from slackapp.admin.models import KindredAdmin
from slackapp.org.models import ManagerAssignment
from slackapp.pairing.service import leave as leave_peer_support
from slackapp.pairing.service import what_we_hold as pairing_held
from slackapp.resources.models import AnonymousQuestion, PersonRegion, SupportMapEntry


def what_kindred_holds(*, session: Session, workspace_id: str, user_id: str) -> list[str]:
    """Everything tied to this person, one plain line per kind of thing (empty when nothing is)."""

    def count(model: type[object], *where: object) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]

    lines: list[str] = []
    if session.get(KindredAdmin, (workspace_id, user_id)) is not None:
        lines.append("You are a Kindred admin (you can set up check-ins and resources).")
    managed = count(
        ManagerAssignment,
        ManagerAssignment.workspace_id == workspace_id,
        ManagerAssignment.user_id == user_id,
    )
    if managed:
        lines.append(f"You are a manager on the dashboard for {managed} team(s) or department(s).")
    pairing = pairing_held(session=session, workspace_id=workspace_id, user_id=user_id)
    if pairing.profile is not None:
        lines.append(
            "Your peer-support preferences: you would welcome "
            f"{', '.join(pairing.profile.seeks) or 'nothing chosen'}; you can offer "
            f"{', '.join(pairing.profile.offers) or 'nothing chosen'}"
            + (
                f'; {len(pairing.profile.avoid)} person(s) on your private "don\'t pair me with" list.'
                if pairing.profile.avoid
                else "."
            )
        )
    if pairing.programme_channels:
        lines.append(f"You take part in {len(pairing.programme_channels)} peer-support programme(s).")
    if pairing.history:
        lines.append(f"Your peer-support history: {len(pairing.history)} past introduction(s).")
    region = session.get(PersonRegion, (workspace_id, user_id))
    if region is not None:
        lines.append(f"The region you chose for professional help: {region.region}.")
    if count(
        SupportMapEntry, SupportMapEntry.workspace_id == workspace_id, SupportMapEntry.user_id == user_id
    ):
        lines.append("Your private support map (only you can see it).")
    pending = count(
        AnonymousQuestion,
        AnonymousQuestion.workspace_id == workspace_id,
        AnonymousQuestion.asker_id == user_id,
    )
    if pending:
        lines.append(
            f"{pending} anonymous question(s) waiting for an answer (the link to you goes once answered)."
        )
    return lines


def forget_person(*, session: Session, workspace_id: str, user_id: str) -> None:
    """Delete everything tied to this person: roles, pairing, region, support map, pending questions."""
    session.execute(
        delete(KindredAdmin).where(KindredAdmin.workspace_id == workspace_id, KindredAdmin.user_id == user_id)
    )
    session.execute(
        delete(ManagerAssignment).where(
            ManagerAssignment.workspace_id == workspace_id, ManagerAssignment.user_id == user_id
        )
    )
    leave_peer_support(session=session, workspace_id=workspace_id, user_id=user_id)
    for model in (PersonRegion, SupportMapEntry):
        session.execute(delete(model).where(model.workspace_id == workspace_id, model.user_id == user_id))
    session.execute(
        delete(AnonymousQuestion).where(
            AnonymousQuestion.workspace_id == workspace_id, AnonymousQuestion.asker_id == user_id
        )
    )
