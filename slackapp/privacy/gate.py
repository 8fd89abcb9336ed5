"""The one door numbers leave by: published cells for a viewer, per period, after suppression.

The dashboard calls `Gate`, and nothing else, for every number it shows or exports. A `Gate` is built
per request from the viewer's server-side scope; asking it for a unit outside that scope raises
`OutOfScope`. Hidden values come back as `None` with the reason to show, never as zero.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, case, cast, func, select
from sqlalchemy.orm import Session

from slackapp.checkins.models import Comment, Histogram, Round, RoundState
from slackapp.checkins.questions import SCALE, QuestionKey
from slackapp.org.service import OrgStructure, load_org, with_channels, with_former_departments
from slackapp.pairing.stats import RoundFigures, pairing_figures
from slackapp.privacy.indexes import ROUNDS_BY_WORKSPACE_AND_WEEK
from slackapp.privacy.scope import Viewer
from slackapp.privacy.suppression import ORG, Tree, UnitKey, UnitKind, build_tree, publishable
from slackapp.resources.stats import GroupCount, MonthlyJoins, joins_per_month, stored_members_per_group

PARTICIPATION = "participation"
QUESTION_KEYS: tuple[str, ...] = tuple(q.value for q in QuestionKey)
__all__ = ["ROUNDS_BY_WORKSPACE_AND_WEEK", "Cell", "Gate", "OutOfScope", "PrivacyRules", "QuestionFigures"]


class OutOfScope(PermissionError):
    """The viewer asked for a unit they may not see; the caller shows nothing."""


@dataclass(frozen=True)
class PrivacyRules:
    min_group_size: int
    min_comment_group_size: int
    # How long the web process may trust its last look at a workspace's round counts (seconds). A
    # slightly stale view is an older publication, just as safe; the org structure is always re-read.
    recheck_rounds_after: float = 0.0

    @property
    def hidden_reason(self) -> str:
        return f"fewer than {self.min_group_size} answers — hidden to protect anonymity"

    @property
    def comments_hidden_reason(self) -> str:
        return f"comments are shown only for groups of {self.min_comment_group_size} or more"


@dataclass(frozen=True)
class QuestionFigures:
    """One question's published distribution for one cell: counts of 1..5 and the mean with a 95% band."""

    key: str
    respondents: int
    counts: tuple[int, ...]
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Cell:
    """One unit in one period. `respondents is None` means hidden; hidden questions are simply absent
    from `questions` and listed in `hidden_questions`, each to be shown with the rules' reason."""

    unit: UnitKey
    name: str
    period: date
    respondents: int | None
    invited: int | None
    questions: Mapping[str, QuestionFigures] = field(default_factory=dict)
    hidden_questions: tuple[str, ...] = ()

    @property
    def hidden(self) -> bool:
        return self.respondents is None

    @property
    def participation(self) -> float | None:
        if self.respondents is None or not self.invited:
            return None
        return min(1.0, self.respondents / self.invited)


class _TeamRound(NamedTuple):  # a tuple: tens of thousands are made when a snapshot is built
    round_id: uuid.UUID
    respondents: int
    invited: int | None
    department: str | None  # the department the round was closed in (recorded by `close_round`)


@dataclass(frozen=True)
class _Period:
    start: date
    complete: bool
    rounds: Mapping[str, _TeamRound]  # team channel -> its latest closed round that week
    extra_round_ids: frozenset[uuid.UUID]  # earlier closed rounds of the same team that week: never shown
    respondents: int = 0  # over all its teams
    invited: int | None = None  # over all its teams; None if any team's is unknown
    # department id -> the team channels whose round was closed in it: this week's tree, for good
    departments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def signature(self) -> tuple[object, ...]:
        """Everything this week's publication and sums depend on."""
        return (
            self.complete,
            tuple(
                sorted(
                    (c, r.round_id, r.respondents, r.invited, r.department or "")
                    for c, r in self.rounds.items()
                )
            ),
            self.extra_round_ids,
        )

    def members(self, unit: UnitKey) -> list[_TeamRound]:
        """The rounds counted in `unit` this week: by the departments recorded on them, not today's."""
        if unit.kind is UnitKind.ORG:
            return list(self.rounds.values())
        if unit.kind is UnitKind.TEAM:
            return [self.rounds[unit.id]] if unit.id in self.rounds else []
        return [self.rounds[channel] for channel in self.departments.get(unit.id, ())]


@dataclass(frozen=True)
class _Publication:
    tree: Tree
    cells: Mapping[str, frozenset[UnitKey]]  # measure -> published nodes


Counts = dict[str, dict[int, int]]  # question -> value -> count


@dataclass
class _Snapshot:
    """What one workspace's closed rounds look like, valid while its fingerprint holds.

    Completed weeks never change (closed rounds keep only their histograms, which nothing rewrites, and
    the department each was closed in), so their weeks, suppression patterns and per-unit histogram
    sums are kept between requests. The key covers the rounds (count, closed count, counts, first and
    last opening) and the minimum group size; any change starts a new snapshot. Today's org structure
    is not in it, because nothing here depends on it: moving a team or renaming or deleting a
    department changes names and scopes (read on every request), never a closed week. Only aggregates
    live here, never a row about a person.
    """

    key: tuple[object, ...]
    periods: list[_Period]
    channels: frozenset[str] = frozenset()
    complete: list[_Period] = field(default_factory=list)
    unit_weeks: dict[UnitKey, list[date]] = field(default_factory=dict)  # team or department -> weeks
    by_week: dict[date, _Period] = field(default_factory=dict)  # completed weeks
    former_names: dict[str, str] = field(default_factory=dict)  # deleted department id -> its last name
    publications: dict[date, _Publication] = field(default_factory=dict)
    histograms: dict[tuple[UnitKey, date], Counts] = field(default_factory=dict)
    figures: dict[tuple[UnitKey, date, str], QuestionFigures] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_SNAPSHOTS: dict[str, _Snapshot] = {}
_SNAPSHOTS_LOCK = threading.Lock()
_FINGERPRINTS: dict[str, tuple[float, tuple[object, ...]]] = {}
_HISTOGRAMS_MAX = 200_000


def _carry_over(previous: _Snapshot, current: _Snapshot) -> None:
    """Keep what was worked out for weeks that did not change (same rounds, counts and org structure):
    a round closing this week should not make every past week be worked out again."""
    before = {p.start: p.signature() for p in previous.complete}
    same = {p.start for p in current.complete if before.get(p.start) == p.signature()}
    with previous.lock:
        current.publications.update({w: v for w, v in previous.publications.items() if w in same})
        current.histograms.update({k: v for k, v in previous.histograms.items() if k[1] in same})
        current.figures.update({k: v for k, v in previous.figures.items() if k[1] in same})


def forget_round_counts(workspace_id: str | None = None) -> None:
    """Make the next request read the round counts again, instead of trusting them for a few seconds
    (`PrivacyRules.recheck_rounds_after`): after a bulk import, or in a test that adds a week."""
    with _SNAPSHOTS_LOCK:
        if workspace_id is None:
            _FINGERPRINTS.clear()
        else:
            _FINGERPRINTS.pop(workspace_id, None)


def period_of(moment: datetime) -> date:
    """The Monday (UTC) of the week a round opened in."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Engagement:
    pairing: list[RoundFigures]
    joins: list[MonthlyJoins]
    members: list[GroupCount]


class Gate:
    """Published, scope-checked aggregates for one viewer, read in one session."""

    def __init__(self, *, session: Session, viewer: Viewer, rules: PrivacyRules) -> None:
        self._session = session
        self.viewer = viewer
        self.rules = rules
        self._snapshot_cache: _Snapshot | None = None
        # Teams come from pulses and names here, and from the rounds (below) for deleted pulses.
        self.org: OrgStructure = load_org(
            session=session, workspace_id=viewer.workspace_id, extra_channels=()
        )
        self.org = with_channels(self.org, self._snapshot().channels)
        # Deleted departments keep their closed weeks; they are listed (for those who see everything)
        # under the name they had when their last round closed.
        self.org = with_former_departments(self.org, self._former_departments())

    # -- what may be asked ------------------------------------------------------------------------

    def units(self) -> list[UnitKey]:
        """The units this viewer may pick (empty for someone with no access)."""
        return self.viewer.scope_units(self.org) if self.viewer.has_access else []

    def name(self, unit: UnitKey) -> str:
        """A unit's current name; a deleted department's is the one it had, marked as deleted."""
        if unit.kind is UnitKind.ORG:
            return "Whole organisation"
        if unit.kind is UnitKind.DEPARTMENT:
            for department in self.org.departments.values():
                if str(department.id) == unit.id:
                    return department.name if department.current else f"{department.name} (deleted)"
            return "Unknown department"
        team = self.org.teams.get(unit.id)
        return team.name if team else "Unknown team"

    def is_current(self, unit: UnitKey) -> bool:
        """False for a department that no longer exists (its closed weeks can still be shown)."""
        if unit.kind is not UnitKind.DEPARTMENT:
            return True
        return any(str(d.id) == unit.id and d.current for d in self.org.departments.values())

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
        """The unit's cells over completed periods, oldest first (a hidden cell is still listed)."""
        self.check(unit)
        return self._cells(unit, questions, last=last)

    def latest_period(self) -> date | None:
        complete = [p for p in self._snapshot().periods if p.complete]
        return complete[-1].start if complete else None

    def compare(self, units: Iterable[UnitKey], *, questions: Sequence[str] = QUESTION_KEYS) -> list[Cell]:
        """Each unit's cell in its latest completed period, side by side."""
        chosen = list(units)
        for unit in chosen:
            self.check(unit)
        self._prefetch_latest_teams([u for u in chosen if u.kind is UnitKind.TEAM])
        cells: list[Cell] = []
        for unit in chosen:
            latest = self._cells(unit, questions, last=1)
            if latest:
                cells.append(latest[-1])
        return cells

    def landscape(self, team: UnitKey) -> list[Cell]:
        """A team's latest cell beside its department's and the organisation's, for the same week.

        The department and organisation cells are benchmarks: a viewer who may see the team may see
        them too. They come from the same publication as everything else, so they add nothing a
        differencing attack could use.
        """
        self.check(team)
        questions = [q for q in QUESTION_KEYS if q not in ("wellbeing", "stress")]
        mine = self._cells(team, questions, last=1)
        if not mine:
            return []
        week = mine[-1].period
        result = [mine[-1]]
        # The department the team's round was counted in that week, which may not be today's.
        recorded = self._snapshot().by_week[week].rounds[team.id].department
        department = UnitKey(UnitKind.DEPARTMENT, recorded) if recorded else None
        for benchmark in ([department] if department else []) + [ORG]:
            result += self._cells(benchmark, questions, week=week)
        return result

    def engagement(self) -> Engagement:
        """Peer-support and resource-group numbers, for viewers who see the whole organisation.

        Both are organisation-wide (a programme or a group is not a team), already suppressed below the
        minimum group size by their features; a manager gets `OutOfScope`.
        """
        if not self.viewer.everything:
            raise OutOfScope("engagement")
        workspace_id, minimum = self.viewer.workspace_id, self.rules.min_group_size
        return Engagement(
            pairing=pairing_figures(session=self._session, workspace_id=workspace_id, min_group_size=minimum),
            joins=joins_per_month(session=self._session, workspace_id=workspace_id, min_group_size=minimum),
            members=stored_members_per_group(
                session=self._session, workspace_id=workspace_id, min_group_size=minimum
            ),
        )

    def comments(self, team: UnitKey, week: date) -> list[str] | None:
        """A team's comments for a week, or None when the group is too small to show them."""
        self.check(team)
        if team.kind is not UnitKind.TEAM:
            return None
        period = next((p for p in self._snapshot().periods if p.start == week and p.complete), None)
        if period is None or team.id not in period.rounds:
            return None
        cells = self._cells(team, (), week=week)
        if not cells or cells[0].respondents is None:
            return None
        if cells[0].respondents < self.rules.min_comment_group_size:
            return None
        round_id = period.rounds[team.id].round_id
        return list(self._session.scalars(select(Comment.body).where(Comment.round_id == round_id)))

    # -- benchmarks: published cells above a viewer's own units ---------------------------------------

    def benchmark_units(self) -> list[UnitKey]:
        """Departments a viewer may read as a benchmark without managing them: those of the teams they
        lead. A team manager whose team is always hidden still sees where it stands through them."""
        if self.viewer.everything:
            return []
        own = {u for u in self.units() if u.kind is UnitKind.DEPARTMENT}
        found: list[UnitKey] = []
        for unit in self.units():
            department = self.department_of(unit) if unit.kind is UnitKind.TEAM else None
            if department is not None and department not in own and department not in found:
                found.append(department)
        return found

    def benchmark_series(
        self, unit: UnitKey, *, questions: Sequence[str] = QUESTION_KEYS, last: int | None = None
    ) -> list[Cell]:
        """A benchmark department's published cells (the same publication every viewer reads from).

        Only its own cells, never its teams': those stay within the department manager's scope.
        """
        if unit not in self.benchmark_units():
            self.check(unit)
        return self._cells(unit, questions, last=last)

    def benchmarks(self, unit: UnitKey) -> list[Cell]:
        """A unit's latest cell beside its department's (for a team) and the organisation's, same week."""
        if unit not in self.benchmark_units():
            self.check(unit)
        questions = [q for q in QUESTION_KEYS if q not in ("wellbeing", "stress")]
        mine = self._cells(unit, questions, last=1)
        if not mine:
            return []
        week = mine[-1].period
        result = [mine[-1]]
        above: list[UnitKey] = []
        if unit.kind is UnitKind.TEAM:
            recorded = self._snapshot().by_week[week].rounds[unit.id].department
            above = [UnitKey(UnitKind.DEPARTMENT, recorded)] if recorded else []
        if unit.kind is not UnitKind.ORG:
            above.append(ORG)
        for benchmark in above:
            result += self._cells(benchmark, questions, week=week)
        return result

    # -- internals --------------------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        if self._snapshot_cache is not None:
            return self._snapshot_cache
        workspace = self.viewer.workspace_id
        key = (self._rounds_fingerprint(), self.rules.min_group_size)
        with _SNAPSHOTS_LOCK:
            snapshot = _SNAPSHOTS.get(workspace)
        if snapshot is None or snapshot.key != key:
            periods = self._load_periods()
            complete = [p for p in periods if p.complete and p.rounds]
            weeks_of: dict[tuple[UnitKind, str], list[date]] = {}
            for period in complete:
                for channel in period.rounds:
                    weeks_of.setdefault((UnitKind.TEAM, channel), []).append(period.start)
                for department in period.departments:
                    weeks_of.setdefault((UnitKind.DEPARTMENT, department), []).append(period.start)
            unit_weeks = {UnitKey(kind, ident): weeks for (kind, ident), weeks in weeks_of.items()}
            previous = snapshot
            snapshot = _Snapshot(
                key=key,
                periods=periods,
                channels=frozenset(c for p in periods for c in p.rounds),
                complete=complete,
                unit_weeks=unit_weeks,
                by_week={p.start: p for p in complete},
            )
            if previous is not None and previous.key[1:] == key[1:]:
                _carry_over(previous, snapshot)
            with _SNAPSHOTS_LOCK:
                _SNAPSHOTS[workspace] = snapshot
        self._snapshot_cache = snapshot
        return snapshot

    def _former_departments(self) -> dict[uuid.UUID, str]:
        """Deleted departments that closed rounds were counted in, with the name each last had."""
        snapshot = self._snapshot()
        recorded = {u.id for u in snapshot.unit_weeks if u.kind is UnitKind.DEPARTMENT}
        gone = recorded - {str(d) for d in self.org.departments}
        with snapshot.lock:
            missing = [uuid.UUID(d) for d in gone if d not in snapshot.former_names]
        if missing:
            latest: dict[str, tuple[datetime, str]] = {}
            for department_id, name, closed_at in self._session.execute(
                select(Round.department_id, Round.department_name, func.max(Round.closes_at))
                .where(
                    Round.workspace_id == self.viewer.workspace_id,
                    Round.state == RoundState.CLOSED,
                    Round.department_id.in_(missing),
                )
                .group_by(Round.department_id, Round.department_name)
            ):
                if str(department_id) not in latest or latest[str(department_id)][0] < closed_at:
                    latest[str(department_id)] = (closed_at, name or "Former department")
            with snapshot.lock:
                snapshot.former_names.update({d: name for d, (_when, name) in latest.items()})
        with snapshot.lock:
            return {uuid.UUID(d): snapshot.former_names.get(d, "Former department") for d in gone}

    def _rounds_fingerprint(self) -> tuple[object, ...]:
        """Counts, sums and extremes of the workspace's rounds: any round opening or closing changes it."""
        workspace = self.viewer.workspace_id
        with _SNAPSHOTS_LOCK:
            known = _FINGERPRINTS.get(workspace)
        if known is not None and time.monotonic() - known[0] < self.rules.recheck_rounds_after:
            return known[1]
        closed = case((Round.state == RoundState.CLOSED, 1), else_=0)
        fingerprint = tuple(
            self._session.execute(
                select(
                    func.count(),
                    func.sum(closed),
                    func.sum(Round.respondent_count),
                    func.sum(Round.invited_count),
                    func.min(Round.opens_at),
                    func.max(Round.opens_at),
                    func.max(cast(Round.id, String)),  # identity, so a rebuilt workspace is never mistaken
                ).where(Round.workspace_id == workspace)
            ).one()
        )
        with _SNAPSHOTS_LOCK:
            _FINGERPRINTS[workspace] = (time.monotonic(), fingerprint)
        return fingerprint

    def _load_periods(self) -> list[_Period]:
        rows = self._session.execute(
            select(
                Round.id,
                Round.channel_id,
                Round.opens_at,
                Round.state,
                Round.respondent_count,
                Round.invited_count,
                Round.department_id,
            ).where(Round.workspace_id == self.viewer.workspace_id)
        ).all()
        by_week: dict[date, list[Any]] = {}
        for row in rows:
            by_week.setdefault(period_of(row.opens_at), []).append(row)
        # A handful of departments: make each id's text once, not once per round.
        department_ids = {d: str(d) for d in {row.department_id for row in rows} if d is not None}
        periods: list[_Period] = []
        for week in sorted(by_week):
            week_rows = sorted(by_week[week], key=lambda r: r.opens_at)
            complete = all(r.state is RoundState.CLOSED for r in week_rows)
            latest: dict[str, Any] = {}
            for row in week_rows:
                if row.state is RoundState.CLOSED:
                    latest[row.channel_id] = row
            chosen = {r.id for r in latest.values()}
            rounds = {
                channel: _TeamRound(
                    r.id,
                    r.respondent_count or 0,
                    r.invited_count,
                    department_ids.get(r.department_id),
                )
                for channel, r in latest.items()
            }
            departments: dict[str, list[str]] = {}
            for channel in sorted(rounds):
                department = rounds[channel].department
                if department is not None:
                    departments.setdefault(department, []).append(channel)
            periods.append(
                _Period(
                    start=week,
                    complete=complete,
                    rounds=rounds,
                    extra_round_ids=frozenset(
                        r.id for r in week_rows if r.state is RoundState.CLOSED and r.id not in chosen
                    ),
                    respondents=sum(r.respondent_count or 0 for r in latest.values()),
                    invited=(
                        None
                        if any(r.invited_count is None for r in latest.values())
                        else sum(r.invited_count for r in latest.values())
                    ),
                    departments={d: tuple(channels) for d, channels in departments.items()},
                )
            )
        return periods

    def _publication(self, period: _Period) -> _Publication:
        snapshot = self._snapshot()
        with snapshot.lock:
            cached = snapshot.publications.get(period.start)
        if cached is not None:
            return cached
        # The tree of the week as its rounds were closed, whatever the org structure is today: a team
        # moved since then stays where it was counted, so no published total of this week changes.
        tree = build_tree({channel: r.department for channel, r in period.rounds.items()})
        participation = {c: r.respondents for c, r in period.rounds.items()}
        k = self.rules.min_group_size
        cells: dict[str, frozenset[UnitKey]] = {PARTICIPATION: publishable(tree, participation, k)}
        asked = self._asked_questions([r.round_id for r in period.rounds.values()])
        for question in QUESTION_KEYS:
            answered = {
                c: r.respondents for c, r in period.rounds.items() if question in asked.get(r.round_id, ())
            }
            if len(answered) == len(participation):  # every team asked it: same tree, same answer
                cells[question] = cells[PARTICIPATION]
            else:
                cells[question] = publishable(tree, answered, k, start=cells[PARTICIPATION])
        publication = _Publication(tree=tree, cells=cells)
        with snapshot.lock:
            snapshot.publications[period.start] = publication
        return publication

    def _asked_questions(self, round_ids: list[uuid.UUID]) -> dict[uuid.UUID, frozenset[str]]:
        """Which questions each round asked. A round that asked all of them (the usual case) is known
        from the length of its snapshot alone; only the others' snapshots are read."""
        every = frozenset(QUESTION_KEYS)
        asked: dict[uuid.UUID, frozenset[str]] = {}
        partial: list[uuid.UUID] = []
        for start in range(0, len(round_ids), 1000):
            chunk = round_ids[start : start + 1000]
            for round_id, length in self._session.execute(
                select(Round.id, func.json_array_length(Round.questions)).where(Round.id.in_(chunk))
            ):
                if length == len(every):  # a round asks each catalogue question at most once
                    asked[round_id] = every
                else:
                    partial.append(round_id)
        for start in range(0, len(partial), 1000):
            for round_id, snapshot in self._session.execute(
                select(Round.id, Round.questions).where(Round.id.in_(partial[start : start + 1000]))
            ):
                asked[round_id] = frozenset(str(q["key"]) for q in snapshot)
        return asked

    def _cells(
        self, unit: UnitKey, questions: Sequence[str], *, last: int | None = None, week: date | None = None
    ) -> list[Cell]:
        snapshot = self._snapshot()
        if unit.kind is UnitKind.ORG:
            present = list(snapshot.complete)
        else:
            present = [snapshot.by_week[w] for w in snapshot.unit_weeks.get(unit, ())]
        if week is not None:
            present = [p for p in present if p.start == week]
        if last is not None:
            present = present[-last:]
        if not present:
            return []
        publications = {p.start: self._publication(p) for p in present}
        wanted = [p for p in present if unit in publications[p.start].cells[PARTICIPATION]]
        counts = self._histograms(unit, wanted) if questions else {}
        name = self.name(unit)
        cells: list[Cell] = []
        for period in present:
            publication = publications[period.start]
            if unit not in publication.cells[PARTICIPATION]:
                cells.append(Cell(unit=unit, name=name, period=period.start, respondents=None, invited=None))
                continue
            if unit.kind is UnitKind.ORG:
                respondents, invited = period.respondents, period.invited
            else:
                members = period.members(unit)
                respondents = sum(r.respondents for r in members)
                invited_values = [r.invited for r in members]
                invited = (
                    None if any(v is None for v in invited_values) else sum(v or 0 for v in invited_values)
                )
            figures: dict[str, QuestionFigures] = {}
            hidden: list[str] = []
            for question in questions:
                if unit not in publication.cells.get(question, frozenset()):
                    hidden.append(question)
                    continue
                known = snapshot.figures.get((unit, period.start, question))
                if known is not None:
                    figures[question] = known
                    continue
                histogram = counts.get(period.start, {}).get(question)
                if histogram:
                    figures[question] = snapshot.figures[(unit, period.start, question)] = _figures(
                        question, histogram
                    )
            cells.append(
                Cell(
                    unit=unit,
                    name=name,
                    period=period.start,
                    respondents=respondents,
                    invited=invited,
                    questions=figures,
                    hidden_questions=tuple(hidden),
                )
            )
        return cells

    def _histograms(self, unit: UnitKey, periods: list[_Period]) -> dict[date, Counts]:
        """Histogram sums per week over the unit's chosen rounds: from the snapshot, else from SQL."""
        snapshot = self._snapshot()
        with snapshot.lock:
            found = {p.start: snapshot.histograms.get((unit, p.start)) for p in periods}
        missing = [p for p in periods if found[p.start] is None]
        if missing:
            fetched = self._fetch_histograms(unit, missing)
            with snapshot.lock:
                if len(snapshot.histograms) > _HISTOGRAMS_MAX:
                    snapshot.histograms.clear()
                    snapshot.figures.clear()
                for period in missing:
                    found[period.start] = fetched.get(period.start, {})
                    snapshot.histograms[(unit, period.start)] = found[period.start] or {}
        return {week: histogram or {} for week, histogram in found.items()}

    def _fetch_histograms(self, unit: UnitKey, periods: list[_Period]) -> dict[date, Counts]:
        round_weeks = {r.round_id: p.start for p in periods for r in p.members(unit)}
        result: dict[date, Counts] = {}
        if not round_weeks:
            return result
        if len(round_weeks) <= 2000:
            # Few rounds: fetch them by key and add up here.
            ids = list(round_weeks)
            for start in range(0, len(ids), 1000):
                by_key = self._session.execute(
                    select(
                        Histogram.round_id, Histogram.question_key, Histogram.value, Histogram.count
                    ).where(Histogram.round_id.in_(ids[start : start + 1000]))
                )
                for round_id, key, value, count in by_key:
                    bucket = result.setdefault(round_weeks[round_id], {}).setdefault(key, {})
                    bucket[value] = bucket.get(value, 0) + count
            return result
        # Many rounds: let the database add up per week.
        week = _week_expression(self._session)
        excluded = [rid for p in periods for rid in p.extra_round_ids]
        first = min(p.start for p in periods)
        conditions: list[ColumnElement[bool]] = [
            Round.workspace_id == self.viewer.workspace_id,
            Round.state == RoundState.CLOSED,
            Round.opens_at >= datetime.combine(first, datetime.min.time()).replace(tzinfo=UTC),
        ]
        if unit.kind is UnitKind.TEAM:
            conditions.append(Round.channel_id == unit.id)
        elif unit.kind is UnitKind.DEPARTMENT:
            # The rounds closed in the department (its members here came from the same column).
            conditions.append(Round.department_id == uuid.UUID(unit.id))
        if excluded:
            conditions.append(Round.id.not_in(excluded))
        rows = self._session.execute(
            select(week, Histogram.question_key, Histogram.value, func.sum(Histogram.count))
            .join(Round, Round.id == Histogram.round_id)
            .where(*conditions)
            .group_by(week, Histogram.question_key, Histogram.value)
        ).all()
        wanted = {p.start for p in periods}
        for raw_week, key, value, total in rows:
            monday = _as_date(raw_week)
            if monday in wanted:
                bucket = result.setdefault(monday, {}).setdefault(key, {})
                bucket[int(value)] = int(total)
        return result

    def _prefetch_latest_teams(self, teams: list[UnitKey]) -> None:
        """Fetch many teams' latest-week histograms in one query (the compare view)."""
        snapshot = self._snapshot()
        complete = [p for p in snapshot.periods if p.complete]
        wanted: dict[uuid.UUID, tuple[UnitKey, date]] = {}
        for team in teams:
            period = next((p for p in reversed(complete) if team.id in p.rounds), None)
            if period is None or team not in self._publication(period).cells[PARTICIPATION]:
                continue
            with snapshot.lock:
                if (team, period.start) in snapshot.histograms:
                    continue
            wanted[period.rounds[team.id].round_id] = (team, period.start)
        fetched: dict[tuple[UnitKey, date], Counts] = {key: {} for key in wanted.values()}
        ids = list(wanted)
        for start in range(0, len(ids), 1000):
            rows = self._session.execute(
                select(Histogram.round_id, Histogram.question_key, Histogram.value, Histogram.count).where(
                    Histogram.round_id.in_(ids[start : start + 1000])
                )
            )
            for round_id, key, value, count in rows:
                fetched[wanted[round_id]].setdefault(key, {})[value] = count
        with snapshot.lock:
            snapshot.histograms.update(fetched)


def _figures(question: str, histogram: Mapping[int, int]) -> QuestionFigures:
    counts = tuple(histogram.get(v, 0) for v in SCALE)
    n = sum(counts)
    mean = sum(v * c for v, c in zip(SCALE, counts, strict=True)) / n
    variance = sum(c * (v - mean) ** 2 for v, c in zip(SCALE, counts, strict=True)) / max(n - 1, 1)
    margin = 1.96 * math.sqrt(variance / n)
    return QuestionFigures(
        key=question,
        respondents=n,
        counts=counts,
        mean=mean,
        low=max(1.0, mean - margin),
        high=min(5.0, mean + margin),
    )


def _week_expression(session: Session) -> ColumnElement[Any]:
    """The Monday (UTC) of `Round.opens_at`, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.date_trunc("week", func.timezone("UTC", Round.opens_at)))
    return func.date(Round.opens_at, "-6 days", "weekday 1")


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
