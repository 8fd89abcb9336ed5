"""Suggested next steps for a team's weakest kind of support, tied to what Kindred already offers.

Reads the directory HR keeps (peer-support programmes, resource groups and their support kinds, the
help contact), never an answer: the gap itself comes from published cells (`queries.weakest_kind`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dashboards.queries import QUESTION_LABELS, SUPPORT_KINDS, CompareRow, weakest_kind
from slackapp.admin.service import get_help_contact
from slackapp.pairing.service import list_programmes
from slackapp.resources.models import EntryKind
from slackapp.resources.service import list_entries

# A kind of support scored below this (out of 5) is a gap worth a next step.
GAP_BELOW = 3.6
MOST_STEPS = 5

ASKING_FOR = {
    "emotional": "someone to listen",
    "practical": "practical help",
    "advice": "advice and know-how",
    "belonging": "company and belonging",
}


@dataclass(frozen=True)
class NextStep:
    team: str
    kind: str  # the weakest kind of support, e.g. "advice"
    score: float
    actions: tuple[str, ...]

    @property
    def gap(self) -> str:
        return (
            f"{self.team}: {QUESTION_LABELS[self.kind].lower()} is the weakest kind ({self.score:.1f} of 5)"
        )


@dataclass(frozen=True)
class StepGroup:
    """Teams with the same weakest kind of support, and what to do about it, said once for all of them.

    Five cards repeating the same three steps for three teams read as noise (and on a phone as a long
    scroll); one card naming the three teams shows a pattern a leader can act on once.
    """

    kind: str
    teams: tuple[tuple[str, float], ...]  # (team, score), most in need first
    actions: tuple[str, ...]

    @property
    def gap(self) -> str:
        named = [
            f"{team} ({score:.1f}{' of 5' if i == 0 else ''})" for i, (team, score) in enumerate(self.teams)
        ]
        teams = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        return f"{QUESTION_LABELS[self.kind]} is the weakest kind of support in {teams}"


def grouped(steps: Sequence[NextStep]) -> list[StepGroup]:
    """The steps by kind of support (and the same steps), in the order their first team is ranked."""
    groups: dict[tuple[str, tuple[str, ...]], list[NextStep]] = {}
    for step in steps:
        groups.setdefault((step.kind, step.actions), []).append(step)
    return [
        StepGroup(kind, tuple((s.team, s.score) for s in members), actions)
        for (kind, actions), members in groups.items()
    ]


def next_steps(*, session: Session, workspace_id: str, rows: Sequence[CompareRow]) -> list[NextStep]:
    """For the teams most in need (rows come ranked), what to do about each one's weakest kind."""
    programmes = list_programmes(session=session, workspace_id=workspace_id)
    entries = list_entries(session=session, workspace_id=workspace_id)
    groups = [e for e in entries if e.kind is not EntryKind.PROFESSIONAL]
    professional = [e for e in entries if e.kind is EntryKind.PROFESSIONAL]
    contact = get_help_contact(session=session, workspace_id=workspace_id)
    steps: list[NextStep] = []
    for row in rows:
        support = {k: row.scores.get(k) for k in SUPPORT_KINDS}
        kind = weakest_kind(support)
        score = support.get(kind) if kind else None
        if kind is None or score is None or score >= GAP_BELOW:
            continue
        wanted = ASKING_FOR[kind]
        actions: list[str] = []
        active = [p for p in programmes if not p.paused]
        if active:
            actions.append(
                f"Invite the team to peer support: with /peers in Slack people can ask for {wanted}, and "
                "are matched with colleagues who offer it."
            )
        else:
            actions.append(
                f"Start a peer-support programme (Kindred's App Home, Peer support) so people can ask for "
                f"{wanted} from a colleague."
            )
        tagged = [g.name for g in groups if kind in (g.support_kinds or [])]
        if tagged:
            actions.append(f"Share the groups that offer {wanted}: {', '.join(tagged[:3])} (in /resources).")
        if kind == "emotional":
            if contact is not None:
                reach = contact.phone or contact.url or ""
                actions.append(f"Remind the team of {contact.name}{f' ({reach})' if reach else ''}.")
            elif professional:
                actions.append(f"Remind the team of {professional[0].name} (in /resources).")
            else:
                actions.append("Set a help contact in Kindred's App Home, so people know where to turn.")
        steps.append(NextStep(team=row.name, kind=kind, score=score, actions=tuple(actions)))
        if len(steps) >= MOST_STEPS:
            break
    return steps
