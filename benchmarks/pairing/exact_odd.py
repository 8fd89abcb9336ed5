"""The exact optimum with an odd count (pairs and one group of three), as an integer programme for HiGHS.

networkx's maximum-weight matching knows only pairs, so with a group of three the optimum needs another
tool. Here every allowed pair has two 0/1 variables: x (the pair is a group of two) and u (the pair is one
of the three pairs inside the group of three). Each person has x-degree + u-degree / 2 = 1, so someone is
either in one pair, or has two u-pairs; and the u-pairs add up to exactly 3. Three edges where every end
has two of them are a triangle: the group of three. The objective is the matcher's fit summed over x and
u, so every pair of the group of three counts, with no constant per group.

Only the ideal steps 1-3 of the objective are modelled: everyone placed, no pair that met within the
window, and (the benchmark's histories have no group of three last round) nobody in it twice. When the
matcher reaches those, its fit is comparable with this optimum; when the programme is infeasible, the
ideal is out of reach for any grouping and the comparison is reported as not made.

scipy (a dev dependency, like this benchmark) provides HiGHS through `scipy.optimize.milp`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix, csc_matrix

from slackapp.pairing.matching import History, Person, _Matcher


@dataclass(frozen=True)
class OddOptimum:
    """What HiGHS proved: `optimum` when solved to optimality, else None; `bound` is always an upper bound
    on the fit of any grouping with the ideal steps 1-3 (None when no such grouping exists)."""

    optimum: int | None
    bound: float | None
    seconds: float
    message: str


def _programme(people: Sequence[Person], history: History) -> tuple[csc_matrix, np.ndarray, np.ndarray]:
    """The constraint matrix, its right-hand side and the fit of each variable (x-pairs, then u-pairs)."""
    if len(people) % 2 == 0 or history.last_trio:
        raise ValueError("an odd count, with no group of three last round")
    scorer = _Matcher(people, history, True, 0, 0)
    n = scorer.n
    edges = [
        (i, j, fit)
        for i, j in itertools.combinations(range(n), 2)
        if (fit := scorer.fit(i, j)) is not None and scorer.repeat_age(i, j) is None
    ]
    count = len(edges)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for k, (i, j, _) in enumerate(edges):
        for person in (i, j):
            rows += [person, person]
            cols += [k, count + k]
            values += [1.0, 0.5]
        rows.append(n)  # the row that counts the group of three's pairs
        cols.append(count + k)
        values.append(1.0)
    matrix = coo_matrix((values, (rows, cols)), shape=(n + 1, 2 * count)).tocsc()
    target = np.ones(n + 1)
    target[n] = 3.0
    fits = np.array([fit for _, _, fit in edges] * 2, dtype=float)
    return matrix, target, fits


def relaxation_bound(people: Sequence[Person], *, history: History) -> float | None:
    """The linear relaxation's optimum: an upper bound on the fit of every grouping with the ideal steps
    1-3, found in seconds where the integer optimum takes minutes (None: no such grouping exists)."""
    matrix, target, fits = _programme(people, history)
    relaxed = linprog(-fits, A_eq=matrix, b_eq=target, bounds=(0, 1), method="highs")
    return None if relaxed.status != 0 else float(-relaxed.fun)


def odd_optimum(
    people: Sequence[Person], *, history: History, incumbent: int | None = None, time_limit: float = 600.0
) -> OddOptimum:
    """The best fit over groupings with everyone placed (pairs and, for an odd count, one group of
    three), no repeat within the window, every pair of the group of three counted.

    Args:
        people: an odd number of people.
        history: earlier rounds; `last_trio` must be empty (that step is not modelled).
        incumbent: the fit of a grouping known to have everyone placed and no repeat (the matcher's),
            which lets the linear relaxation's reduced costs drop variables no better grouping uses.
        time_limit: seconds HiGHS may take; past them the answer is the proven bound only.
    """
    matrix, target, fits = _programme(people, history)
    started = time.perf_counter()
    keep = np.ones(matrix.shape[1], dtype=bool)
    if incumbent is not None:
        # Reduced-cost fixing: the linear relaxation's optimum plus a variable's reduced cost bounds every
        # grouping that uses it. A variable whose bound falls below a grouping already in hand (the
        # matcher's, with the same ideal steps 1-3) is in no grouping that could beat or equal it, so it
        # leaves the programme; the optimum stays exact. Without this HiGHS found no grouping at all in
        # seven minutes at 401 people.
        relaxed = linprog(-fits, A_eq=matrix, b_eq=target, bounds=(0, 1), method="highs")
        if relaxed.status == 2:
            return OddOptimum(None, None, time.perf_counter() - started, str(relaxed.message))
        if relaxed.status == 0:
            keep = -relaxed.fun - relaxed.lower.marginals >= incumbent - 1e-6
    columns = np.flatnonzero(keep)
    result = milp(
        -fits[columns],  # milp minimises
        constraints=LinearConstraint(matrix[:, columns], target, target),
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )
    seconds = time.perf_counter() - started
    bound = getattr(result, "mip_dual_bound", None)
    proven = result.status == 0
    if result.status == 2:  # infeasible: no grouping reaches the ideal steps 1-3
        return OddOptimum(None, None, seconds, str(result.message))
    return OddOptimum(
        round(-result.fun) if proven and result.fun is not None else None,
        -float(bound) if bound is not None else None,
        seconds,
        str(result.message),
    )
