"""The matcher: who meets whom this round. Pure Python: no Slack, no database.

The objective, compared in this order (each step matters more than everything after it):

1. **placement**: as many people in a group as any grouping allows (pairs, and one group of three when
   the count is odd); someone is left out only when no valid grouping places them;
2. **repeats**: fewer pairs that met within the repeat window, the most recent counted first, so a forced
   repeat is always the least recent one possible;
3. **the group of three**: nobody in it two rounds running, when avoidable;
4. **fit**: the sum, over every pair of people who meet (all three pairs in a group of three), of
   - complementarity: each kind of support one would welcome and the other can offer, both ways;
   - variety: the two work in different teams, when the programme prefers it;
   - novelty: they have never met through Kindred (or not for a long time).
   No constant per group, which would flatter any matcher.

Hard rules are never broken: nobody is paired with someone on their "don't pair me with" list, nor with
their own manager or their manager's manager.

Inside, the four steps are one integer weight per pair, each step's unit larger than the most the steps
after it can add up to. Placement is exact (Edmonds' augmenting paths with blossoms). Exact maximum-weight
matching is too slow in pure Python for 10,000 people, so the matcher starts from a greedy matching on a
graph of promising partners per person (every allowed pair up to FULL_GRAPH_UP_TO people) and improves it
with local exchanges. `benchmarks/pairing` measures its time, its distance from the exact optimum and
from a plain greedy matcher.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, deque
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from slackapp.support import SupportKind

KINDS: tuple[SupportKind, ...] = tuple(SupportKind)

# The fit of a pair (step 4 of the objective).
PER_KIND = 10  # one kind one person welcomes and the other offers (0-8 such kinds per pair)
CROSS_TEAM = 15
NOVELTY = 20
BEST_FIT = 8 * PER_KIND + CROSS_TEAM + NOVELTY

# Candidate partners kept per person on large instances, and random extras for variety.
NEIGHBOURS = 10
SAMPLED = 40
NEAR = 12
ILS_ITERATIONS_PER_PERSON = 60
ILS_MAX_ITERATIONS = 20_000
ILS_LARGE = 3_000
TRIO_SEARCH = 2_000  # people looked at when the group of three needs someone to change places
CHAIN_PASSES = 4
CHAIN_BREADTH = (10, 5, 3, 2, 2, 2)  # partners tried at each step of an ejection chain
CHAIN_BREADTH_LARGE = (4, 3, 2, 2)  # above FULL_GRAPH_UP_TO, where the first greedy leaves little to gain
RANDOM_EXTRAS = 2
FULL_GRAPH_UP_TO = 700  # below this, every allowed pair is a candidate
EXACT_UP_TO = 400  # up to here, the exact matching on the candidate graph
EXACT_NEIGHBOURS = 16
EXACT_FULL_UP_TO = 200  # up to here, the exact matching on every allowed pair
PROFILE_SCAN = 30  # people looked at per person by the large instances' first greedy
EVERY_TRIO_UP_TO = 12  # up to here, every possible group of three is tried
TRIANGLE_NEIGHBOURS = 8  # up to FULL_GRAPH_UP_TO, groups of three are also made from each person's best few
TRIANGLES_TRIED = 12  # ... and the best of them by their own fit tried with the rest re-paired
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
    """Two people, or three when the count is odd; `notes` say which preference had to give way.

    `score` is the group's fit: the sum over each pair in it (three pairs in a group of three).
    `repeats` holds, for each pair in it that met within the window, how many rounds ago.
    """

    members: tuple[str, ...]
    score: int
    notes: tuple[str, ...] = ()
    repeats: tuple[int, ...] = ()
    trio_again: int = 0


@dataclass(frozen=True)
class Matching:
    groups: tuple[Group, ...]
    # Someone no valid grouping could place, with why, in plain words.
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def total_score(self) -> int:
        """The fit of every pair who meet, summed (step 4 of the objective)."""
        return sum(group.score for group in self.groups)

    @property
    def placed(self) -> int:
        return sum(len(group.members) for group in self.groups)

    def rank(self) -> tuple[int, tuple[int, ...], int, int]:
        """The whole objective as a tuple: a higher tuple is a better matching (same people, same history).

        (people placed, -(repeats 1 round ago), -(repeats 2 rounds ago), ..., -(people in the group of
        three again), fit).
        """
        ages = Counter(age for group in self.groups for age in group.repeats)
        deepest = max(ages, default=0)
        return (
            self.placed,
            tuple(-ages[age] for age in range(0, deepest + 1)) + (0,) * max(0, 64 - deepest - 1),
            -sum(group.trio_again for group in self.groups),
            self.total_score,
        )


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
    """Group everyone (pairs, and one group of three when the count is odd), best first by the objective.

    Args:
        people: who takes part; ids must be unique.
        history: earlier rounds of the programme; none means everyone is new to everyone.
        prefer_cross_team: add the variety bonus to pairs from different teams.
        seed: the same people, history and seed always give the same groups.
        time_budget: a safety net, in seconds of this thread's CPU time: the amount of work is fixed by
            the size (iteration counts), so only a pathological instance ever reaches it.

    Returns:
        The groups, and anyone no valid grouping could place, with why.
    """
    return _Matcher(people, history or History(), prefer_cross_team, seed, time_budget).run()


def score_groups(
    people: Sequence[Person],
    groups: Iterable[Sequence[str]],
    *,
    history: History | None = None,
    prefer_cross_team: bool = True,
) -> Matching:
    """Score a grouping made elsewhere (a baseline, an exact solver) with the matcher's own objective.

    Raises:
        ValueError: a group breaks a hard rule, or someone is in two groups.
    """
    matcher = _Matcher(people, history or History(), prefer_cross_team, 0, 0)
    made = []
    seen: set[int] = set()
    for group in groups:
        members = tuple(matcher.index[person] for person in group)
        if seen & set(members) or len(set(members)) != len(members):
            raise ValueError("someone is in two groups")
        seen |= set(members)
        for k, a in enumerate(members):
            for b in members[k + 1 :]:
                if matcher.fit(a, b) is None:
                    raise ValueError("a group breaks a hard rule")
        made.append(matcher._group(members))
    made.sort(key=lambda g: g.members)
    left_out = tuple(sorted((p.id, "") for p in matcher.people if matcher.index[p.id] not in seen))
    return Matching(tuple(made), left_out)


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
        # The safety net counts this thread's CPU time, not the wall clock: a busy machine (or a busy web
        # process around the worker thread) must not cut the search short and so change the groups.
        self.deadline = time.thread_time() + time_budget
        self.clock_checks = 0
        self.history = history
        self.prefer_cross_team = prefer_cross_team
        # Profiles: 4 bits of "welcomes" and 4 of "offers"; complementarity is a table lookup.
        self.profile = [_bits(p.seeks) << 4 | _bits(p.offers) for p in ordered]
        self.comp = _COMPLEMENTARITY
        self.fit_table = _FIT_TABLE
        teams: dict[str, int] = {}
        self.team = [teams.setdefault(p.team, len(teams)) if p.team else -1 for p in ordered]
        self.forbidden: set[int] = set()
        for a, b in forbidden_pairs(ordered):
            i, j = self.index.get(a), self.index.get(b)
            if i is not None and j is not None and i != j:
                self.forbidden.add(self._pair(i, j))
        self.last_met: dict[int, int] = {}
        index, last_met = self.index, self.last_met
        for (a, b), round_number in history.last_met.items():
            i, j = index.get(a), index.get(b)
            if i is None or j is None or i == j:
                continue
            key = i * n + j if i < j else j * n + i
            if round_number > last_met.get(key, -1):
                last_met[key] = round_number
        self.in_last_trio = [p.id in history.last_trio for p in ordered]
        # The units of the objective's steps: each larger than all the later steps can add up to.
        window = max(history.window, 0)
        self.fit_unit = 1
        self.trio_unit = 3 * BEST_FIT * (n // 2 + 2) + 1
        self.repeat_unit = 4 * self.trio_unit
        self.repeat_base = n // 2 + 3  # more than the number of pairs that can repeat in one round
        self.place_unit: int = self.repeat_unit * self.repeat_base ** (window + 1)
        self.cache: dict[int, int | None] = {}
        self.mate = [-1] * n
        self.candidates: list[list[int]] = [[] for _ in range(n)]
        self.top: dict[int, list[tuple[int, int]]] = {}
        self.all_weighted: list[list[tuple[int, int]] | None] = [None] * n
        # People set aside in the group of three: the pairing moves below leave them alone.
        self.excluded = [False] * n
        self.trio: tuple[int, int, int] | None = None
        # Fewer near neighbours on large instances keep the deeper moves within the time target.
        self.near = NEAR if n <= FULL_GRAPH_UP_TO else NEAR // 3
        # The most a pair can add beyond their profiles' fit: a pair's weight never exceeds
        # fit_table[profile][profile] + most_bonus, which lets the searches skip hopeless pairs unasked.
        self.most_bonus = (CROSS_TEAM if prefer_cross_team else 0) + NOVELTY
        self.chain_breadth = CHAIN_BREADTH if n <= FULL_GRAPH_UP_TO else CHAIN_BREADTH_LARGE

    def out_of_time(self) -> bool:
        """The safety net, asked once per step of a search but reading the clock only every 64th time:
        reading a thread's CPU clock is a system call, slow on some virtual machines."""
        self.clock_checks += 1
        return self.clock_checks % 64 == 0 and time.thread_time() > self.deadline

    def _pair(self, i: int, j: int) -> int:
        return i * self.n + j if i < j else j * self.n + i

    # -- the objective ----------------------------------------------------------------------------------

    def fit(self, i: int, j: int) -> int | None:
        """The pair's fit (step 4), or None when a hard rule forbids it."""
        key = i * self.n + j if i < j else j * self.n + i
        if key in self.forbidden or i == j:
            return None
        score = PER_KIND * self.comp[self.profile[i]][self.profile[j]]
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
            if ago > self.history.window:
                # Novelty returns gradually once the window has passed.
                score += min(NOVELTY, NOVELTY * (ago - self.history.window) // max(self.history.window, 1))
        return score

    def repeat_age(self, i: int, j: int) -> int | None:
        """How many rounds ago the two met, when that is within the window; else None."""
        met = self.last_met.get(i * self.n + j if i < j else j * self.n + i)
        if met is None:
            return None
        ago = self.history.current_round - met
        return ago if ago <= self.history.window else None

    def link(self, i: int, j: int) -> int | None:
        """What one pair in a group adds to the objective, without placement: fit minus repeat cost."""
        fit = self.fit(i, j)
        if fit is None:
            return None
        ago = self.repeat_age(i, j)
        if ago is None:
            return fit
        cost: int = self.repeat_unit * self.repeat_base ** max(0, self.history.window - max(ago, 0))
        return fit - cost

    def weight(self, i: int, j: int) -> int | None:
        """`link`, remembered (and computed inline: this is the matcher's innermost call). The local
        search compares matchings of the same size (placement is settled first, exactly), so placement
        cancels out of every exchange it weighs."""
        n = self.n
        key = i * n + j if i < j else j * n + i
        try:
            return self.cache[key]
        except KeyError:
            pass
        value: int | None
        if key in self.forbidden or i == j:
            value = None
        else:
            value = self.fit_table[self.profile[i]][self.profile[j]]
            team_i, team_j = self.team[i], self.team[j]
            if self.prefer_cross_team and team_i >= 0 and team_j >= 0 and team_i != team_j:
                value += CROSS_TEAM
            met = self.last_met.get(key)
            if met is None:
                value += NOVELTY
            else:
                value = self._after_meeting(value, self.history.current_round - met)
        self.cache[key] = value
        return value

    def _after_meeting(self, value: int, ago: int) -> int:
        window = self.history.window
        if ago > window:
            return value + min(NOVELTY, NOVELTY * (ago - window) // max(window, 1))
        cost: int = self.repeat_unit * self.repeat_base ** max(0, window - max(ago, 0))
        return value - cost

    def allowed(self, i: int) -> Iterator[int]:
        """Everyone i may be grouped with (the whole room: only the hard rules narrow it)."""
        n, forbidden = self.n, self.forbidden
        for j in range(n):
            if j != i and (i * n + j if i < j else j * n + i) not in forbidden:
                yield j

    # -- the run ----------------------------------------------------------------------------------------

    def run(self) -> Matching:
        if self.n < 2:
            return Matching((), tuple((p.id, _NO_PARTNER) for p in self.people))
        self.build_candidates()
        if self.n > FULL_GRAPH_UP_TO:
            self.greedy_by_profile()
        self.greedy()
        self.place_everyone()
        if self.n <= EXACT_UP_TO:
            self.two_opt(range(self.n))
            self.exact_on_candidates()
        else:
            self.improve()
        if self.n <= EVERY_TRIO_UP_TO and any(m < 0 for m in self.mate):
            self.try_every_trio()
        else:
            self.make_trio()
            if self.n <= FULL_GRAPH_UP_TO and self.trio is not None:
                # Above EXACT_UP_TO too: at 401 people, the group of three built around the pairs alone
                # left the fit 0.6% below the optimum (a group of 195 where one of 285 was possible).
                self.try_close_trios()
                if self.n <= EXACT_UP_TO:
                    # Making room for the group of three moves people between pairs; the best pairs of
                    # the rest, given the group, are worth one more exact matching at this size.
                    self.exact_on_candidates()
        found = self.result()
        if self.n <= FULL_GRAPH_UP_TO and any(len(group.members) == 3 for group in found.groups):
            # The group of three is placed after the pairs; a plain greedy that places it differently
            # can, rarely, do better. Never worse than that floor.
            floor = self.greedy_with_trio()
            if floor.rank() > found.rank():
                return floor
        return found

    def greedy_with_trio(self) -> Matching:
        """The plain greedy: best allowed pairs first, then the one left joins the pair it adds most to."""
        mate = [-1] * self.n
        edges = sorted(
            (
                (link, i, j)
                for i in range(self.n)
                for j in range(i + 1, self.n)
                if (link := self.link(i, j)) is not None
            ),
            key=lambda e: (-e[0], e[1], e[2]),
        )
        for _, i, j in edges:
            if mate[i] < 0 and mate[j] < 0:
                mate[i], mate[j] = j, i
        self.mate[:], self.excluded, self.trio = mate, [False] * self.n, None
        self.place_everyone()
        self.make_trio()
        return self.result()

    def best_candidates(self, i: int) -> list[int]:
        """Up to NEAR of i's candidates, highest score first (for the deeper moves)."""
        return [j for j, _ in self.best_weighted(i)]

    def weighted(self, i: int) -> list[tuple[int, int]]:
        """i's candidates with their weights (all allowed, so never None), worked out once."""
        found = self.all_weighted[i]
        if found is None:
            weight = self.weight
            found = self.all_weighted[i] = [(j, weight(i, j) or 0) for j in self.candidates[i]]
        return found

    def best_weighted(self, i: int) -> list[tuple[int, int]]:
        """`best_candidates` with each one's weight beside them, so the deeper moves can stop at the
        first candidate too weak to help (they are sorted) without asking for a weight."""
        found = self.top.get(i)
        if found is None:
            found = self.top[i] = sorted(self.weighted(i), key=lambda jw: -jw[1])[: self.near]
        return found

    def build_candidates(self) -> None:
        n = self.n
        if n <= FULL_GRAPH_UP_TO:
            for i in range(n):
                self.candidates[i] = list(self.allowed(i))
            return
        # Bucket people by profile; for each person, look first in the profiles that complement theirs.
        buckets: dict[int, list[int]] = {}
        for i, kind_bits in enumerate(self.profile):
            buckets.setdefault(kind_bits, []).append(i)
        profiles = sorted(buckets)
        rng = self.rng
        chosen: list[set[int]] = [set() for _ in range(n)]
        fit_table, profile, team, forbidden = self.fit_table, self.profile, self.team, self.forbidden
        last_met, current, after = self.last_met, self.history.current_round, self._after_meeting
        cross, cache, bonus = self.prefer_cross_team, self.cache, self.most_bonus
        ranked_for: dict[int, list[int]] = {}
        for i in range(n):
            mine = self.profile[i]
            ranked = ranked_for.get(mine)
            if ranked is None:
                ranked = ranked_for[mine] = sorted(profiles, key=lambda q: -self.comp[mine][q])
            looked: list[tuple[int, int]] = []
            budget = SAMPLED
            # `weight` inlined, uncached: most of the pairs looked at here are never looked at again,
            # and remembering 400,000 of them cost more than working them out.
            row, team_i, row_key = fit_table[mine], team[i], i * n
            # Once NEIGHBOURS are found at the most any pair of i's could weigh, nobody sampled later
            # could displace them (the sort below keeps the first of equals): stop looking.
            most, at_most = row[ranked[0]] + bonus, 0
            for q in ranked:
                members = buckets[q]
                start = rng.randrange(len(members))
                for step in range(min(len(members), budget)):
                    j = members[(start + step) % len(members)]
                    key = row_key + j if i < j else j * n + i
                    if j == i or key in forbidden:
                        continue
                    w = row[profile[j]]
                    team_j = team[j]
                    if cross and team_i >= 0 and team_j >= 0 and team_i != team_j:
                        w += CROSS_TEAM
                    met = last_met.get(key)
                    w = w + NOVELTY if met is None else after(w, current - met)
                    looked.append((w, j))
                    if w >= most:
                        at_most += 1
                        if at_most >= NEIGHBOURS:
                            break
                budget -= min(len(members), budget)
                if budget <= 0 or at_most >= NEIGHBOURS:
                    break
            looked.sort(key=lambda wj: -wj[0])
            best = [j for _, j in looked[:NEIGHBOURS]]
            for w, j in looked[:NEIGHBOURS]:
                cache[row_key + j if i < j else j * n + i] = w  # the searches ask for these again
            for _ in range(RANDOM_EXTRAS):
                j = rng.randrange(n)
                if j != i and self.weight(i, j) is not None:
                    best.append(j)
            for j in best:
                chosen[i].add(j)
                chosen[j].add(i)
        self.candidates = [sorted(c) for c in chosen]

    def greedy_by_profile(self) -> None:
        """On large instances, start where a greedy over every pair would: the most complementary
        profiles first, each person with a partner from a different team they have not met, when one is
        near. Whoever is left goes to the candidate greedy and the augmenting paths after this."""
        buckets: dict[int, list[int]] = {}
        for i, profile in enumerate(self.profile):
            buckets.setdefault(profile, []).append(i)
        profiles = sorted(buckets)
        comp, mate, weight = self.comp, self.mate, self.weight
        pairs = sorted(
            ((p, q) for k, p in enumerate(profiles) for q in profiles[k:]),
            key=lambda pq: (-comp[pq[0]][pq[1]], pq),
        )
        bonus = (CROSS_TEAM if self.prefer_cross_team else 0) + NOVELTY
        for p, q in pairs:
            good = PER_KIND * comp[p][q] + bonus
            takers = [i for i in buckets[p] if mate[i] < 0]
            if not takers:
                continue
            others = takers if p == q else [j for j in buckets[q] if mate[j] < 0]
            start = 0
            for i in takers:
                if mate[i] >= 0:
                    continue
                scanned = 0
                for k in range(start, len(others)):
                    j = others[k]
                    if mate[j] >= 0 or j == i:
                        if k == start:
                            start += 1  # matched people at the front are never looked at again
                        continue
                    scanned += 1
                    if weight(i, j) == good:
                        mate[i], mate[j] = j, i
                        break
                    if scanned >= PROFILE_SCAN:
                        break

    def greedy(self) -> None:
        """Take the best remaining candidate pairs first (ties broken by the seed)."""
        tiebreak = self.rng.random
        mate = self.mate
        edges = [
            (w, tiebreak(), i, j)
            for i in range(self.n)
            if mate[i] < 0
            for j in self.candidates[i]
            if i < j and mate[j] < 0 and (w := self.weight(i, j)) is not None
        ]
        edges.sort(reverse=True)
        for _, _, i, j in edges:
            if mate[i] < 0 and mate[j] < 0:
                mate[i], mate[j] = j, i

    def place_everyone(self) -> None:
        """Grow the matching along augmenting paths until none is left: then it pairs as many people as
        any matching could (Berge's theorem), whatever the hard rules. Edmonds' search, blossoms and all,
        over every allowed pair, not only the candidates."""
        free = [i for i in range(self.n) if self.mate[i] < 0 and not self.excluded[i]]
        left = len(free)
        for root in free:
            if left < 2:
                return  # a path needs someone free at each end
            if self.mate[root] < 0 and self._augment_from(root):
                left -= 2

    def _augment_from(self, root: int) -> bool:
        n, mate, excluded = self.n, self.mate, self.excluded
        parent = [-1] * n
        base = list(range(n))
        used = [False] * n
        used[root] = True
        queue = deque([root])

        def lca(a: int, b: int) -> int:
            seen = [False] * n
            while True:
                a = base[a]
                seen[a] = True
                if mate[a] < 0:
                    break
                a = parent[mate[a]]
            while True:
                b = base[b]
                if seen[b]:
                    return b
                b = parent[mate[b]]

        def mark_path(v: int, b: int, child: int, blossom: list[bool]) -> None:
            while base[v] != b:
                blossom[base[v]] = blossom[base[mate[v]]] = True
                parent[v] = child
                child = mate[v]
                v = parent[mate[v]]

        while queue:
            v = queue.popleft()
            # Candidates first: in a dense room the first few partners almost always end the search.
            for u in _chain_unique(self.candidates[v], self.allowed(v)):
                if excluded[u] or base[v] == base[u] or mate[v] == u:
                    continue
                if u == root or (mate[u] >= 0 and parent[mate[u]] >= 0):
                    current = lca(v, u)
                    blossom = [False] * n
                    mark_path(v, current, u, blossom)
                    mark_path(u, current, v, blossom)
                    for i in range(n):
                        if blossom[base[i]]:
                            base[i] = current
                            if not used[i]:
                                used[i] = True
                                queue.append(i)
                elif parent[u] < 0:
                    parent[u] = v
                    if mate[u] < 0:
                        while u >= 0:
                            pv = parent[u]
                            ppv = mate[pv]
                            mate[u], mate[pv] = pv, u
                            u = ppv
                        return True
                    used[mate[u]] = True
                    queue.append(mate[u])
        return False

    def improve(self) -> None:
        """Local search: two-pair exchanges, then ejection chains (Lin-Kernighan style), then iterated
        local search: shake a few pairs up, repair, and keep what scores higher.

        The amount of work is fixed by the size, not the clock, so a seed always gives the same result;
        the time budget is only a safety net.
        """
        small = self.n <= FULL_GRAPH_UP_TO
        # Above FULL_GRAPH_UP_TO the first greedy already pairs most people with one of their best few
        # candidates; the exchanges look only at those few, as the iterated search does.
        self.two_opt(range(self.n), near_only=not small)
        for _ in range(CHAIN_PASSES if small else 1):
            moved = self.chains(range(self.n))
            if not moved or self.out_of_time():
                break
            self.two_opt(moved)
        total = self.total()
        best, best_mate = total, self.mate[:]
        iterations = min(ILS_ITERATIONS_PER_PERSON * self.n, ILS_MAX_ITERATIONS if small else ILS_LARGE)
        for _ in range(iterations):
            if self.out_of_time():
                break
            touched, delta = self.shake()
            if not touched:
                continue
            total += delta + self.two_opt(touched, near_only=True)
            if total > best:
                best, best_mate = total, self.mate[:]
            elif total < best:
                self.mate[:] = best_mate
                total = best
        self.mate[:] = best_mate

    def exact_on_candidates(self) -> None:
        """The best matching on each person's EXACT_NEIGHBOURS best partners and the current pairs
        (networkx's maximum-weight matching, Edmonds' blossoms with dual variables).

        Many pairs tie on score, so the local search can stall on a plateau a long exchange would cross;
        at this size the exact algorithm is fast enough. The current pairs are in the graph, so the result
        places as many people and scores at least as well.
        """
        graph = nx.Graph()
        shift = min(
            (w for i in range(self.n) for j in self.candidates[i] if (w := self.weight(i, j)) is not None),
            default=0,
        )
        ties = self.rng.random
        for i in range(self.n):
            ranked = sorted(self.candidates[i], key=lambda j: (-(self.weight(i, j) or 0), ties()))
            near = ranked if self.n <= EXACT_FULL_UP_TO else ranked[:EXACT_NEIGHBOURS]
            for j in [*near, *([self.mate[i]] if self.mate[i] >= 0 else [])]:
                weight = self.weight(i, j)
                if weight is not None and not self.excluded[i] and not self.excluded[j]:
                    graph.add_edge(i, j, weight=weight - shift + 1)
        pairs = nx.max_weight_matching(graph, maxcardinality=True)
        mate = [-1] * self.n
        for i, j in pairs:
            mate[i], mate[j] = j, i
        if sum(1 for m in mate if m >= 0) == sum(1 for m in self.mate if m >= 0):
            self.mate[:] = mate

    def chains(self, start: Iterable[int]) -> list[int]:
        """Look for an improving ejection chain from each person; returns who moved."""
        moved: list[int] = []
        for a in start:
            if self.out_of_time():
                break
            gained, touched = self.chain(a)
            if gained > 0:
                moved += touched
        return moved

    def chain(self, a: int) -> tuple[int, list[int]]:
        """Break a's pair a-b; b takes c, whose partner d takes e, ... until the last one left takes a.

        Each step must keep the running gain positive (Lin and Kernighan's gain criterion), which prunes
        almost every branch; applied only when the closed chain raises the total. Returns (gain, moved).
        """
        mate, weight, excluded = self.mate, self.weight, self.excluded
        b = mate[a]
        if b < 0 or excluded[a]:
            return 0, []
        w_ab = weight(a, b)
        if w_ab is None:
            return 0, []
        on_path = {a, b}
        chosen: list[int] = []
        breadth = self.chain_breadth
        fit_table, profile, bonus = self.fit_table, self.profile, self.most_bonus

        def extend(open_: int, gain: int, depth: int) -> int:
            if depth >= len(breadth):
                return 0
            for c, w_oc in self.best_weighted(open_)[: breadth[depth]]:
                if gain + w_oc <= 0:
                    break  # best first: nobody further down the list keeps the gain positive either
                if c in on_path or excluded[c]:
                    continue
                d = mate[c]
                if d < 0 or d in on_path:
                    continue
                w_cd = weight(c, d) or 0
                after = gain + w_oc - w_cd
                # d-a's weight (mostly a pair never looked at, so a cache miss) is only worth working
                # out when its ceiling (their profiles' fit, different teams, new) could close the chain.
                ceiling = fit_table[profile[d]][profile[a]] + bonus
                w_da = weight(d, a) if after + ceiling > 0 else None
                chosen.append(c)
                if w_da is not None and after + w_da > 0:
                    return after + w_da
                on_path.update((c, d))
                found = extend(d, after, depth + 1)
                if found > 0:
                    return found
                on_path.difference_update((c, d))
                chosen.pop()
            return 0

        gained = extend(b, -w_ab, 0)
        if gained <= 0:
            return 0, []
        touched = [a, b]
        open_ = b
        for c in chosen:
            d = mate[c]
            mate[open_], mate[c] = c, open_
            touched += (c, d)
            open_ = d
        mate[open_], mate[a] = a, open_
        return gained, touched

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
        mate, weight, excluded, cache, n = self.mate, self.weight, self.excluded, self.cache, self.n
        fit_table, profile, bonus = self.fit_table, self.profile, self.most_bonus
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
            for c, w_ac in self.best_weighted(a) if near_only else self.weighted(a):
                if c == b or excluded[c]:
                    continue
                d = mate[c]
                if d >= 0:
                    # `weight`, inlined for the common case of a pair already worked out.
                    key = c * n + d if c < d else d * n + c
                    w_cd = cache[key] if key in cache else weight(c, d)
                    if w_cd is None:
                        continue
                else:
                    w_cd = 0
                if b >= 0 and d >= 0:
                    # Skip the (mostly uncached) b-d weight when even its ceiling, the fit of their
                    # profiles as if from different teams and new to each other, could not pay.
                    if w_ac + fit_table[profile[b]][profile[d]] + bonus <= w_ab + w_cd:
                        continue
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

    # -- the group of three -----------------------------------------------------------------------------

    def join_value(self, y: int, a: int, b: int) -> int | None:
        """What y joining the pair a-b adds: one more person placed, two more pairs, the trio rule."""
        w_ya, w_yb = self.link(y, a), self.link(y, b)
        if w_ya is None or w_yb is None:
            return None
        again = self.in_last_trio
        return self.place_unit + w_ya + w_yb - self.trio_unit * (again[y] + again[a] + again[b])

    def make_trio(self) -> None:
        """When someone is still alone, make the one group of three that places them (or, when they may
        join no pair, that places someone else who can make room), best by the objective."""
        mate = self.mate
        loners = [i for i in range(self.n) if mate[i] < 0]
        if not loners:
            return
        pairs = [(i, mate[i]) for i in range(self.n) if mate[i] > i]
        # (value, y joins a-b, and optionally x takes y's place beside z)
        best: tuple[int, tuple[int, int, int], tuple[int, int] | None] | None = None
        for x in loners:
            for a, b in pairs:
                value = self.join_value(x, a, b)
                if value is not None and (best is None or value > best[0]):
                    best = (value, (x, a, b), None)
        # Someone leaves their pair for the group of three and a loner takes their place: this can place
        # a loner nobody may join, or keep someone out of the group of three two rounds running.
        looked = 0
        if best is not None and best[0] >= self.place_unit:
            looked = TRIO_SEARCH * max(1, self.n // 2) + 1  # no repeat, nobody in it again: good enough
        for x in loners:
            for z in self.candidates[x]:
                y = mate[z]
                if y < 0 or looked > TRIO_SEARCH * max(1, self.n // 2):
                    continue
                w_xz, w_yz = self.link(x, z), self.link(y, z)
                if w_xz is None or w_yz is None:
                    continue
                for a, b in pairs:
                    looked += 1
                    if y in (a, b):
                        continue
                    value = self.join_value(y, a, b)
                    if value is not None and (best is None or value + w_xz - w_yz > best[0]):
                        best = (value + w_xz - w_yz, (y, a, b), (x, z))
        if best is None:
            if not self._exact_trio(loners):
                return
        else:
            _, trio, moved = best
            if moved is not None:
                x, z = moved
                mate[x], mate[z] = z, x
            self._set_trio(trio)
        self._polish_trio()

    def try_close_trios(self) -> None:
        """Try the groups of three whose members suit each other best (each person with two of their best
        candidates), each with the rest re-paired around it; keep whichever grouping ranks highest.

        make_trio builds the group around the pairs already made, so it misses a close-knit three whose
        members sit in three good pairs: on 101-person instances that cost up to 0.7% of the fit.
        """
        if self.trio is None:
            return
        weight = self.weight
        triangles: set[tuple[int, int, int]] = set()
        for a in range(self.n):
            near = [j for j, _ in self.best_weighted(a)[:TRIANGLE_NEIGHBOURS]]
            for b, c in itertools.combinations(near, 2):
                if weight(b, c) is not None:
                    triangles.add(tuple(sorted((a, b, c))))  # type: ignore[arg-type]
        ranked = sorted(triangles, key=lambda t: (-(self._trio_value(t) or 0), t))[:TRIANGLES_TRIED]
        best, best_state = self.result(), (self.mate[:], self.trio)
        for trio in ranked:
            if trio == best_state[1]:
                continue
            self.mate[:], self.trio = best_state[0], best_state[1]
            self.excluded = [False] * self.n
            freed = [*best_state[1], *(self.mate[i] for i in trio if self.mate[i] >= 0)]
            for i in trio:
                if self.mate[i] >= 0:
                    self.mate[self.mate[i]] = -1
            self._set_trio(trio)
            self.place_everyone()
            self.two_opt([i for i in freed if not self.excluded[i]])
            found = self.result()
            if found.rank() > best.rank():
                best, best_state = found, (self.mate[:], trio)
        self.mate[:], self.trio = best_state
        self.excluded = [False] * self.n
        for i in best_state[1]:
            self.excluded[i] = True

    def try_every_trio(self) -> None:
        """Small programmes: every possible group of three, each with the exact best pairs of the rest."""
        best = self.result()
        chosen: tuple[list[int], tuple[int, int, int] | None] = (self.mate[:], None)
        for trio in itertools.combinations(range(self.n), 3):
            if any(self.fit(a, b) is None for a, b in itertools.combinations(trio, 2)):
                continue
            graph = nx.Graph()
            for i, j in itertools.combinations(range(self.n), 2):
                if i not in trio and j not in trio and (w := self.link(i, j)) is not None:
                    graph.add_edge(i, j, weight=w)
            mate = [-1] * self.n
            for i, j in nx.max_weight_matching(graph, maxcardinality=True):
                mate[i], mate[j] = j, i
            self.mate[:], self.trio = mate, trio
            found = self.result()
            if found.rank() > best.rank():
                best, chosen = found, (mate, trio)
        self.mate[:], self.trio = chosen
        for i in self.trio or ():
            self.excluded[i] = True

    def _set_trio(self, trio: tuple[int, int, int]) -> None:
        for i in trio:
            self.excluded[i] = True
            self.mate[i] = -1
        self.trio = trio

    def _exact_trio(self, loners: list[int]) -> bool:
        """The slow, exact search for a group of three that places one more person: someone x whom some
        maximum matching leaves out, beside a pair a-b some maximum matching of the rest keeps. Used only
        when the quick moves found nothing (hard rules leave few options; small programmes)."""
        mate, excluded = self.mate, self.excluded
        pairs_now = sum(1 for i, m in enumerate(mate) if m > i)
        for x in range(self.n):
            if self.out_of_time():
                return False
            before = mate[:]
            excluded[x] = True
            if mate[x] >= 0:
                partner = mate[x]
                mate[x] = mate[partner] = -1
                if not self._augment_from(partner):
                    mate[:] = before
                    excluded[x] = False
                    continue  # every maximum matching pairs x
            neighbours = [a for a in self.allowed(x) if not excluded[a]]
            for k, a in enumerate(neighbours):
                for b in neighbours[k + 1 :]:
                    if self.fit(a, b) is None:
                        continue
                    inner = mate[:]
                    freed = [m for m in (mate[a], mate[b]) if m >= 0 and m not in (a, b)]
                    for i in (a, b):
                        if mate[i] >= 0:
                            mate[mate[i]] = -1
                        mate[i] = -1
                    excluded[a] = excluded[b] = True
                    any(self._augment_from(m) for m in freed)  # one more pair is all it takes
                    if sum(1 for i, m in enumerate(mate) if m > i) >= pairs_now - 1:
                        self.trio = (x, a, b)
                        return True
                    mate[:] = inner
                    excluded[a] = excluded[b] = False
            mate[:] = before
            excluded[x] = False
        return False

    def _polish_trio(self) -> None:
        """Swap a member of the group of three with someone in a pair while the objective rises."""
        mate, weight = self.mate, self.weight
        improved = True
        while improved and self.trio is not None and not self.out_of_time():
            improved = False
            trio = self.trio
            current = self._trio_value(trio)
            for t in trio:
                rest = [m for m in trio if m != t]
                for c in self.candidates[t]:
                    d = mate[c]
                    if d < 0 or self.excluded[c]:
                        continue
                    new_trio = (c, rest[0], rest[1])
                    w_td, w_cd = weight(t, d), weight(c, d)
                    joined = self._trio_value(new_trio)
                    if w_td is None or w_cd is None or joined is None or current is None:
                        continue
                    if joined + w_td > current + w_cd:
                        self.excluded[t] = False
                        mate[t], mate[d] = d, t
                        self._set_trio(new_trio)
                        self.two_opt([t, d])
                        improved = True
                        break
                if improved:
                    break

    def _trio_value(self, trio: tuple[int, int, int]) -> int | None:
        a, b, c = trio
        w_ab = self.weight(a, b)
        joined = self.join_value(c, a, b)
        return None if w_ab is None or joined is None else w_ab + joined

    # -- groups -----------------------------------------------------------------------------------------

    def result(self) -> Matching:
        mate = self.mate
        groups = [self._group((i, mate[i])) for i in range(self.n) if mate[i] > i]
        if self.trio is not None:
            groups.append(self._group(self.trio))
        placed = {person for group in groups for person in group.members}
        left_out = [
            (p.id, _NO_PARTNER if not any(True for _ in self.allowed(i)) else _NO_ROOM)
            for i, p in enumerate(self.people)
            if p.id not in placed
        ]
        groups.sort(key=lambda g: g.members)
        return Matching(tuple(groups), tuple(sorted(left_out)))

    def _group(self, members: tuple[int, ...]) -> Group:
        ids = tuple(sorted(self.people[i].id for i in members))
        score = 0
        repeats: list[int] = []
        notes: list[str] = []
        for k, a in enumerate(members):
            for b in members[k + 1 :]:
                score += self.fit(a, b) or 0
                ago = self.repeat_age(a, b)
                if ago is not None:
                    repeats.append(ago)
                    notes.append(
                        f"<@{self.people[a].id}> and <@{self.people[b].id}> met {ago} round(s) ago: "
                        "every grouping with fewer or older repeats would break a hard rule or leave "
                        "someone out."
                    )
        trio_again = sum(self.in_last_trio[i] for i in members) if len(members) == 3 else 0
        if trio_again:
            again = [f"<@{self.people[i].id}>" for i in members if self.in_last_trio[i]]
            notes.append(
                f"{', '.join(again)} in the group of three again: the count was odd and nobody else fitted."
            )
        return Group(ids, score, tuple(notes), tuple(sorted(repeats)), trio_again)


_NO_PARTNER = "Every possible partner is on a 'don't pair me with' list or in their reporting line."
_NO_ROOM = (
    "The few people they may meet were all needed in other groups: placing them would have left "
    "someone else out."
)


def _chain_unique(first: list[int], rest: Iterable[int]) -> Iterator[int]:
    yield from first
    seen = set(first)
    for item in rest:
        if item not in seen:
            yield item


def _bits(kinds: Collection[SupportKind]) -> int:
    return sum(1 << KINDS.index(kind) for kind in kinds)


def _popcount(value: int) -> int:
    return bin(value).count("1")


# _COMPLEMENTARITY[p][q]: complementarity of profiles p and q (seeks << 4 | offers), precomputed.
_COMPLEMENTARITY = [
    [_popcount((p >> 4) & (q & 15)) + _popcount((q >> 4) & (p & 15)) for q in range(256)] for p in range(256)
]
_FIT_TABLE = [[PER_KIND * c for c in row] for row in _COMPLEMENTARITY]
