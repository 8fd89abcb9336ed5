"""The worker's side of the gate: when a period completes, compute and store its publication, once.

A period is a calendar week (Monday, UTC). It completes when the week is over and every round that
opened in it has closed; periods are published in order, each exactly once. A publication takes every
closed round not yet in one whose week is the period or earlier (a round that closed after its own week
was published goes into the next one), counts each team's latest such round (its earlier ones are
recorded as replaced, never counted), and stores every cell any surface can show - the organisation,
each department, each team; answers, invited, and each question's count, histogram and mean - after
primary and complementary suppression over all of them together (slackapp/privacy/suppression.py).
Nothing here is ever updated: a later org move, a changed minimum or a late round changes later
publications only. A manager's scope is not a cell of its own: it chooses cells of this one publication
(no surface adds up a scope), so overlapping scopes pooled together still only hold published cells.

What a publication takes is not kept beyond it (docs/anonymity.md rule 3): in the same transaction, the
histograms of every round it takes go, and the counts and comments of those it does not show
(`_shred_taken`).

Precision: a shown question carries its histogram (how many chose 1..5) and its count, and its mean and
95% band are stored to one decimal. The histogram of a shown cell is exact on purpose - leaders are
shown it - so the protection of hidden cells rests on suppression, not on rounding: every published
number is a sum over whole blocks of at least the minimum group size, and a round counts in one
publication only, so there is no second, re-computed version of any number to set against the first.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from slackapp.checkins.models import Comment, Histogram, Round, RoundState
from slackapp.checkins.questions import SCALE, QuestionKey
from slackapp.database import Base
from slackapp.privacy.models import (
    Publication,
    PublicationSchedule,
    PublishedCell,
    PublishedRound,
    PublishedUnit,
)
from slackapp.privacy.suppression import (
    ORG,
    Tree,
    UnitKey,
    UnitKind,
    build_tree,
    publishable,
    publishable_questions,
)
from slackapp.scheduler.queue import bring_forward

QUESTION_KEYS: tuple[str, ...] = tuple(q.value for q in QuestionKey)
WEEK = timedelta(days=7)
# While a completed week waits for a round still open in it, look again this often.
RECHECK = timedelta(minutes=10)


class HiddenReason(StrEnum):
    TOO_FEW = "too_few"  # fewer than the minimum answered
    PROTECTS = "protects"  # enough answered, but showing it would let a smaller group be worked out


def period_of(moment: datetime) -> date:
    """The Monday (UTC) of the week a round opened in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def period_end(period: date) -> datetime:
    return datetime.combine(period + WEEK, time.min, tzinfo=UTC)


def schedule_publications(*, session: Session, workspace_id: str, now: datetime) -> uuid.UUID:
    """Make sure the workspace has its recurring publish job, due now (called when a round opens or
    closes: a close may complete a period).

    Returns:
        The id of the workspace's schedule row, the job's subject.
    """
    schedule_id = session.scalar(
        select(PublicationSchedule.id).where(PublicationSchedule.workspace_id == workspace_id)
    )
    if schedule_id is None:
        schedule = PublicationSchedule(workspace_id=workspace_id)
        session.add(schedule)
        session.flush()
        schedule_id = schedule.id
    bring_forward(session=session, kind=PUBLISH_JOB, subject_id=schedule_id, due_at=now)
    return schedule_id


PUBLISH_JOB = "privacy.publish"


@dataclass(frozen=True)
class PendingRound:
    """A round not yet in a publication, as publishing reads it."""

    id: uuid.UUID
    channel: str
    week: date
    opens_at: datetime
    closed: bool
    respondents: int
    invited: int | None
    department: str | None
    department_name: str | None


@dataclass(frozen=True)
class PublishOutcome:
    published: list[Publication]
    next_check: datetime  # when the workspace's job should look again


def publish_due_periods(
    *,
    session: Session,
    workspace_id: str,
    now: datetime,
    min_group_size: int,
    min_comment_group_size: int,
    limit: int | None = None,
) -> PublishOutcome:
    """Publish every completed, unpublished period of the workspace, oldest first (at most `limit` of
    them; then `next_check` is `now`, so a long backlog goes in several short transactions).

    The workspace's schedule row is locked first (`FOR UPDATE`), so a second worker waits and then finds
    nothing left to do; the unique (workspace, period) and round keys are the last line. Each
    publication deletes what it has taken (`_shred_taken`) in this same transaction: a job that fails
    before its commit leaves every round as it was, to be published again. The caller removes the
    deleted rows from the table files once it has committed (`remove_erased_rows`, models
    `ERASED_AT_PUBLICATION`).

    Args:
        min_group_size: the smallest group a cell may show.
        min_comment_group_size: the smallest team whose comments may be shown; a published team cell
            below it (or hidden) loses its round's comments for good.

    Returns:
        The publications made and when to look again.
    """
    session.scalar(
        select(PublicationSchedule.id)
        .where(PublicationSchedule.workspace_id == workspace_id)
        .with_for_update()
    )
    last = session.scalar(
        select(func.max(Publication.period)).where(Publication.workspace_id == workspace_id)
    )
    published: list[Publication] = []
    next_period = last + WEEK if last is not None else None
    next_check = period_end(period_of(now))
    while True:
        if limit is not None and len(published) >= limit:
            next_check = now
            break
        period = _next_period(session, workspace_id, next_period)
        if period is None:
            break
        if period_end(period) > now:
            next_check = min(next_check, period_end(period))
            break
        # Only the rounds this period can take: none opened after it (a long backlog stays cheap).
        pending = _pending(session, workspace_id, before=period_end(period))
        if any(not r.closed and r.week == period for r in pending):
            next_check = min(next_check, now + RECHECK)  # a round of the week is still open
            break
        chosen = [r for r in pending if r.closed]
        publication = _publish(
            session, workspace_id, period, chosen, now, min_group_size, min_comment_group_size
        )
        published.append(publication)
        next_period = period + WEEK
    return PublishOutcome(published=published, next_check=next_check)


def _not_yet_published() -> ColumnElement[bool]:
    return ~select(PublishedRound.round_id).where(PublishedRound.round_id == Round.id).exists()


def _next_period(session: Session, workspace_id: str, next_period: date | None) -> date | None:
    """The next period to publish: the first week, from `next_period` on, that has a round opened in it
    or that a closed late round falls into (a round closed after its own week was published)."""
    unpublished = [Round.workspace_id == workspace_id, _not_yet_published()]
    candidates: list[date] = []
    first_closed = session.scalar(
        select(func.min(Round.opens_at)).where(*unpublished, Round.state == RoundState.CLOSED)
    )
    if first_closed is not None:
        week = period_of(first_closed)
        candidates.append(max(week, next_period) if next_period is not None else week)
    still_open = [Round.state != RoundState.CLOSED]
    if next_period is not None:  # an open round of an already published week is late: it blocks nothing
        still_open.append(Round.opens_at >= datetime.combine(next_period, time.min, tzinfo=UTC))
    first_open = session.scalar(select(func.min(Round.opens_at)).where(*unpublished, *still_open))
    if first_open is not None:
        candidates.append(period_of(first_open))
    return min(candidates) if candidates else None


def _pending(session: Session, workspace_id: str, *, before: datetime) -> list[PendingRound]:
    rows = session.execute(
        select(
            Round.id,
            Round.channel_id,
            Round.opens_at,
            Round.state,
            Round.respondent_count,
            Round.invited_count,
            Round.department_id,
            Round.department_name,
        ).where(Round.workspace_id == workspace_id, Round.opens_at < before, _not_yet_published())
    ).all()
    return [
        PendingRound(
            id=r.id,
            channel=r.channel_id,
            week=period_of(r.opens_at),
            opens_at=r.opens_at,
            closed=r.state is RoundState.CLOSED,
            respondents=r.respondent_count or 0,
            invited=r.invited_count,
            department=str(r.department_id) if r.department_id else None,
            department_name=r.department_name,
        )
        for r in rows
    ]


def _publish(
    session: Session,
    workspace_id: str,
    period: date,
    rounds: Sequence[PendingRound],
    now: datetime,
    k: int,
    comment_k: int,
) -> Publication:
    counted = [r.id for r in _latest_per_team(rounds).values()]
    # Each unit's previous cell, for the changes a leader is shown (frozen with this publication), and
    # every unit's latest period, for the index of units.
    previous = {
        row.unit: PreviousCell(respondents=row.respondents, figures=row.figures)
        for row in session.execute(
            select(PublishedCell.unit, PublishedCell.respondents, PublishedCell.figures)
            .join(
                PublishedUnit,
                and_(
                    PublishedUnit.workspace_id == PublishedCell.workspace_id,
                    PublishedUnit.unit == PublishedCell.unit,
                    PublishedUnit.latest_period == PublishedCell.period,
                ),
            )
            .where(PublishedUnit.workspace_id == workspace_id)
        )
    }
    known: dict[str, date] = dict(
        session.execute(
            select(PublishedUnit.unit, PublishedUnit.latest_period).where(
                PublishedUnit.workspace_id == workspace_id
            )
        ).all()
    )
    rows = compute_publication(
        workspace_id=workspace_id,
        period=period,
        rounds=rounds,
        asked=_asked(session, counted),
        histograms=_histograms(session, counted),
        previous=previous,
        known=known,
        now=now,
        k=k,
    )
    publication = Publication(**rows.publication)
    session.add(publication)
    session.flush()
    session.execute(insert(PublishedRound), rows.rounds)
    session.execute(insert(PublishedCell), rows.cells)
    # The index of units (not part of the frozen publication): each unit's latest period and name.
    session.execute(
        delete(PublishedUnit).where(
            PublishedUnit.workspace_id == workspace_id,
            PublishedUnit.unit.in_([c["unit"] for c in rows.cells]),
        )
    )
    session.execute(insert(PublishedUnit), rows.units)
    _shred_taken(session, rows, comment_k)
    return publication


# What storing a publication deletes or rewrites: histograms, comments, and the round rows, whose
# earlier versions hold the counts (`slackapp.checkins.service.remove_erased_rows` removes them).
ERASED_AT_PUBLICATION: tuple[type[Base], ...] = (Histogram, Comment, Round)


def _shred_taken(session: Session, rows: PublicationRows, comment_k: int) -> None:
    """Delete what the publication has taken and nothing will read again (docs/anonymity.md rule 3).

    Every surface reads publications, which never change, and a round counts in one publication only,
    so a taken round's histograms are never read again; kept, a small team's would say, to anyone with a
    copy of the database, how its members answered (three of three who all chose 1: each of them chose 1).
    The round's respondent and invited counts stay only where its team's cell shows them anyway, and its
    comments only where the gate may show them: the team's cell shown for at least `comment_k` people
    (`slackapp.privacy.gate.Gate.comments`, which still checks the minimum of the day). A replaced round
    (an earlier one of the same team in the period) is shown nowhere, so it keeps neither.
    """
    taken = [r["round_id"] for r in rows.rounds]
    shown = {
        c["round_id"]: c["respondents"]
        for c in rows.cells
        if c["round_id"] is not None and c["respondents"] is not None
    }
    for start in range(0, len(taken), 1000):
        chunk = taken[start : start + 1000]
        session.execute(
            delete(Histogram)
            .where(Histogram.round_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        silenced = [r for r in chunk if shown.get(r, 0) < comment_k]
        if silenced:
            session.execute(
                delete(Comment)
                .where(Comment.round_id.in_(silenced))
                .execution_options(synchronize_session=False)
            )
        unshown = [r for r in chunk if r not in shown]
        if unshown:
            session.execute(
                update(Round)
                .where(Round.id.in_(unshown))
                .values(respondent_count=None, invited_count=None)
                .execution_options(synchronize_session=False)
            )


@dataclass(frozen=True)
class PreviousCell:
    """A unit's cell in the publication before, as far as the next one needs it (its changes)."""

    respondents: int | None
    figures: Mapping[str, Any]


@dataclass(frozen=True)
class PublicationRows:
    """One publication as the rows the worker stores: `privacy_publication`, `privacy_published_round`,
    `privacy_published_cell` and the new `privacy_published_unit` rows, as column -> value mappings."""

    publication: dict[str, Any]
    rounds: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    units: list[dict[str, Any]]


def _latest_per_team(rounds: Sequence[PendingRound]) -> dict[str, PendingRound]:
    latest: dict[str, PendingRound] = {}
    for round_ in sorted(rounds, key=lambda r: r.opens_at):
        latest[round_.channel] = round_
    return latest


def compute_publication(
    *,
    workspace_id: str,
    period: date,
    rounds: Sequence[PendingRound],
    asked: Mapping[uuid.UUID, frozenset[str]],
    histograms: Mapping[uuid.UUID, Mapping[str, Mapping[int, int]]],
    previous: Mapping[str, PreviousCell],
    known: Mapping[str, date],
    now: datetime,
    k: int,
) -> PublicationRows:
    """A period's publication, worked out from what it reads (no database: the worker stores the rows).

    Args:
        rounds: the closed rounds going into it; each team's latest is counted, the others replaced.
        asked, histograms: per counted round, the questions it asked and its histograms.
        previous: each unit's cell in its latest publication so far (for the published changes).
        known: each unit's latest published period so far (for the index of units).
        k: the minimum group size.
    """
    latest = _latest_per_team(rounds)
    counted = {r.id for r in latest.values()}
    tree = build_tree({channel: r.department for channel, r in latest.items()})
    names = {r.department: r.department_name for r in latest.values() if r.department}
    publication: dict[str, Any] = {
        "id": uuid.uuid4(),
        "workspace_id": workspace_id,
        "period": period,
        "published_at": now,
        "min_group_size": k,
        "tree": {
            "departments": {
                d: {"name": names[d], "teams": [t.id for t in tree.children[UnitKey(UnitKind.DEPARTMENT, d)]]}
                for d in sorted(names)
            },
            "teams": [t.id for t in tree.children[ORG] if t.kind is UnitKind.TEAM],
        },
    }
    publication_id = publication["id"]
    round_rows = [
        {"round_id": r.id, "publication_id": publication_id, "counted": r.id in counted} for r in rounds
    ]
    respondents = {channel: r.respondents for channel, r in latest.items()}
    shown = publishable(tree, respondents, k)
    shown_questions = publishable_questions(
        tree,
        shown,
        respondents,
        {c: asked.get(r.id, frozenset()) for c, r in latest.items()},
        QUESTION_KEYS,
        k,
    )
    parents = {child: parent for parent, kids in tree.children.items() for child in kids}
    cells: list[dict[str, Any]] = []
    for node in tree.postorder():
        teams = [latest[t.id] for t in tree.teams_under(node)]
        size = sum(r.respondents for r in teams)
        parent = parents.get(node)
        cell: dict[str, Any] = {
            "publication_id": publication_id,
            "unit": node.to_param(),
            "workspace_id": workspace_id,
            "period": period,
            "parent": parent.to_param() if parent else None,
            "name": names.get(node.id) if node.kind is UnitKind.DEPARTMENT else None,
            "respondents": None,
            "invited": None,
            "respondents_change": None,
            "reason": None,
            "figures": {},
            "round_id": latest[node.id].id if node.kind is UnitKind.TEAM else None,
        }
        if node not in shown:
            cell["reason"] = HiddenReason.TOO_FEW if size < k else HiddenReason.PROTECTS
            cells.append(cell)
            continue
        invited = [r.invited for r in teams]
        cell["respondents"] = size
        cell["invited"] = None if any(v is None for v in invited) else sum(v or 0 for v in invited)
        before = previous.get(node.to_param())
        if before is not None and before.respondents is not None:
            cell["respondents_change"] = size - before.respondents
        earlier: Mapping[str, Any] = before.figures if before is not None else {}
        figures: dict[str, Any] = {}
        for question in QUESTION_KEYS:
            asking = [r for r in teams if question in asked.get(r.id, ())]
            if not asking:
                continue
            if node not in shown_questions[question]:
                answered = sum(r.respondents for r in asking)
                figures[question] = {
                    "hidden": HiddenReason.TOO_FEW if answered < k else HiddenReason.PROTECTS
                }
                continue
            counts = [0] * len(SCALE)
            for r in asking:
                for value, count in histograms.get(r.id, {}).get(question, {}).items():
                    counts[value - SCALE.start] += count
            if sum(counts):
                figures[question] = _figures(counts)
                last = earlier.get(question, {}).get("mean")
                figures[question]["change"] = (
                    None if last is None else round(figures[question]["mean"] - last, 1)
                )
        cell["figures"] = figures
        cells.append(cell)
    units = [
        {
            "workspace_id": workspace_id,
            "unit": c["unit"],
            "latest_period": period,
            "previous_period": known.get(c["unit"]),
            "name": c["name"],
        }
        for c in cells
    ]
    return PublicationRows(publication=publication, rounds=round_rows, cells=cells, units=units)


def _figures(counts: Sequence[int]) -> dict[str, Any]:
    """A shown question: its histogram and count exactly, its mean and 95% band to one decimal."""
    n = sum(counts)
    values = list(SCALE)
    mean = sum(v * c for v, c in zip(values, counts, strict=True)) / n
    variance = sum(c * (v - mean) ** 2 for v, c in zip(values, counts, strict=True)) / max(n - 1, 1)
    margin = 1.96 * math.sqrt(variance / n)
    return {
        "n": n,
        "counts": list(counts),
        "mean": round(mean, 1),
        "low": round(max(1.0, mean - margin), 1),
        "high": round(min(5.0, mean + margin), 1),
    }


def _asked(session: Session, round_ids: list[uuid.UUID]) -> dict[uuid.UUID, frozenset[str]]:
    asked: dict[uuid.UUID, frozenset[str]] = {}
    for start in range(0, len(round_ids), 1000):
        for round_id, snapshot in session.execute(
            select(Round.id, Round.questions).where(Round.id.in_(round_ids[start : start + 1000]))
        ):
            asked[round_id] = frozenset(str(q["key"]) for q in snapshot)
    return asked


def _histograms(session: Session, round_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, dict[int, int]]]:
    found: dict[uuid.UUID, dict[str, dict[int, int]]] = {}
    for start in range(0, len(round_ids), 1000):
        for round_id, key, value, count in session.execute(
            select(Histogram.round_id, Histogram.question_key, Histogram.value, Histogram.count).where(
                Histogram.round_id.in_(round_ids[start : start + 1000])
            )
        ):
            found.setdefault(round_id, {}).setdefault(key, {})[value] = count
    return found


def tree_of(publication_tree: Mapping[str, Any]) -> Tree:
    """The tree a publication was computed on, from what it recorded."""
    teams: dict[str, str | None] = dict.fromkeys(publication_tree.get("teams", []))
    for department, entry in publication_tree.get("departments", {}).items():
        teams.update(dict.fromkeys(entry["teams"], department))
    return build_tree(teams)
