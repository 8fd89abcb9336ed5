"""Pairing numbers for the dashboard: per programme and round, how many opted in, were paired and met.

Pairing is not anonymous by nature, but the dashboard shows it only as aggregates (docs/anonymity.md): no
number of fewer than the minimum group size k may be shown or worked out. A round splits the people who
had opted in three ways: not paired (skipping, paused, gone from the channel or left out by the hard
rules), paired and met, paired and not met. HR sees sums of these parts on three surfaces, as often as it
likes: the App Home (how many opted in), the next round's preview (how many would take part) and this
page, round after round.

The rule: every peer-support count, on every surface, is shown in the same steps of k (`step_of`):
"at least 10" for 10 to 14, "fewer than 5" for 0 to 4. Here that is how many opted in, how many were
paired and how many met, each on its own; nothing is shown exactly, and no rate.

Why every count, and always. A count shown exactly beside one shown in steps pins their difference: the
App Home's "at least 10 opted in" when a round is matched, beside "12 taking part" here, leaves 0 to 2 not
paired; "14" leaves none, and the next round's "13", in a quiet channel, exactly one who skipped. Hiding
the share paired whenever one side was small did not help (the hiding said the side was small, and the
App Home narrowed it further), and two rounds' exact counts gave their exact difference. With every count
a step, a difference of two counts - not paired (opted in minus paired), not met (paired minus met),
the change from one round to the next - is a difference of two steps: 0 to k-1 when both are the same
step, 2k-1 values otherwise; never fewer than k. Which step a count is in depends on that count alone, so
that nothing shown or hidden says more.

Why no rate. A share rounded to the percent beside counts in steps gives the counts back: 55% who met, of
"at least 10 paired", can only be 6 of 11, and the App Home's "at least 10 opted in" then leaves 0 to 3 not
paired. A rate is worked out from the exact counts, so it says more than their steps do: HR reads "at
least 10 paired, at least 5 met" instead.

The meetings are counted once, when the round has closed, from the meetings reported by its close: a
count that moved while the round ran would tell, between two looks either side of a step, that a pair just
met. The limit of steps on the live surfaces (the App Home, the preview) is in docs/anonymity.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.pairing.models import Group, PairingRound, Programme, RoundState
from slackapp.privacy.suppression import Step, step_of


@dataclass(frozen=True)
class RoundFigures:
    """One round's figures as they may be shown; None is a count not shown (a running round's meetings)."""

    programme_id: uuid.UUID
    channel_id: str
    round_number: int
    slot: datetime
    opted_in: Step | None  # members of the programme when the round was matched
    taking_part: Step | None  # people put in a group
    met: Step | None  # people whose group met, counted when the round closed
    closed: bool = True  # False while the round runs: its meetings are counted when it closes


def round_figures(
    *,
    programme_id: uuid.UUID,
    channel_id: str,
    number: int,
    slot: datetime,
    opted_in: int,
    taking_part: int,
    met: int,
    closed: bool,
    min_group_size: int,
) -> RoundFigures:
    """One round's counts as they may be shown: each in steps of the minimum group size.

    Args:
        opted_in, taking_part, met: the round's exact counts (met as counted when it closed).
        closed: whether the round has closed (a running round's meetings are not shown).
        min_group_size: settings.min_group_size (never below 3).
    """
    return RoundFigures(
        programme_id,
        channel_id,
        number,
        slot,
        step_of(opted_in, min_group_size),
        step_of(taking_part, min_group_size),
        step_of(met, min_group_size) if closed else None,
        closed,
    )


def _met(round_met_count: int | None, reported_so_far: int) -> int:
    """The people who met, as counted when the round closed (`PairingRound.met_count`)."""
    del reported_so_far  # a running round's meetings are not shown; a closed one's never move
    return round_met_count or 0


def pairing_figures(*, session: Session, workspace_id: str, min_group_size: int) -> list[RoundFigures]:
    """Every matched round of every programme in the workspace, oldest first, in steps (`round_figures`).

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
    return [
        round_figures(
            programme_id=programme_id,
            channel_id=channel_id,
            number=number,
            slot=slot,
            opted_in=opted_in or 0,
            taking_part=taking_part or 0,
            met=_met(met_count, int(so_far or 0)),
            closed=state == RoundState.CLOSED,
            min_group_size=min_group_size,
        )
        for programme_id, channel_id, number, slot, opted_in, taking_part, so_far, met_count, state in rows
    ]
