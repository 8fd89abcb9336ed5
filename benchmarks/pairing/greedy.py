"""A plain greedy matcher, the floor the matcher must never fall below: the best-scoring allowed pair
first, then the next best among those left, and so on; when the count is odd, the one left joins the pair
where they add the most. Independent of the matcher's search; scored with the matcher's own objective."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from slackapp.pairing.matching import History, Matching, Person, _Matcher, score_groups


def plain_greedy(people: Sequence[Person], *, history: History, prefer_cross_team: bool = True) -> Matching:
    """Pairs taken best first by what each adds to the objective (fit minus repeat cost), ties by id."""
    scorer = _Matcher(people, history, prefer_cross_team, 0, 0)
    n = scorer.n
    # Fits are small integers: a bucket per fit keeps 50 million pairs (10,000 people) in compact arrays.
    buckets: dict[int, array[int]] = {}
    repeats: list[tuple[int, int, int]] = []
    for i in range(n):
        for j in range(i + 1, n):
            link = scorer.link(i, j)
            if link is None:
                continue
            if scorer.repeat_age(i, j) is None:
                buckets.setdefault(link, array("Q")).append(i * n + j)
            else:
                repeats.append((link, i, j))
    mate = [-1] * n
    for link in sorted(buckets, reverse=True):
        for code in buckets[link]:
            i, j = divmod(code, n)
            if mate[i] < 0 and mate[j] < 0:
                mate[i], mate[j] = j, i
    for _, i, j in sorted(repeats, key=lambda r: (-r[0], r[1], r[2])):
        if mate[i] < 0 and mate[j] < 0:
            mate[i], mate[j] = j, i
    groups: list[list[int]] = [[i, mate[i]] for i in range(n) if mate[i] > i]
    alone = [i for i in range(n) if mate[i] < 0]
    if alone:
        best: tuple[int, int, int] | None = None
        for x in alone:
            for k, (a, b) in enumerate(groups):
                value = scorer.join_value(x, a, b)
                if value is not None and (best is None or value > best[0]):
                    best = (value, x, k)
        if best is not None:
            groups[best[2]].append(best[1])
    ids = scorer.people
    return score_groups(
        people,
        [[ids[i].id for i in group] for group in groups],
        history=history,
        prefer_cross_team=prefer_cross_team,
    )
