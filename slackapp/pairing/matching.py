"""The matcher: who meets whom this round. Pure Python: no Slack, no database.

The score of a pair adds up what makes a conversation worth having (docs/architecture.md, "Four kinds"):

- complementarity: each kind of support one person would welcome and the other can offer, both ways;
- variety: the two work in different teams, when the programme prefers it;
- novelty: they have never met through Kindred (or not for a long time).

Hard rules are never broken: nobody is paired with someone on their "don't pair me with" list, nor with
their own manager or their manager's manager. A pair that met within the repeat window is allowed only
when nothing else is possible, and then the least recent such pair is preferred.

Exact maximum-weight matching (Edmonds' blossom algorithm) is too slow in pure Python for 10,000 people,
so the matcher builds a sparse graph of promising partners per person and improves a greedy matching with
local exchanges. `benchmarks/pairing` measures its time and its distance from the exact optimum.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from slackapp.support import SupportKind

KINDS: tuple[SupportKind, ...] = tuple(SupportKind)

# Weights of the score. Every allowed, non-repeating pair scores at least BASE, so pairing two more
# people always beats leaving them out; a repeat within the window scores below every other pair.
BASE = 100
PER_KIND = 10  # one kind one person welcomes and the other offers (0-8 such kinds per pair)
CROSS_TEAM = 15
NOVELTY = 20
REPEAT = -1_000_000  # plus how many rounds ago, so the least recent repeat wins

# Candidate partners kept per person on large instances, and random extras for variety.
NEIGHBOURS = 8
THREE_OPT_NEIGHBOURS = 12
ILS_ITERATIONS_PER_PERSON = 40
ILS_MAX_ITERATIONS = 6_000
ILS_LARGE = 3_000
LONER_SAMPLE = 40
AUGMENT_LIMIT = 5_000  # people an augmenting-path search may reach before it gives up
TRIO_SEARCH = 300  # pairs looked at when the group of three needs a swap to keep someone out of it
THREE_OPT_PASSES = 3
RANDOM_EXTRAS = 2
FULL_GRAPH_UP_TO = 700  # below this, every allowed pair is a candidate
TIME_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Person:
    """Someone taking part in this round, as the matcher needs to know them."""

    id: str
    seeks: frozenset[SupportKind] = frozenset()
    offers: frozenset[SupportKind] = frozenset()
    team: str | None = None
    # Their managers and their managers' managers (from the org set-up, where it exists).
    reporting_line: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()  # their private "don't pair me with" list


@dataclass(frozen=True)
class History:
    """Who met whom before, in this programme's round numbering (the coming round is `current_round`).

    Args:
        last_met: a pair of person ids (in either order) -> the round number they last met in.
        current_round: the number of the round being matched.
        window: pairs that met within this many rounds only repeat when nothing else is possible.
        last_trio: who was in the group of three last round.
    """

    last_met: Mapping[tuple[str, str], int] = field(default_factory=dict)
    current_round: int = 0
    window: int = 6
    last_trio: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Group:
    """Two people, or three when the count is odd; `notes` say which preference had to give way."""

    members: tuple[str, ...]
    score: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matching:
    groups: tuple[Group, ...]
    # Someone every possible partner of whom is ruled out by a hard rule, with why, in plain words.
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def total_score(self) -> int:
        return sum(group.score for group in self.groups)


def complementarity(a: Person, b: Person) -> int:
    """How many kinds one welcomes and the other can offer, counted both ways (0 to 8)."""
    return len(a.seeks & b.offers) + len(b.seeks & a.offers)


def forbidden_pairs(people: Sequence[Person]) -> set[tuple[str, str]]:
    """Pairs no round may make: anyone's "don't pair me with" list, their manager or manager's manager."""
    pairs: set[tuple[str, str]] = set()
    for person in people:
        for other in person.avoid | person.reporting_line:
            if other != person.id:
                pairs.add(_key(person.id, other))
    return pairs


def match(
    people: Sequence[Person],
    *,
    history: History | None = None,
    prefer_cross_team: bool = True,
    seed: int = 0,
    time_budget: float = TIME_BUDGET_SECONDS,
) -> Matching:
    """Pair everyone (one group of three when the count is odd), maximising the total score.

    Args:
        people: who takes part; ids must be unique.
        history: earlier rounds of the programme; none means everyone is new to everyone.
        prefer_cross_team: add the variety bonus to pairs from different teams.
        seed: the same people, history and seed always give the same groups.
        time_budget: seconds the local improvement may take at most.

    Returns:
        The groups, and anyone who could not be placed without breaking a hard rule.
    """
    return _Matcher(people, history or History(), prefer_cross_team, seed, time_budget).run()


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class _Matcher:
    """One matching run over people numbered 0..n-1 (in id order, so the result depends only on ids)."""

    def __init__(
        self,
        people: Sequence[Person],
        history: History,
        prefer_cross_team: bool,
        seed: int,
        time_budget: float,
    ) -> None:
        ordered = sorted(people, key=lambda p: p.id)
        if len({p.id for p in ordered}) != len(ordered):
            raise ValueError("each person may take part once")
        self.people = ordered
        self.n = n = len(ordered)
        self.index = {p.id: i for i, p in enumerate(ordered)}
        self.rng = random.Random(seed)
        self.deadline = time.perf_counter() + time_budget
        self.history = history
        self.prefer_cross_team = prefer_cross_team
        # Profiles: 4 bits of "welcomes" and 4 of "offers"; complementarity is a table lookup.
        self.profile = [_bits(p.seeks) << 4 | _bits(p.offers) for p in ordered]
        self.comp = _COMPLEMENTARITY
        teams: dict[str, int] = {}
        self.team = [teams.setdefault(p.team, len(teams)) if p.team else -1 for p in ordered]
        self.forbidden: set[int] = set()
        for a, b in forbidden_pairs(ordered):
            i, j = self.index.get(a), self.index.get(b)
            if i is not None and j is not None and i != j:
                self.forbidden.add(self._pair(i, j))
        self.last_met: dict[int, int] = {}
        for (a, b), round_number in history.last_met.items():
            i, j = self.index.get(a), self.index.get(b)
            if i is not None and j is not None and i != j:
                key = self._pair(i, j)
                self.last_met[key] = max(round_number, self.last_met.get(key, round_number))
        self.in_last_trio = [p.id in history.last_trio for p in ordered]
        self.cache: dict[int, int | None] = {}
        self.mate = [-1] * n
        self.candidates: list[list[int]] = [[] for _ in range(n)]
        self.top: dict[int, list[int]] = {}
        # People set aside in the group of three: the pairing moves below leave them alone.
        self.excluded = [False] * n
        self.trio: tuple[int, int, int] | None = None
        # Fewer near neighbours on large instances keep the deeper moves within the time target.
        self.near = THREE_OPT_NEIGHBOURS if n <= FULL_GRAPH_UP_TO else THREE_OPT_NEIGHBOURS // 3

    def _pair(self, i: int, j: int) -> int:
        return i * self.n + j if i < j else j * self.n + i

    # -- the score --------------------------------------------------------------------------------------

    def weight(self, i: int, j: int) -> int | None:
        """The pair's score, or None when a hard rule forbids it."""
        key = i * self.n + j if i < j else j * self.n + i
        cached = self.cache.get(key, 0)
        if cached != 0:
            return cached
        if key in self.forbidden or i == j:
            self.cache[key] = None
            return None
        score = BASE + PER_KIND * self.comp[self.profile[i]][self.profile[j]]
        if (
            self.prefer_cross_team
            and self.team[i] >= 0
            and self.team[j] >= 0
            and self.team[i] != self.team[j]
        ):
            score += CROSS_TEAM
        met = self.last_met.get(key)
        if met is None:
            score += NOVELTY
        else:
            ago = self.history.current_round - met
            if ago <= self.history.window:
                score = REPEAT + ago
            else:
                # Novelty returns gradually once the window has passed.
                score += min(NOVELTY, NOVELTY * (ago - self.history.window) // max(self.history.window, 1))
        self.cache[key] = score
        return score

    # -- the run ----------------------------------------------------------------------------------------

    def run(self) -> Matching:
        if self.n < 2:
            return Matching((), tuple((p.id, _NO_PARTNER) for p in self.people))
        self.build_candidates()
        self.greedy()
        self.place_the_unmatched()
        self.augment()
        self.improve()
        return self.result()

    def best_candidates(self, i: int) -> list[int]:
        """Up to THREE_OPT_NEIGHBOURS of i's candidates, highest score first (for the deeper moves)."""
        found = self.top.get(i)
        if found is None:
            ranked = sorted(self.candidates[i], key=lambda j: -(self.weight(i, j) or 0))
            found = self.top[i] = ranked[: self.near]
        return found

    def build_candidates(self) -> None:
        n = self.n
        if n <= FULL_GRAPH_UP_TO:
            for i in range(n):
                self.candidates[i] = [j for j in range(n) if j != i and self.weight(i, j) is not None]
            return
        # Bucket people by profile; for each person, look first in the profiles that complement theirs.
        buckets: dict[int, list[int]] = {}
        for i, profile in enumerate(self.profile):
            buckets.setdefault(profile, []).append(i)
        profiles = sorted(buckets)
        rng = self.rng
        chosen: list[set[int]] = [set() for _ in range(n)]
        ranked_for: dict[int, list[int]] = {}
        for i in range(n):
            mine = self.profile[i]
            ranked = ranked_for.get(mine)
            if ranked is None:
                ranked = ranked_for[mine] = sorted(profiles, key=lambda q: -self.comp[mine][q])
            looked: list[tuple[int, int]] = []
            budget = NEIGHBOURS * 2
            for q in ranked:
                members = buckets[q]
                start = rng.randrange(len(members))
                for step in range(min(len(members), budget)):
                    j = members[(start + step) % len(members)]
                    w = self.weight(i, j)
                    if w is not None and w > 0:
                        looked.append((w, j))
                budget -= min(len(members), budget)
                if budget <= 0:
                    break
            looked.sort(key=lambda wj: -wj[0])
            best = [j for _, j in looked[:NEIGHBOURS]]
            for _ in range(RANDOM_EXTRAS):
                j = rng.randrange(n)
                if j != i and self.weight(i, j) is not None:
                    best.append(j)
            for j in best:
                chosen[i].add(j)
                chosen[j].add(i)
        self.candidates = [sorted(c) for c in chosen]

    def greedy(self) -> None:
        """Take the best remaining candidate pairs first (ties broken by the seed)."""
        tiebreak = self.rng.random
        edges = [
            (w, tiebreak(), i, j)
            for i in range(self.n)
            for j in self.candidates[i]
            if i < j and (w := self.weight(i, j)) is not None
        ]
        edges.sort(reverse=True)
        mate = self.mate
        for _, _, i, j in edges:
            if mate[i] < 0 and mate[j] < 0:
                mate[i], mate[j] = j, i

    def place_the_unmatched(self) -> None:
        """Pair people the candidate graph left alone: with each other, or by splitting a pair."""
        mate = self.mate
        unmatched = [i for i in range(self.n) if mate[i] < 0 and not self.excluded[i]]
        if len(unmatched) <= 1:
            return
        # Loners first try a few other loners at random (cheap), then, if none fits, all of them.
        for i in unmatched:
            if mate[i] >= 0:
                continue
            sample = self.rng.sample(unmatched, min(len(unmatched), LONER_SAMPLE))
            best: tuple[int, int] | None = None
            for j in sample:
                w = self.weight(i, j) if j != i and mate[j] < 0 else None
                if w is not None and w > 0 and (best is None or w > best[0]):
                    best = (w, j)
            if best is not None:
                mate[i], mate[best[1]] = best[1], i
        for i in unmatched:
            if mate[i] >= 0:
                continue
            best = None
            for j in unmatched:
                if (
                    j != i
                    and mate[j] < 0
                    and (w := self.weight(i, j)) is not None
                    and (best is None or w > best[0])
                ):
                    best = (w, j)
            if best is not None:
                mate[i], mate[best[1]] = best[1], i
        # Whoever is still alone: take a partner from a pair whose other half can pair with another loner.
        loners = [i for i in range(self.n) if mate[i] < 0 and not self.excluded[i]]
        for x in loners:
            if mate[x] >= 0:
                continue
            others = [y for y in loners if y != x and mate[y] < 0]
            done = False
            for a in range(self.n):
                b = mate[a]
                if b < 0 or a == x or self.weight(x, a) is None:
                    continue
                for y in others:
                    if mate[y] < 0 and self.weight(b, y) is not None:
                        mate[x], mate[a], mate[b], mate[y] = a, x, y, b
                        done = True
                        break
                if done:
                    break

    def augment(self) -> None:
        """Pair loners along augmenting paths (loner - a pair - ... - another loner), found breadth first.

        Hard rules can make a single swap insufficient (a manager and a director who may only meet the
        same two outsiders); a path through several pairs still puts everyone in a pair.
        """
        mate, excluded = self.mate, self.excluded
        loners = sum(1 for i in range(self.n) if mate[i] < 0 and not excluded[i])
        for x in range(self.n):
            if loners < 2:
                return
            if mate[x] >= 0 or excluded[x]:
                continue
            came_from: dict[int, int] = {}  # a partner reached -> the person who reached them
            reached = {x}
            queue = deque([x])
            found = -1
            while queue and found < 0 and len(reached) < AUGMENT_LIMIT:
                u = queue.popleft()
                for v in self.candidates[u]:
                    if v in came_from or v in reached or excluded[v] or self.weight(u, v) is None:
                        continue
                    came_from[v] = u
                    if mate[v] < 0:
                        found = v
                        break
                    if mate[v] not in reached:
                        reached.add(mate[v])
                        queue.append(mate[v])
            if found < 0:
                # Breadth first can miss a path that passes an odd cycle; a bounded depth-first search
                # keeps each path simple and finds it.
                path = self._augmenting_path(x)
                if path:
                    for u, v in zip(path[::2], path[1::2], strict=True):
                        mate[u], mate[v] = v, u
                    loners -= 2
                continue
            v = found
            while v >= 0:
                u = came_from[v]
                previous = mate[u]
                mate[u], mate[v] = v, u
                v = previous
            if found >= 0:
                loners -= 2

    def _augmenting_path(self, x: int) -> list[int]:
        """A simple alternating path from loner x to another loner, as [x, a, a's mate, b, ...], or []."""
        mate, excluded = self.mate, self.excluded
        budget = [AUGMENT_LIMIT]

        def extend(u: int, on_path: set[int]) -> list[int]:
            for v in self.candidates[u]:
                budget[0] -= 1
                if budget[0] < 0:
                    return []
                if v in on_path or excluded[v] or self.weight(u, v) is None:
                    continue
                if mate[v] < 0:
                    return [u, v]
                w = mate[v]
                if w in on_path or len(on_path) > 40:
                    continue
                rest = extend(w, on_path | {v, w})
                if rest:
                    return [u, v, *rest]
            return []

        return extend(x, {x})

    def improve(self) -> None:
        """Local search, then iterated local search: shake a few pairs up and keep what scores higher.

        The amount of work is fixed by the size, not the clock, so a seed always gives the same result;
        the time budget is only a safety net.
        """
        self.two_opt(range(self.n))
        small = self.n <= FULL_GRAPH_UP_TO
        for _ in range(THREE_OPT_PASSES if small else 1):
            moved = self.three_opt()
            if not moved or time.perf_counter() > self.deadline:
                break
            self.two_opt(moved)
        total = self.total()
        best, best_mate = total, self.mate[:]
        iterations = min(ILS_ITERATIONS_PER_PERSON * self.n, ILS_MAX_ITERATIONS if small else ILS_LARGE)
        for _ in range(iterations):
            if time.perf_counter() > self.deadline:
                break
            touched, delta = self.shake()
            total += delta + self.two_opt(touched, near_only=True)
            if total > best:
                best, best_mate = total, self.mate[:]
            elif total < best:
                self.mate[:] = best_mate
                total = best
        self.mate[:] = best_mate

    def total(self) -> int:
        return sum(self.weight(i, m) or 0 for i, m in enumerate(self.mate) if m > i)

    def shake(self) -> tuple[list[int], int]:
        """Rotate partners round three random pairs near one person; returns who moved and the change."""
        mate, weight, rng = self.mate, self.weight, self.rng
        a = rng.randrange(self.n)
        b = mate[a]
        near = self.best_candidates(a)
        if b < 0 or len(near) < 2:
            return [], 0
        c = near[rng.randrange(len(near))]
        d = mate[c]
        if d < 0 or c == b:
            return [], 0
        far = self.best_candidates(d)
        e = far[rng.randrange(len(far))] if far else -1
        f = mate[e] if e >= 0 else -1
        if f < 0 or e in (a, b, c) or f in (a, b, c, d):
            return [], 0
        new = (weight(a, c), weight(d, e), weight(f, b))
        old = (weight(a, b), weight(c, d), weight(e, f))
        if None in new or None in old:
            return [], 0
        mate[a], mate[c], mate[d], mate[e], mate[f], mate[b] = c, a, e, d, b, f
        return [a, b, c, d, e, f], sum(w or 0 for w in new) - sum(w or 0 for w in old)

    def two_opt(self, start: Iterable[int], near_only: bool = False) -> int:
        """Exchange partners between two pairs while that raises the total; returns the total gain.

        Works from a queue of people to look at (everyone at first, then only those a move touched);
        `near_only` looks only at each person's best few candidates (quick, for iterated search).
        Loners take part too: two loners may pair up, and a loner may take someone's partner when that
        raises the total (the partner left behind becomes the loner), so nobody more is left alone.
        """
        mate, weight, excluded = self.mate, self.weight, self.excluded
        queue = deque(start)
        queued = set(queue)
        gained = 0
        while queue:
            a = queue.popleft()
            queued.discard(a)
            b = mate[a]
            w_ab = weight(a, b) if b >= 0 else 0
            if w_ab is None:
                continue
            for c in self.best_candidates(a) if near_only else self.candidates[a]:
                if c == b or excluded[c]:
                    continue
                d = mate[c]
                w_ac = weight(a, c)
                if w_ac is None:
                    continue
                w_cd = weight(c, d) if d >= 0 else 0
                if w_cd is None:
                    continue
                if b >= 0 and d >= 0:
                    w_bd = weight(b, d)
                    if w_bd is None:
                        continue
                    gain = w_ac + w_bd - w_ab - w_cd
                else:
                    gain = w_ac - w_ab - w_cd
                if gain > 0:
                    mate[a], mate[c] = c, a
                    if b >= 0 and d >= 0:
                        mate[b], mate[d] = d, b
                    elif b >= 0:
                        mate[b] = -1
                    elif d >= 0:
                        mate[d] = -1
                    gained += gain
                    for moved in (b, c, d):
                        if moved >= 0 and moved not in queued:
                            queue.append(moved)
                            queued.add(moved)
                    b, w_ab = c, w_ac
        return gained

    def three_opt(self) -> list[int]:
        """Rotate partners round three pairs (a-b, c-d, e-f become a-c, d-e, f-b) where that helps.

        Returns who moved, for the two-pair exchanges to look at again.
        """
        mate = self.mate
        weight = self.weight
        order = list(range(self.n))
        self.rng.shuffle(order)
        moved: list[int] = []
        for a in order:
            if time.perf_counter() > self.deadline:
                break
            b = mate[a]
            if b < 0:
                continue
            w_ab = weight(a, b)
            if w_ab is None:
                continue
            for c in self.best_candidates(a):
                d = mate[c]
                if c == b or d < 0 or d == a:
                    continue
                w_ac, w_cd = weight(a, c), weight(c, d)
                if w_ac is None or w_cd is None:
                    continue
                partial = w_ac - w_ab - w_cd
                if partial + 2 * _BEST_PAIR <= 0:
                    continue
                for e in self.best_candidates(d):
                    f = mate[e]
                    if f < 0 or e in (a, b, c) or f in (a, b, c):
                        continue
                    w_de, w_ef, w_fb = weight(d, e), weight(e, f), weight(f, b)
                    if w_de is None or w_ef is None or w_fb is None:
                        continue
                    if partial + w_de - w_ef + w_fb > 0:
                        mate[a], mate[c] = c, a
                        mate[d], mate[e] = e, d
                        mate[f], mate[b] = b, f
                        moved += (a, b, c, d, e, f)
                        break
                if mate[a] != b:
                    break
        return moved

    # -- groups -----------------------------------------------------------------------------------------

    def result(self) -> Matching:
        mate = self.mate
        pairs = [(i, mate[i]) for i in range(self.n) if mate[i] > i]
        alone = [i for i in range(self.n) if mate[i] < 0]
        left_out: list[tuple[str, str]] = []
        trio: tuple[int, int, int] | None = None
        if alone:
            # The first loner's place is in the group of three; anyone else could not be placed.
            trio, pairs = self._make_trio(alone[0], pairs)
            if trio is not None and any(self.in_last_trio[i] for i in trio) and self._fresh_trio(alone):
                pairs = [(i, mate[i]) for i in range(self.n) if mate[i] > i]
                trio = self.trio
                alone = [i for i in range(self.n) if mate[i] < 0 and not self.excluded[i]]
        groups = [self._group((i, j)) for i, j in pairs]
        if trio is not None:
            groups.append(self._group(trio))
        placed = {person for group in groups for person in group.members}
        left_out = [(p.id, _NO_PARTNER) for p in self.people if p.id not in placed]
        groups.sort(key=lambda g: g.members)
        return Matching(tuple(groups), tuple(sorted(left_out)))

    def _make_trio(
        self, x: int, pairs: list[tuple[int, int]]
    ) -> tuple[tuple[int, int, int] | None, list[tuple[int, int]]]:
        """Make the group of three: the loner joins a pair, or takes someone's place in a pair while that
        someone joins another pair. Ranked by: no repeat within the window, then nobody in the group of
        three two rounds running, then the score."""
        weight, again = self.weight, self.in_last_trio
        Option = tuple[
            tuple[int, int, int], tuple[int, int, int], list[tuple[int, int]], tuple[int, int] | None
        ]
        # A sentinel no real option ranks below; its empty `drop` says nothing was found.
        chosen: list[Option] = [((-(10**9), 0, 0), (x, x, x), [], None)]

        def consider(
            y: int, a: int, b: int, drop: list[tuple[int, int]], add: tuple[int, int] | None
        ) -> None:
            w_ya, w_yb = weight(y, a), weight(y, b)
            if w_ya is None or w_yb is None:
                return
            gain, repeats = w_ya + w_yb, int(w_ya < 0) + int(w_yb < 0)
            if add is not None:
                w_new, w_old = weight(*add), weight(y, add[1])
                if w_new is None or w_old is None:
                    return
                gain += w_new - w_old
                repeats += int(w_new < 0)
            rank = (-repeats, -(int(again[y]) + int(again[a]) + int(again[b])), gain)
            if rank > chosen[0][0]:
                chosen[0] = (rank, (y, a, b), drop, add)

        for a, b in pairs:
            consider(x, a, b, [(a, b)], None)
        if chosen[0][0][0] < 0 or chosen[0][0][1] < 0:
            # Look further: someone fresh leaves their pair for a fresh pair and the loner takes their place.
            fresh_pairs = [p for p in pairs if not again[p[0]] and not again[p[1]]][:TRIO_SEARCH]
            for y_pair in pairs[:TRIO_SEARCH]:
                for y, z in (y_pair, y_pair[::-1]):
                    if again[y]:
                        continue
                    for a, b in fresh_pairs:
                        if (a, b) != y_pair:
                            consider(y, a, b, [y_pair, (a, b)], (x, z))
        _, trio, drop, add = chosen[0]
        if not drop:  # nothing considered: no pair the loner may join
            return None, pairs
        kept = [p for p in pairs if p not in drop]
        if add is not None:
            kept.append((min(add), max(add)))
        return trio, kept

    def _fresh_trio(self, alone: list[int]) -> bool:
        """Build the group of three from people who were not in the last one, and pair everyone else again.

        Used only when the quick placement put someone in the group of three two rounds running. Keeps
        the change only if everyone else is still paired and no more pairs repeat; returns whether it did.
        """
        weight, again, mate = self.weight, self.in_last_trio, self.mate
        before = mate[:]
        repeats_before = self._repeats()
        best: tuple[int, tuple[int, int, int]] | None = None
        looked = 0
        for y in [*alone[:1], *range(self.n)]:
            if again[y] or looked > TRIO_SEARCH:
                continue
            looked += 1
            near = [c for c in self.best_candidates(y) if not again[c]]
            for a, b in itertools.combinations(near, 2):
                w_ya, w_yb, w_ab = weight(y, a), weight(y, b), weight(a, b)
                if w_ya is None or w_yb is None or w_ab is None or min(w_ya, w_yb, w_ab) < 0:
                    continue
                broken = sum(weight(i, mate[i]) or 0 for i in (y, a, b) if mate[i] >= 0)
                score = w_ya + w_yb - broken
                if best is None or score > best[0]:
                    best = (score, (y, a, b))
        if best is None:
            return False
        trio = best[1]
        for i in trio:
            self.excluded[i] = True
            if mate[i] >= 0:
                mate[mate[i]] = -1
            mate[i] = -1
        self.place_the_unmatched()
        self.augment()
        self.two_opt(i for i in range(self.n) if mate[i] < 0 and not self.excluded[i])
        unplaced = sum(1 for i in range(self.n) if mate[i] < 0 and not self.excluded[i])
        if unplaced > max(0, len(alone) - 1) or self._repeats() > repeats_before:
            mate[:] = before
            self.excluded = [False] * self.n
            return False
        self.trio = trio
        return True

    def _repeats(self) -> int:
        return sum(1 for i, m in enumerate(self.mate) if m > i and (self.weight(i, m) or 0) < 0)

    def _group(self, members: tuple[int, ...]) -> Group:
        ids = tuple(sorted(self.people[i].id for i in members))
        pair_weights = [
            (self.weight(a, b) or 0, a, b) for k, a in enumerate(members) for b in members[k + 1 :]
        ]
        notes: list[str] = []
        for w, a, b in pair_weights:
            if w < 0:
                ago = self.history.current_round - self.last_met[self._pair(a, b)]
                notes.append(
                    f"<@{self.people[a].id}> and <@{self.people[b].id}> met {ago} round(s) ago: "
                    "no other partner was possible without breaking a hard rule."
                )
        if len(members) == 3 and any(self.in_last_trio[i] for i in members):
            again = [f"<@{self.people[i].id}>" for i in members if self.in_last_trio[i]]
            notes.append(
                f"{', '.join(again)} in the group of three again: the count was odd and nobody else fitted."
            )
        # A trio's score is its best pair's: the matching's total stays comparable to a pairs-only one.
        score = max(w for w, _, _ in pair_weights) if len(members) == 3 else pair_weights[0][0]
        return Group(ids, score, tuple(notes))


_BEST_PAIR = BASE + 8 * PER_KIND + CROSS_TEAM + NOVELTY
_NO_PARTNER = "Every possible partner is on a 'don't pair me with' list or in their reporting line."


def _bits(kinds: Collection[SupportKind]) -> int:
    return sum(1 << KINDS.index(kind) for kind in kinds)


def _popcount(value: int) -> int:
    return bin(value).count("1")


# _COMPLEMENTARITY[p][q]: complementarity of profiles p and q (seeks << 4 | offers), precomputed.
_COMPLEMENTARITY = [
    [_popcount((p >> 4) & (q & 15)) + _popcount((q >> 4) & (p & 15)) for q in range(256)] for p in range(256)
]
