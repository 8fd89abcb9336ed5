"""Pairing numbers for the dashboard: participation and meeting rates per programme and round.

Pairing is not anonymous by nature, but the dashboard shows it only as aggregates (docs/anonymity.md), so the
same rule as every other number applies: a round whose people number fewer than the minimum group size
shows nothing. The meeting rate needs more. It splits the round's people into those whose group met and
those whose did not, and it is shown only when both sides are at least the minimum: not when one side
is empty either, or a hidden rate would say "someone met, but few" (in a round of five pairs, two or
four people). And it is counted once, when the round has closed, from the meetings reported by its
close: a rate that moved while the round ran would tell, between two looks, that one pair just met.
The share of those who opted in that were paired splits people the same way (paired, and opted in but
not paired: skipping, paused, gone from the channel or left out by the hard rules), so it follows the
same rule; beside the count taking part it would otherwise give away how many were not paired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.pairing.models import Group, PairingRound, Programme, RoundState
from slackapp.privacy.suppression import hidden_count_text


@dataclass(frozen=True)
class RoundFigures:
    """One round's published figures; hidden values are None, and then `hidden_reason` is the label to
    show (a running round's meeting rate is not hidden, only not counted yet)."""

    programme_id: uuid.UUID
    channel_id: str
    round_number: int
    slot: datetime
    opted_in: int | None  # only with the participation rate: one gives the other away
    taking_part: int | None
    participation_rate: float | None  # taking part / opted in
    meeting_rate: float | None  # people whose group met / people taking part
    hidden_reason: str | None = None
    closed: bool = True  # False while the round runs: its meetings are counted when it closes

    @property
    def meeting_hidden(self) -> bool:
        """Whether the meeting rate is hidden (rather than shown, or not counted yet)."""
        return self.meeting_rate is None and (self.closed or self.taking_part is None)


def hidden_reason(min_group_size: int) -> str:
    return hidden_count_text(min_group_size)


def publishable(count: int, min_group_size: int) -> bool:
    """A count may be shown when it is at least the minimum group size."""
    return count >= min_group_size


def meeting_shown(*, met: int, taking_part: int, closed: bool, min_group_size: int) -> bool:
    """Whether a round's meeting rate may be shown: once closed, with both sides at least the minimum."""
    return closed and met >= min_group_size and taking_part - met >= min_group_size


def participation_shown(*, taking_part: int, opted_in: int, min_group_size: int) -> bool:
    """Whether a round's share of those who opted in that were paired may be shown: both sides, the
    paired and the not paired, at least the minimum (so never 100%, or "hidden" would say "a few were
    not paired")."""
    return taking_part >= min_group_size and opted_in - taking_part >= min_group_size


def _met(round_met_count: int | None, reported_so_far: int) -> int:
    """The people who met, as counted when the round closed (`PairingRound.met_count`)."""
    del reported_so_far  # a running round's meetings are not shown; a closed one's never move
    return round_met_count or 0


def pairing_figures(*, session: Session, workspace_id: str, min_group_size: int) -> list[RoundFigures]:
    """Every matched round of every programme in the workspace, oldest first, after suppression.

    Args:
        min_group_size: settings.min_group_size (never below 3).
    """
    people_in_groups = (
        select(
            Group.round_id,
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
            PairingRound.met_count,
            PairingRound.state,
        )
        .join(Programme, Programme.id == PairingRound.programme_id)
        .outerjoin(people_in_groups, people_in_groups.c.round_id == PairingRound.id)
        .where(PairingRound.workspace_id == workspace_id, PairingRound.state != RoundState.MATCHING)
        .order_by(Programme.channel_id, PairingRound.number)
    ).all()
    figures: list[RoundFigures] = []
    for programme_id, channel_id, number, slot, opted_in, taking_part, so_far, met_count, state in rows:
        opted_in, taking_part, met = opted_in or 0, taking_part or 0, _met(met_count, int(so_far or 0))
        closed = state == RoundState.CLOSED
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
                    closed,
                )
            )
            continue
        shown = meeting_shown(met=met, taking_part=taking_part, closed=closed, min_group_size=min_group_size)
        rate_shown = participation_shown(
            taking_part=taking_part, opted_in=opted_in, min_group_size=min_group_size
        )
        hidden = (closed and not shown) or not rate_shown
        figures.append(
            RoundFigures(
                programme_id,
                channel_id,
                number,
                slot,
                opted_in if rate_shown else None,
                taking_part,
                taking_part / opted_in if rate_shown else None,
                met / taking_part if shown else None,
                hidden_reason(min_group_size) if hidden else None,
                closed,
            )
        )
    return figures
