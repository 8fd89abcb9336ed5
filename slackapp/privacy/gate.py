"""The one door numbers leave by: a viewer's reader of the stored publications.

The dashboard calls `Gate`, and nothing else, for every number it shows or exports. A `Gate` is built
per request from the viewer's server-side scope; asking it for a unit outside that scope raises
`OutOfScope`. It reads only publications (slackapp/privacy/publish.py computes them once per period, in
the worker): no histogram, answer or round count. A hidden value comes back as `None` with the reason
to show, never as zero. Every view is a few indexed reads of stored cells, so the first view after a
process starts or a period is published costs what the hundredth does.

Pages that set many teams side by side ("Where to act" and Compare over hundreds of teams) read whole
publications, and keep each one parsed per process by its id (`ParsedPublications`): a publication never
changes once stored (rule 4), so a kept copy can never differ from the database. The scope is still
checked for every unit of every request; the copy only saves reading and parsing the same cells again.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from slackapp.checkins.models import Comment
from slackapp.checkins.questions import QuestionKey
from slackapp.database import utcnow
from slackapp.org.service import OrgStructure, load_org, with_channels, with_former_departments
from slackapp.pairing.stats import RoundFigures, pairing_figures
from slackapp.privacy.models import Publication, PublishedCell, PublishedUnit
from slackapp.privacy.publish import HiddenReason
from slackapp.privacy.scope import Viewer
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind, hidden_count_text
from slackapp.resources.stats import GroupCount, GroupJoins, group_figures

QUESTION_KEYS: tuple[str, ...] = tuple(q.value for q in QuestionKey)
__all__ = [
    "Cell",
    "Gate",
    "OutOfScope",
    "ParsedPublications",
    "PrivacyRules",
    "QuestionFigures",
    "hidden_text",
    "reason_text",
]


class OutOfScope(PermissionError):
    """The viewer asked for a unit they may not see; the caller shows nothing."""


def reason_text(reason: str, min_group_size: int) -> str:
    """What a hidden cell says, in the leader's words, with the minimum its publication used.

    The same words whichever rule hid it (`reason` is kept in the publication, never shown): "fewer than
    5" would say "at most 4" and "hidden to protect a smaller group" would say "at least 5", and beside
    the totals either fact narrows a small team's count below the minimum (tests/privacy, the labels
    attack).
    """
    del reason
    return hidden_text(min_group_size)


def hidden_text(min_group_size: int) -> str:
    """The one label of every hidden cell, true whichever rule hid it."""
    return (
        f"hidden to protect anonymity: fewer than {min_group_size} answers, or showing it would let a "
        "smaller group's answers be worked out"
    )


@dataclass(frozen=True)
class PrivacyRules:
    min_group_size: int
    min_comment_group_size: int

    @property
    def hidden_reason(self) -> str:
        """The general note (a legend); each hidden cell carries its own reason (`Cell.reason`)."""
        return reason_text(HiddenReason.TOO_FEW, self.min_group_size)

    @property
    def comments_hidden_reason(self) -> str:
        return f"comments are shown only for groups of {self.min_comment_group_size} or more"


@dataclass(frozen=True)
class QuestionFigures:
    """One question's published distribution for one cell: counts of 1..5, and the mean with a 95% band
    to one decimal. `change` is the mean's change since the unit's previous publication, when both are
    shown (judge it against `low`..`high` and the cell's `respondents`)."""

    key: str
    respondents: int
    counts: tuple[int, ...]
    mean: float
    low: float
    high: float
    change: float | None = None


@dataclass(frozen=True)
class Cell:
    """One unit in one publication. `respondents is None` means hidden, for `reason` (a sentence to show
    as it is). Shown questions are in `questions`; hidden ones are listed in `hidden_questions`, each with
    its sentence in `question_reasons`. `respondents` is the group's size; `respondents_change` the
    change since the unit's previous publication (None when either is hidden or there is none)."""

    unit: UnitKey
    name: str
    period: date
    respondents: int | None
    invited: int | None
    questions: Mapping[str, QuestionFigures] = field(default_factory=dict)
    hidden_questions: tuple[str, ...] = ()
    reason: str | None = None
    question_reasons: Mapping[str, str] = field(default_factory=dict)
    respondents_change: int | None = None
    min_group_size: int = 0

    @property
    def hidden(self) -> bool:
        return self.respondents is None

    @property
    def participation(self) -> float | None:
        if self.respondents is None or not self.invited:
            return None
        return min(1.0, self.respondents / self.invited)


@dataclass(frozen=True)
class Engagement:
    pairing: list[RoundFigures]
    joins: list[GroupJoins]
    members: list[GroupCount]
    hidden_reason: str = ""  # the one label of every hidden number on the page


_CELL_COLUMNS = (
    PublishedCell.unit,
    PublishedCell.period,
    PublishedCell.parent,
    PublishedCell.publication_id,
    PublishedCell.respondents,
    PublishedCell.invited,
    PublishedCell.respondents_change,
    PublishedCell.reason,
    PublishedCell.figures,
    PublishedCell.round_id,
    Publication.min_group_size,
)


# Up to this many units are asked for by name; more are read as the whole index of units and picked.
_FEW_UNITS = 50


class Gate:
    """Published, scope-checked cells for one viewer, read in one session."""

    def __init__(self, *, session: Session, viewer: Viewer, rules: PrivacyRules) -> None:
        self._session = session
        self.viewer = viewer
        self.rules = rules
        known = session.execute(
            select(
                PublishedUnit.unit,
                PublishedUnit.name,
                PublishedUnit.latest_period,
                PublishedUnit.previous_period,
            ).where(PublishedUnit.workspace_id == viewer.workspace_id)
        ).all()
        # Each published unit's latest and previous period, as of this request (for many teams side by side).
        self._periods: dict[str, tuple[date, date | None]] = {
            row.unit: (row.latest_period, row.previous_period) for row in known
        }
        published = [(UnitKey.from_param(row.unit), row.name) for row in known]
        org = load_org(session=session, workspace_id=viewer.workspace_id, extra_channels=())
        # Teams that have results but no pulse or name any more are still listed (by channel), and a
        # deleted department keeps its published weeks under the name it had then.
        org = with_channels(org, [u.id for u, _ in published if u is not None and u.kind is UnitKind.TEAM])
        former = {
            uuid.UUID(u.id): name or "Former department"
            for u, name in published
            if u is not None and u.kind is UnitKind.DEPARTMENT
        }
        self.org: OrgStructure = with_former_departments(org, former)
        # Worked out once per gate (one request, one org structure): pages ask for them many times.
        self._units: list[UnitKey] | None = None
        self._benchmark_units: list[UnitKey] | None = None
        self._departments = {str(d.id): d for d in self.org.departments.values()}

    # -- what may be asked ------------------------------------------------------------------------

    def units(self) -> list[UnitKey]:
        """The units this viewer may pick (empty for someone with no access)."""
        if self._units is None:
            self._units = self.viewer.scope_units(self.org) if self.viewer.has_access else []
        return list(self._units)

    def name(self, unit: UnitKey) -> str:
        """A unit's current name; a deleted department's is the one it had, marked as deleted."""
        if unit.kind is UnitKind.ORG:
            return "Whole organisation"
        if unit.kind is UnitKind.DEPARTMENT:
            department = self._departments.get(unit.id)
            if department is None:
                return "Unknown department"
            return department.name if department.current else f"{department.name} (deleted)"
        team = self.org.teams.get(unit.id)
        return team.name if team else "Unknown team"

    def is_current(self, unit: UnitKey) -> bool:
        """False for a department that no longer exists (its published weeks can still be shown)."""
        if unit.kind is not UnitKind.DEPARTMENT:
            return True
        department = self._departments.get(unit.id)
        return department is not None and department.current

    def department_of(self, team: UnitKey) -> UnitKey | None:
        """The team's department today (the one its next round will be counted in)."""
        info = self.org.teams.get(team.id)
        if info is None or info.department_id is None:
            return None
        return UnitKey(UnitKind.DEPARTMENT, str(info.department_id))

    def check(self, unit: UnitKey) -> None:
        """Raise `OutOfScope` unless the viewer may see this unit. Every public method calls it."""
        if not self.viewer.has_access or not self.viewer.may_see(unit, self.org):
            raise OutOfScope(unit.to_param())

    # -- published cells --------------------------------------------------------------------------

    def series(
        self, unit: UnitKey, *, questions: Sequence[str] = QUESTION_KEYS, last: int | None = None
    ) -> list[Cell]:
        """The unit's cells in every publication that has one, oldest first (a hidden cell is listed)."""
        self.check(unit)
        return self._published_series(unit, questions, last=last)

    def _published_series(
        self, unit: UnitKey, questions: Sequence[str], *, last: int | None = None
    ) -> list[Cell]:
        query = (
            select(*_CELL_COLUMNS)
            .join(Publication, Publication.id == PublishedCell.publication_id)
            .where(
                PublishedCell.workspace_id == self.viewer.workspace_id, PublishedCell.unit == unit.to_param()
            )
            .order_by(PublishedCell.period.desc())
        )
        if last is not None:
            query = query.limit(last)
        return [self._cell(row, questions) for row in reversed(self._session.execute(query).all())]

    def latest_period(self) -> date | None:
        """The newest published period of the workspace."""
        return self._session.scalar(
            select(func.max(Publication.period)).where(Publication.workspace_id == self.viewer.workspace_id)
        )

    def compare(self, units: Iterable[UnitKey], *, questions: Sequence[str] = QUESTION_KEYS) -> list[Cell]:
        """Each unit's cell in its latest publication, side by side (a unit without one is left out)."""
        chosen = self._checked(units)
        latest, _before = self._side_by_side(chosen, previous=False)
        return [self._named(latest[u], questions) for u in chosen if u in latest]

    def compare_with_previous(
        self, units: Iterable[UnitKey], *, questions: Sequence[str] = QUESTION_KEYS
    ) -> list[tuple[Cell, Cell | None]]:
        """Each unit's latest cell and its cell in the publication before (None when it had none), read
        for all the units at once, not one query per unit ("Where to act" ranks 500 teams)."""
        chosen = self._checked(units)
        latest, before = self._side_by_side(chosen, previous=True)
        return [
            (self._named(latest[u], questions), self._named(before[u], questions) if u in before else None)
            for u in chosen
            if u in latest
        ]

    def _checked(self, units: Iterable[UnitKey]) -> list[str]:
        chosen = list(units)
        for unit in chosen:
            self.check(unit)
        return [u.to_param() for u in chosen]

    def _side_by_side(self, params: list[str], *, previous: bool) -> tuple[dict[str, Cell], dict[str, Cell]]:
        """The units' latest cells (and previous ones when asked), by unit, not yet named.

        A few units are read cell by cell. Many (HR's 500 teams) are picked from whole publications, kept
        parsed per process by id: a request after the first reads only which publications they are
        (the index of units is read with the gate)."""
        if len(params) <= _FEW_UNITS:
            few = self._cells_of(params, PublishedUnit.latest_period)
            if not previous:
                return few, {}
            return few, self._cells_of([u for u in params if u in few], PublishedUnit.previous_period)
        workspace_id = self.viewer.workspace_id
        index = [(u, *self._periods[u]) for u in params if u in self._periods]
        periods = {
            period
            for _unit, latest_period, previous_period in index
            for period in (latest_period, previous_period if previous else None)
            if period is not None
        }
        publications = dict(
            self._session.execute(
                select(Publication.period, Publication.id).where(
                    Publication.workspace_id == workspace_id, Publication.period.in_(periods)
                )
            ).all()
        )
        cells = {
            period: PARSED.cells(self._session, workspace_id, publication_id)
            for period, publication_id in publications.items()
        }
        latest: dict[str, Cell] = {}
        before: dict[str, Cell] = {}
        for unit, latest_period, previous_period in index:
            found = cells.get(latest_period, {}).get(unit)
            if found is None:
                continue
            latest[unit] = found
            if previous and previous_period is not None:
                earlier = cells.get(previous_period, {}).get(unit)
                if earlier is not None:
                    before[unit] = earlier
        return latest, before

    def _cells_of(self, params: list[str], period: Any) -> dict[str, Cell]:
        """A few units' cells in the period the index of units names (latest or previous), by unit."""
        if not params:
            return {}
        query = (
            select(*_CELL_COLUMNS)
            .join(Publication, Publication.id == PublishedCell.publication_id)
            .join(
                PublishedUnit,
                and_(
                    PublishedUnit.workspace_id == PublishedCell.workspace_id,
                    PublishedUnit.unit == PublishedCell.unit,
                    period == PublishedCell.period,
                ),
            )
            .where(PublishedUnit.workspace_id == self.viewer.workspace_id, PublishedUnit.unit.in_(params))
        )
        return {row.unit: cell_from_row(row, QUESTION_KEYS, name="") for row in self._session.execute(query)}

    def landscape(self, team: UnitKey) -> list[Cell]:
        """A team's latest cell beside its department's and the organisation's, from the same publication."""
        self.check(team)
        return self._beside_benchmarks(team)

    def _beside_benchmarks(self, unit: UnitKey) -> list[Cell]:
        """The unit's latest cell, then the cells above it in the same publication: for a team, the
        department it was counted in that period (recorded in the publication), and the organisation.
        They are cells of the one publication every viewer reads, so they add nothing a differencing
        attack could use."""
        questions = [q for q in QUESTION_KEYS if q not in ("wellbeing", "stress")]
        mine = self._published_series(unit, questions, last=1)
        if not mine:
            return []
        row = self._session.execute(
            select(PublishedCell.publication_id, PublishedCell.parent).where(
                PublishedCell.workspace_id == self.viewer.workspace_id,
                PublishedCell.unit == unit.to_param(),
                PublishedCell.period == mine[-1].period,
            )
        ).one()
        above = [row.parent] if unit.kind is UnitKind.TEAM and row.parent is not None else []
        if unit.kind is not UnitKind.ORG:
            above.append(ORG.to_param())
        found = {
            r.unit: r
            for r in self._session.execute(
                select(*_CELL_COLUMNS)
                .join(Publication, Publication.id == PublishedCell.publication_id)
                .where(PublishedCell.publication_id == row.publication_id, PublishedCell.unit.in_(above))
            )
        }
        return [mine[-1]] + [self._cell(found[u], questions) for u in dict.fromkeys(above) if u in found]

    def engagement(self, now: datetime | None = None) -> Engagement:
        """Peer-support and resource-group numbers, for viewers who see the whole organisation.

        Both are organisation-wide (a programme or a group is not a team), already made safe to show by
        their features (peer support in steps of the minimum group size; resource groups suppressed below
        it, over completed months only, before `now`); a manager gets `OutOfScope`.
        """
        if not self.viewer.everything:
            raise OutOfScope("engagement")
        workspace_id, minimum = self.viewer.workspace_id, self.rules.min_group_size
        groups = group_figures(
            session=self._session, workspace_id=workspace_id, min_group_size=minimum, now=now or utcnow()
        )
        return Engagement(
            pairing=pairing_figures(session=self._session, workspace_id=workspace_id, min_group_size=minimum),
            joins=groups.joins,
            members=groups.members,
            hidden_reason=hidden_count_text(minimum),
        )

    def comments(self, team: UnitKey, week: date) -> list[str] | None:
        """A team's comments for a published period, or None unless its cell is shown for a group of at
        least the comment minimum."""
        self.check(team)
        if team.kind is not UnitKind.TEAM:
            return None
        row = self._session.execute(
            select(PublishedCell.respondents, PublishedCell.round_id).where(
                PublishedCell.workspace_id == self.viewer.workspace_id,
                PublishedCell.unit == team.to_param(),
                PublishedCell.period == week,
            )
        ).first()
        if row is None or row.respondents is None or row.round_id is None:
            return None
        if row.respondents < self.rules.min_comment_group_size:
            return None
        return list(self._session.scalars(select(Comment.body).where(Comment.round_id == row.round_id)))

    # -- benchmarks: published cells above a viewer's own units ---------------------------------------

    def benchmark_units(self) -> list[UnitKey]:
        """Departments a viewer may read as a benchmark without managing them: those of the teams they
        lead. A team manager whose team is always hidden still sees where it stands through them."""
        if self._benchmark_units is None:
            found: list[UnitKey] = []
            if not self.viewer.everything:
                own = {u for u in self.units() if u.kind is UnitKind.DEPARTMENT}
                for unit in self.units():
                    department = self.department_of(unit) if unit.kind is UnitKind.TEAM else None
                    if department is not None and department not in own and department not in found:
                        found.append(department)
            self._benchmark_units = found
        return list(self._benchmark_units)

    def benchmark_series(
        self, unit: UnitKey, *, questions: Sequence[str] = QUESTION_KEYS, last: int | None = None
    ) -> list[Cell]:
        """A benchmark department's published cells (the same publication every viewer reads from).

        Only its own cells, never its teams': those stay within the department manager's scope.
        """
        if unit not in self.benchmark_units():
            self.check(unit)
        return self._published_series(unit, questions, last=last)

    def benchmarks(self, unit: UnitKey) -> list[Cell]:
        """A unit's latest cell beside its department's (for a team) and the organisation's, same week."""
        if unit not in self.benchmark_units():
            self.check(unit)
        return self._beside_benchmarks(unit)

    # -- internals --------------------------------------------------------------------------------

    def _cell(self, row: Any, questions: Sequence[str]) -> Cell:
        unit = UnitKey.from_param(row.unit) or ORG
        return cell_from_row(row, questions, name=self.name(unit), unit=unit)

    def _named(self, cell: Cell, questions: Sequence[str]) -> Cell:
        """A parsed cell (every question) as this request shows it: today's name, only `questions`."""
        return replace(narrowed(cell, questions), name=self.name(cell.unit))


def narrowed(cell: Cell, questions: Sequence[str]) -> Cell:
    """A cell parsed with every question, with only `questions`, in that order (as `cell_from_row` would
    have given it): a page's notes take the first hidden question's reason, so the order matters."""
    if tuple(questions) == QUESTION_KEYS or cell.respondents is None:
        return cell
    return replace(
        cell,
        questions={k: cell.questions[k] for k in questions if k in cell.questions},
        hidden_questions=tuple(k for k in questions if k in cell.question_reasons),
        question_reasons={k: cell.question_reasons[k] for k in questions if k in cell.question_reasons},
    )


class ParsedPublications:
    """Whole publications, parsed, kept per process by publication id: the least recently read go first.

    Safe because a stored publication never changes (rule 4): there is nothing to invalidate, and a new
    publication has a new id. A kept cell has every question and no name (names are today's, so each
    request adds them). It is only ever reached through a `Gate`, after the viewer's scope is checked,
    and only holds what the publication shows. `kept` bounds the memory: a publication of 500 teams is
    about 1 MB parsed, so the default keeps a few workspaces' latest and previous weeks.
    """

    def __init__(self, kept: int = 8) -> None:
        self._kept = kept
        self._lock = threading.Lock()  # web threads share it
        self._by_id: OrderedDict[uuid.UUID, tuple[str, dict[str, Cell]]] = OrderedDict()

    def cells(self, session: Session, workspace_id: str, publication_id: uuid.UUID) -> dict[str, Cell]:
        """Every cell of one publication of the workspace, by unit: kept, or read and parsed once."""
        with self._lock:
            found = self._by_id.get(publication_id)
            if found is not None and found[0] == workspace_id:
                self._by_id.move_to_end(publication_id)
                return found[1]
        rows = session.execute(
            select(*_CELL_COLUMNS)
            .join(Publication, Publication.id == PublishedCell.publication_id)
            .where(Publication.id == publication_id, Publication.workspace_id == workspace_id)
        )
        parsed = {row.unit: cell_from_row(row, QUESTION_KEYS, name="") for row in rows}
        if not parsed:
            return parsed  # not this workspace's (every publication has the organisation's cell)
        with self._lock:
            self._by_id[publication_id] = (workspace_id, parsed)
            self._by_id.move_to_end(publication_id)
            while len(self._by_id) > self._kept:
                self._by_id.popitem(last=False)
        return parsed

    def __len__(self) -> int:
        return len(self._by_id)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()


# This process's kept publications (one per process: gunicorn's workers each have their own).
PARSED = ParsedPublications()


def cell_from_row(row: Any, questions: Sequence[str], *, name: str, unit: UnitKey | None = None) -> Cell:
    """A stored cell as the reader gives it: hidden reasons in words, changes as published."""
    unit = unit or UnitKey.from_param(row.unit) or ORG
    minimum = int(row.min_group_size)
    if row.respondents is None:
        return Cell(
            unit=unit,
            name=name,
            period=row.period,
            respondents=None,
            invited=None,
            reason=reason_text(row.reason, minimum),
            min_group_size=minimum,
        )
    shown: dict[str, QuestionFigures] = {}
    reasons: dict[str, str] = {}
    for key in questions:
        figure = row.figures.get(key)
        if figure is None:
            continue  # not asked
        if "hidden" in figure:
            reasons[key] = reason_text(figure["hidden"], minimum)
            continue
        shown[key] = QuestionFigures(
            key=key,
            respondents=int(figure["n"]),
            counts=tuple(figure["counts"]),  # whole numbers, as published
            mean=float(figure["mean"]),
            low=float(figure["low"]),
            high=float(figure["high"]),
            change=figure.get("change"),
        )
    return Cell(
        unit=unit,
        name=name,
        period=row.period,
        respondents=int(row.respondents),
        invited=row.invited,
        questions=shown,
        hidden_questions=tuple(reasons),
        question_reasons=reasons,
        respondents_change=row.respondents_change,
        min_group_size=minimum,
    )


def published_team_cell(*, session: Session, round_id: uuid.UUID) -> Cell | None:
    """The published cell a round counted in (its team's, in its period), for the channel's results
    post; None while the round's period is not published, or when the round was replaced by a later
    round of its team in the same publication."""
    row = session.execute(
        select(*_CELL_COLUMNS)
        .join(Publication, Publication.id == PublishedCell.publication_id)
        .where(PublishedCell.round_id == round_id)
    ).first()
    if row is None:
        return None
    return cell_from_row(row, QUESTION_KEYS, name=row.unit)
