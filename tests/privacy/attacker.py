"""A differencing attacker: what can be worked out by adding and subtracting published cells?

Each published cell is the sum over a set of teams. A hidden group of teams can be recovered exactly
when its indicator vector lies in the span of the published cells' indicator vectors; we test that with
exact (fraction) Gaussian elimination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [row[:] for row in rows]
    rank = 0
    columns = len(rows[0]) if rows else 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def recoverable(published: Iterable[Iterable[str]], group: Iterable[str], teams: Sequence[str]) -> bool:
    """True when the sum over `group` is a linear combination of the published team-sets."""
    index = {team: i for i, team in enumerate(teams)}

    def vector(members: Iterable[str]) -> list[Fraction]:
        row = [Fraction(0)] * len(teams)
        for team in members:
            row[index[team]] = Fraction(1)
        return row

    rows = [vector(cell) for cell in published]
    target = vector(group)
    return _rank([*rows, target]) == _rank(rows) if rows else not any(target)


def smallest_recoverable_groups(
    published: Iterable[Iterable[str]], respondents: Mapping[str, int], limit: int = 3
) -> list[tuple[str, ...]]:
    """Every group of up to `limit` teams whose total can be worked out, smallest respondent count first."""
    from itertools import combinations

    cells = [list(c) for c in published]
    teams = sorted(respondents)
    found: list[tuple[str, ...]] = []
    for size in range(1, limit + 1):
        for group in combinations(teams, size):
            if recoverable(cells, group, teams):
                found.append(group)
    return sorted(found, key=lambda g: sum(respondents[t] for t in g))
