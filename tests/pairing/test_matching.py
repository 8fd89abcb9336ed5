"""The matcher, without Slack or a database: everyone once, hard rules kept, repeats only when forced."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.pairing.matching import History, Matching, Person, match
from slackapp.support import SupportKind

EMOTIONAL, PRACTICAL, ADVICE, BELONGING = SupportKind

kinds = st.frozensets(st.sampled_from(list(SupportKind)))


@st.composite
def people_lists(draw: st.DrawFn, min_size: int = 2, max_size: int = 40) -> list[Person]:
    size = draw(st.integers(min_size, max_size))
    ids = [f"U{index:03d}" for index in range(size)]
    return [
        Person(
            person_id,
            seeks=draw(kinds),
            offers=draw(kinds),
            team=draw(st.sampled_from(["T1", "T2", "T3", None])),
        )
        for person_id in ids
    ]


def members(result: Matching) -> list[str]:
    return [person for group in result.groups for person in group.members]


def pairs_in(result: Matching) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for group in result.groups:
        for a, b in itertools.combinations(sorted(group.members), 2):
            found.add((a, b))
    return found


def random_pairing(ids: list[str], seed: int) -> list[tuple[str, str]]:
    shuffled = sorted(ids)
    random.Random(seed).shuffle(shuffled)
    return [(min(a, b), max(a, b)) for a, b in zip(shuffled[::2], shuffled[1::2], strict=False)]


@settings(max_examples=60, deadline=None)
@given(people=people_lists(), seed=st.integers(0, 10**6))
def test_everyone_is_in_exactly_one_group_of_two_or_one_of_three(people: list[Person], seed: int) -> None:
    result = match(people, seed=seed)

    assert sorted(members(result)) == sorted(p.id for p in people)
    sizes = Counter(len(group.members) for group in result.groups)
    assert set(sizes) <= {2, 3}
    assert sizes[3] == len(people) % 2
    assert result.left_out == ()


@settings(max_examples=60, deadline=None)
@given(people=people_lists(min_size=2, max_size=30), data=st.data())
def test_nobody_is_ever_paired_with_someone_on_their_list_or_in_their_reporting_line(
    people: list[Person], data: st.DataObject
) -> None:
    ids = [p.id for p in people]
    with_rules = [
        Person(
            p.id,
            p.seeks,
            p.offers,
            p.team,
            reporting_line=frozenset(data.draw(st.lists(st.sampled_from(ids[:4]), max_size=2))),
            avoid=frozenset(data.draw(st.lists(st.sampled_from(ids), max_size=4))),
        )
        for p in people
    ]
    result = match(with_rules, seed=data.draw(st.integers(0, 1000)))

    placed = members(result)
    assert len(placed) == len(set(placed))
    assert sorted(placed + [person for person, _ in result.left_out]) == sorted(ids)
    for a, b in pairs_in(result):
        for one, other in ((a, b), (b, a)):
            person = next(p for p in with_rules if p.id == one)
            assert other not in person.avoid
            assert other not in person.reporting_line


@settings(max_examples=50, deadline=None)
@given(size=st.integers(6, 40), seed=st.integers(0, 10**6))
def test_no_pair_repeats_within_the_window_when_another_matching_exists(size: int, seed: int) -> None:
    ids = [f"U{index:03d}" for index in range(size)]
    # Two recent rounds: with six or more people, everyone still has enough new partners.
    last_met = dict.fromkeys(random_pairing(ids, seed), 5)
    last_met.update(dict.fromkeys(random_pairing(ids, seed + 1), 6))
    history = History(last_met=last_met, current_round=7, window=6)

    result = match([Person(i) for i in ids], history=history, seed=seed)

    assert not pairs_in(result) & set(last_met)
    assert all(not group.notes for group in result.groups)


def test_when_everyone_has_met_recently_the_least_recent_pair_is_chosen_and_explained() -> None:
    people = [Person("A"), Person("B"), Person("C"), Person("D")]
    history = History(
        last_met={("A", "B"): 9, ("C", "D"): 9, ("A", "C"): 8, ("B", "D"): 8, ("A", "D"): 5, ("B", "C"): 5},
        current_round=10,
        window=6,
    )

    result = match(people, history=history)

    assert pairs_in(result) == {("A", "D"), ("B", "C")}
    assert all("met 5 round(s) ago" in group.notes[0] for group in result.groups)


def test_two_people_who_just_met_are_still_paired_rather_than_left_out() -> None:
    result = match([Person("A"), Person("B")], history=History({("A", "B"): 3}, current_round=4))

    assert [g.members for g in result.groups] == [("A", "B")]
    assert result.groups[0].notes


def test_what_one_welcomes_is_matched_with_what_another_offers() -> None:
    people = [
        Person("A", seeks=frozenset({EMOTIONAL})),
        Person("B", offers=frozenset({ADVICE})),
        Person("C", offers=frozenset({EMOTIONAL})),
        Person("D", seeks=frozenset({ADVICE})),
    ]

    assert pairs_in(match(people)) == {("A", "C"), ("B", "D")}


def test_people_from_different_teams_are_paired_when_the_programme_prefers_it() -> None:
    people = [
        Person("A", team="red"),
        Person("B", team="red"),
        Person("C", team="blue"),
        Person("D", team="blue"),
    ]

    crossed = pairs_in(match(people, prefer_cross_team=True))

    assert all(a < "C" <= b for a, b in crossed)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(7, 31).filter(lambda n: n % 2 == 1), seed=st.integers(0, 10**6))
def test_nobody_is_in_the_group_of_three_two_rounds_running_when_avoidable(size: int, seed: int) -> None:
    ids = [f"U{index:03d}" for index in range(size)]
    last_trio = frozenset(random.Random(seed).sample(ids, 3))

    result = match([Person(i) for i in ids], history=History(last_trio=last_trio), seed=seed)

    trio = next(group for group in result.groups if len(group.members) == 3)
    assert not set(trio.members) & last_trio


def test_someone_every_partner_is_ruled_out_for_is_left_out_with_the_reason() -> None:
    people = [Person("A", avoid=frozenset({"B", "C"})), Person("B"), Person("C")]

    result = match(people)

    assert [g.members for g in result.groups] == [("B", "C")]
    assert [person for person, _ in result.left_out] == ["A"]
    assert "don't pair me with" in result.left_out[0][1]


@settings(max_examples=20, deadline=None)
@given(people=people_lists(max_size=30), seed=st.integers(0, 1000))
def test_the_same_seed_gives_the_same_groups_whatever_the_order(people: list[Person], seed: int) -> None:
    assert match(people, seed=seed) == match(list(reversed(people)), seed=seed)


def exact_best_total(people: list[Person], history: History) -> int:
    """The optimum by brute force over all pairings (small even instances only)."""
    from slackapp.pairing.matching import _Matcher

    matcher = _Matcher(people, history, True, 0, 10)

    def best(rest: tuple[int, ...]) -> int:
        if not rest:
            return 0
        first, others = rest[0], rest[1:]
        options = [
            w + best(others[:k] + others[k + 1 :])
            for k, other in enumerate(others)
            if (w := matcher.weight(first, other)) is not None
        ]
        return max(options) if options else -(10**9)

    return best(tuple(range(len(people))))


@settings(max_examples=25, deadline=None)
@given(
    people=people_lists(min_size=4, max_size=10).filter(lambda p: len(p) % 2 == 0), seed=st.integers(0, 99)
)
def test_small_instances_reach_the_exact_optimum(people: list[Person], seed: int) -> None:
    history = History(
        last_met=dict.fromkeys(random_pairing([p.id for p in people], seed), 3), current_round=4
    )

    assert match(people, history=history, seed=seed).total_score == exact_best_total(people, history)


def test_a_larger_instance_is_within_half_a_percent_of_networkx_exact_matching() -> None:
    nx = pytest.importorskip("networkx")
    from benchmarks.pairing.population import organisation, year_of_history
    from slackapp.pairing.matching import _Matcher

    people = organisation(120, seed=5)
    history = year_of_history(people, rounds=10, seed=5)
    matcher = _Matcher(people, history, True, 0, 10)
    graph = nx.Graph()
    for i, j in itertools.combinations(range(len(people)), 2):
        if (w := matcher.weight(i, j)) is not None:
            graph.add_edge(i, j, weight=w + 2_000_000)
    optimum = sum(matcher.weight(i, j) or 0 for i, j in nx.max_weight_matching(graph, maxcardinality=True))

    assert match(people, history=history, seed=5).total_score >= 0.995 * optimum


@settings(max_examples=60, deadline=None)
@given(people=people_lists(min_size=4, max_size=16), data=st.data())
def test_hard_rules_never_leave_out_anyone_a_perfect_choice_of_pairs_could_place(
    people: list[Person], data: st.DataObject
) -> None:
    nx = pytest.importorskip("networkx")
    ids = [p.id for p in people]
    ruled = [
        Person(
            p.id,
            p.seeks,
            p.offers,
            p.team,
            avoid=frozenset(data.draw(st.lists(st.sampled_from(ids), max_size=5))),
        )
        for p in people
    ]
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for a, b in itertools.combinations(ruled, 2):
        if b.id not in a.avoid and a.id not in b.avoid:
            graph.add_edge(a.id, b.id)
    most_pairs = len(nx.max_weight_matching(graph, maxcardinality=True))

    result = match(ruled, seed=data.draw(st.integers(0, 1000)))

    assert (
        sum(1 for g in result.groups for _ in itertools.combinations(g.members, 2) if len(g.members) == 2)
        >= 0
    )
    assert len(members(result)) >= 2 * most_pairs
