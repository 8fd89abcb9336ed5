"""The statistical agencies' audit of everything published: how tightly can each hidden cell be pinned?

The unknowns are each closed round's respondent count n and, for each question it asked, how many
chose 1..5 (c_1..c_5, adding up to n: every question is required). Every published number is a linear
fact about them, over the rounds its cell adds up (`surfaces.covered_rounds`):

- a count shown:           sum of n (or of a question's c) over the cell's rounds = the count;
- a histogram shown:       for each value v, sum of c_v = the shown count;
- a mean shown at d decimals, m: the total sum(v * c_v) lies within (m -+ 0.5 * 10^-d) * the count,
  two linear inequalities (a channel post's one-decimal mean over six answers pins the total);
- a change on "Where to act" and its "beyond the noise" mark add no fact of their own: each is a
  function of two histograms the same viewer was shown (`surfaces.unexplained_marks` checks it), so
  their means above are all the audit needs.

For each hidden cell that may hold fewer than `min_group_size` people (a hidden cell certainly holding
more - a department hidden to protect a team beside it - is about a group big enough to be shown; what
it would give away about a smaller one shows at that smaller one's own cell), HiGHS (scipy's `milp`,
whole numbers) minimises and maximises its respondent count and each of its answer counts under all of
these at once. The finding:

- its respondent count is pinned when fewer than `min_group_size` values remain possible ("fewer than
  5 answers", the label Kindred shows anyway, leaves five: 0 to 4, so it is never a finding alone);
- an answer count (how many in the hidden group chose v) is pinned when it must be at least one and
  fewer than `min_group_size` values remain. An upper bound alone is no finding: a published group of
  ten in which one person chose 1 says of any hidden part of it that at most one did, and nothing
  about whom; a lower bound above zero says that someone in the small group gave that answer.

No published cell spans two weeks, so each week is solved on its own, over the rounds its cells count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from tests.privacy.surfaces import PARTICIPATION, Seen, covered_rounds
from tests.privacy.world import RoundTruth

VALUES = range(1, 6)


@dataclass(frozen=True)
class Finding:
    """A hidden cell whose count (measure, value None) or answer count (value 1..5) is pinned."""

    unit: str
    period: date
    measure: str
    value: int | None  # None: the number of people; 1..5: how many chose that answer
    low: int
    high: int
    truth: int

    def __str__(self) -> str:
        what = "people" if self.value is None else f"answers of {self.value}"
        return (
            f"{self.unit} {self.period} {self.measure}: {what} pinned to {self.low}..{self.high} "
            f"(truly {self.truth})"
        )


class _Model:
    """The variables of one week's rounds and the facts published about them."""

    def __init__(self, rounds: Sequence[RoundTruth]) -> None:
        self.rounds = list(rounds)
        self.index: dict[tuple[str, str, int | None], int] = {}
        for r in self.rounds:
            self._var((r.round_id, PARTICIPATION, None))
            for q in r.questions:
                for v in VALUES:
                    self._var((r.round_id, q, v))
        self._frozen: tuple[int, LinearConstraint] | None = None
        self.witnesses: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.low: list[float] = []
        self.high: list[float] = []
        for r in self.rounds:  # each question's answers add up to the round's respondents
            for q in r.questions:
                row = self._zero()
                row[self.index[(r.round_id, PARTICIPATION, None)]] = -1
                for v in VALUES:
                    row[self.index[(r.round_id, q, v)]] = 1
                self._add(row, 0, 0)

    def _var(self, key: tuple[str, str, int | None]) -> None:
        self.index[key] = len(self.index)

    def _zero(self) -> np.ndarray:
        return np.zeros(len(self.index))

    def _add(self, row: np.ndarray, low: float, high: float) -> None:
        self.rows.append(row)
        self.low.append(low)
        self.high.append(high)

    def count_row(self, members: Iterable[RoundTruth], measure: str, value: int | None = None) -> np.ndarray:
        """The row adding up people (PARTICIPATION), a question's answers, or its answers of `value`."""
        row = self._zero()
        for r in members:
            if measure == PARTICIPATION:
                row[self.index[(r.round_id, PARTICIPATION, None)]] = 1
            elif measure in r.questions:
                for v in [value] if value is not None else VALUES:
                    row[self.index[(r.round_id, measure, v)]] = 1
        return row

    def total_row(self, members: Iterable[RoundTruth], question: str) -> np.ndarray:
        row = self._zero()
        for r in members:
            if question in r.questions:
                for v in VALUES:
                    row[self.index[(r.round_id, question, v)]] = v
        return row

    def publish(self, cell: Seen, members: list[RoundTruth]) -> None:
        if cell.counts is not None:
            for v, count in zip(VALUES, cell.counts, strict=True):
                self._add(self.count_row(members, cell.measure, v), count, count)
        elif cell.respondents is not None:
            self._add(self.count_row(members, cell.measure), cell.respondents, cell.respondents)
        if cell.mean is not None:
            half = 0.5 * 10**-cell.decimals + 1e-9
            total, count = self.total_row(members, cell.measure), self.count_row(members, cell.measure)
            self._add(total - (cell.mean - half) * count, 0, np.inf)
            self._add(total - (cell.mean + half) * count, -np.inf, 0)

    def _constraints(self) -> LinearConstraint:
        if self._frozen is None or self._frozen[0] != len(self.rows):
            matrix = csr_array(np.array(self.rows))
            self._frozen = (len(self.rows), LinearConstraint(matrix, np.array(self.low), np.array(self.high)))
        return self._frozen[1]

    def truth(self) -> np.ndarray:
        """The world as it was: one solution of every published fact (a witness to start from)."""
        point = self._zero()
        for r in self.rounds:
            point[self.index[(r.round_id, PARTICIPATION, None)]] = r.respondents
            for q in r.questions:
                for v in VALUES:
                    point[self.index[(r.round_id, q, v)]] = r.counts.get(q, [0] * 5)[v - 1]
        return point

    def _solve(self, objective: np.ndarray) -> Any:
        result = milp(
            objective,
            constraints=self._constraints(),
            integrality=np.ones(len(self.index)),
            bounds=Bounds(0, np.inf),
        )
        if result.x is not None:
            self.witnesses.append(np.round(result.x))
        return result

    def witnessed(self, objective: np.ndarray) -> tuple[int, int]:
        """The range of `objective` over the solutions met so far: the true range is at least this wide."""
        values = [float(objective @ point) for point in self.witnesses]
        return round(min(values)), round(max(values))

    def minimum(self, objective: np.ndarray) -> int:
        result = self._solve(objective)
        assert result.success, result.message  # the truth is a solution, so there is an optimum
        return round(result.fun)

    def bounds_of(self, objective: np.ndarray) -> tuple[int, int]:
        """The least and greatest whole values of `objective` (the greatest 10**9 when unbounded)."""
        result = self._solve(-objective)
        if result.status == 3:  # unbounded above: nothing caps it
            high = 10**9
        else:
            assert result.success, result.message
            high = round(-result.fun)
        return self.minimum(objective), high


def audit(
    seen: Iterable[Seen], rounds: Sequence[RoundTruth], min_group_size: int, *, stop_after: int | None = None
) -> list[Finding]:
    """Every hidden cell's count or answer count that everything in `seen` pins to fewer than k values
    (the first `stop_after` of them, when given)."""
    cells = list(seen)
    findings: list[Finding] = []
    for period in sorted({c.period for c in cells}):
        week_cells = [c for c in cells if c.period == period]
        week_rounds = _rounds_behind(week_cells, rounds)
        hidden = _hidden_targets(week_cells, week_rounds)
        if not hidden:
            continue
        model = _Model(week_rounds)
        published: set[tuple[object, ...]] = set()
        for cell in week_cells:
            if cell.hidden:
                continue
            members = covered_rounds(cell, week_rounds)
            key = (frozenset(r.round_id for r in members), cell.measure, cell.value, cell.decimals)
            if key not in published:
                published.add(key)
                model.publish(cell, members)
        model.witnesses.append(model.truth())
        asked: set[tuple[frozenset[str], str, int | None]] = set()
        for cell, members in hidden:
            questions = (
                [cell.measure]
                if cell.measure != PARTICIPATION
                else sorted({q for r in members for q in r.questions})
            )
            targets: list[tuple[str, int | None]] = [(cell.measure, None)]
            targets += [(q, v) for q in questions for v in VALUES]
            ids = frozenset(r.round_id for r in members)
            people = model.count_row(members, PARTICIPATION)
            if model.minimum(people) >= min_group_size:
                continue  # at least k people whatever else is known: nothing about a small group
            for measure, value in targets:
                if value is None and all(measure in r.questions for r in members):
                    measure = PARTICIPATION  # everyone in it was asked: its answers are its people
                if (ids, measure, value) in asked:
                    continue
                asked.add((ids, measure, value))
                objective = model.count_row(members, measure, value)
                # Solutions already met bound the range from inside: when they alone show it wide
                # enough (or an answer count that can be zero), no programme needs solving.
                low, high = model.witnessed(objective)
                if high - low + 1 >= min_group_size or (value is not None and low == 0):
                    continue
                if value is not None and model.minimum(objective) == 0:
                    continue  # it may be that nobody in the group gave this answer: nothing learnt
                low, high = model.bounds_of(objective)
                if high - low + 1 < min_group_size:
                    findings.append(
                        Finding(cell.unit, period, measure, value, low, high, _true(members, measure, value))
                    )
                    if stop_after is not None and len(findings) >= stop_after:
                        return findings
    return findings


def _rounds_behind(cells: Iterable[Seen], rounds: Sequence[RoundTruth]) -> list[RoundTruth]:
    """The rounds any of these cells adds up (a week's cells may count a round of another week)."""
    behind: dict[str, RoundTruth] = {}
    for cell in cells:
        for r in covered_rounds(cell, rounds):
            behind.setdefault(r.round_id, r)
    return list(behind.values())


def _true(members: Iterable[RoundTruth], measure: str, value: int | None) -> int:
    if measure == PARTICIPATION:
        return sum(r.respondents for r in members)
    counts = [r.counts.get(measure, [0] * 5) for r in members]
    return sum(c[value - 1] if value is not None else sum(c) for c in counts)


def _hidden_targets(cells: list[Seen], rounds: list[RoundTruth]) -> list[tuple[Seen, list[RoundTruth]]]:
    """Each distinct hidden cell (the same rounds and measure once), with the rounds it stands for."""
    found: dict[tuple[frozenset[str], str], tuple[Seen, list[RoundTruth]]] = {}
    for cell in cells:
        if not cell.hidden:
            continue
        members = covered_rounds(cell, rounds)
        if members:
            found.setdefault((frozenset(r.round_id for r in members), cell.measure), (cell, members))
    return list(found.values())


def bounds(
    seen: Iterable[Seen],
    rounds: Sequence[RoundTruth],
    target: Sequence[RoundTruth],
    measure: str = PARTICIPATION,
    value: int | None = None,
) -> tuple[int, int]:
    """The tightest whole-number range `seen` allows for the people (or answers) of the `target` rounds."""
    period = target[0].period
    week_cells = [c for c in seen if c.period == period]
    behind = _rounds_behind(week_cells, rounds)
    week_rounds = behind + [r for r in target if r not in behind]
    model = _Model(week_rounds)
    for cell in week_cells:
        if not cell.hidden:
            model.publish(cell, covered_rounds(cell, week_rounds))
    return model.bounds_of(model.count_row(target, measure, value))
