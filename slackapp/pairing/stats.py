"""Pairing numbers for the dashboard: participation and meeting rates per programme and round.

Pairing is not anonymous by nature, but the dashboard shows it only as aggregates (docs/anonymity.md), so the
same rule as every other number applies: a round whose people number fewer than the minimum group size
shows nothing. The meeting rate needs more: it splits the round's people into those whose group met and
those whose group did not, and each side must itself be empty or at least the minimum group size, or a
small side (one pair that never met) could be read off the rate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.pairing.models import Group, PairingRound, Programme, RoundState


@dataclass(frozen=True)
class RoundFigures:
    """One round's published figures; hidden values are None, with the reason to show."""

    programme_id: uuid.UUID
    channel_id: str
    round_number: int
    slot: datetime
    opted_in: int | None
    taking_part: int | None
    participation_rate: float | None  # taking part / opted in
    meeting_rate: float | None  # people whose group met / people taking part
    hidden_reason: str | None = None


def hidden_reason(min_group_size: int) -> str:
    return f"fewer than {min_group_size} people — hidden to protect privacy"


def publishable(count: int, min_group_size: int) -> bool:
    """A count may be shown when it is at least the minimum group size."""
    return count >= min_group_size


def pairing_figures(*, session: Session, workspace_id: str, min_group_size: int) -> list[RoundFigures]:
    """Every matched round of every programme in the workspace, oldest first, after suppression.

    Args:
        min_group_size: settings.min_group_size (never below 3).
    """
    people_in_groups = (
        select(
            Group.round_id,
            func.coalesce(func.sum(Group.size), 0).label("people"),
            func.coalesce(func.sum(Group.size).filter(Group.met_at.is_not(None)), 0).label("met"),
        )
        .group_by(Group.round_id)
        .subquery()
    )
    rows = session.execute(
        select(
            PairingRound.programme_id,
            Programme.channel_id,
            PairingRound.number,
            PairingRound.slot,
            PairingRound.opted_in_count,
            PairingRound.matched_count,
            people_in_groups.c.met,
        )
        .join(Programme, Programme.id == PairingRound.programme_id)
        .outerjoin(people_in_groups, people_in_groups.c.round_id == PairingRound.id)
        .where(PairingRound.workspace_id == workspace_id, PairingRound.state != RoundState.MATCHING)
        .order_by(Programme.channel_id, PairingRound.number)
    ).all()
    figures: list[RoundFigures] = []
    for programme_id, channel_id, number, slot, opted_in, taking_part, met in rows:
        opted_in, taking_part, met = opted_in or 0, taking_part or 0, int(met or 0)
        if not (publishable(opted_in, min_group_size) and publishable(taking_part, min_group_size)):
            figures.append(
                RoundFigures(
                    programme_id,
                    channel_id,
                    number,
                    slot,
                    None,
                    None,
                    None,
                    None,
                    hidden_reason(min_group_size),
                )
            )
            continue
        not_met = taking_part - met
        sides_safe = all(side == 0 or side >= min_group_size for side in (met, not_met))
        figures.append(
            RoundFigures(
                programme_id,
                channel_id,
                number,
                slot,
                opted_in,
                taking_part,
                taking_part / opted_in,
                met / taking_part if sides_safe else None,
                None if sides_safe else hidden_reason(min_group_size),
            )
        )
    return figures
