"""The matcher, without Slack or a database: everyone once, hard rules kept, repeats only when forced."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from benchmarks.pairing.greedy import plain_greedy
from slackapp.pairing.matching import History, Matching, Person, match, score_groups
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


def best_by_brute_force(people: list[Person], history: History) -> Matching:
    """The best grouping by the matcher's own objective, over every grouping (small instances only):
    each person left out, or in a pair, or in the one group of three."""
    ids = sorted(p.id for p in people)
    rules = {p.id: p.avoid | p.reporting_line for p in people}

    def allowed(*group: str) -> bool:
        return all(b not in rules[a] and a not in rules[b] for a, b in itertools.combinations(group, 2))

    def groupings(rest: tuple[str, ...], trio_used: bool) -> list[list[tuple[str, ...]]]:
        if not rest:
            return [[]]
        first, others = rest[0], rest[1:]
        found = list(groupings(others, trio_used))  # first left out
        for k, second in enumerate(others):
            if allowed(first, second):
                remaining = others[:k] + others[k + 1 :]
                found += [[(first, second), *g] for g in groupings(remaining, trio_used)]
                if not trio_used:
                    for m, third in enumerate(remaining):
                        if allowed(first, second, third):
                            after = remaining[:m] + remaining[m + 1 :]
                            found += [[(first, second, third), *g] for g in groupings(after, True)]
        return found

    scored = [score_groups(people, grouping, history=history) for grouping in groupings(tuple(ids), False)]
    return max(scored, key=lambda matching: matching.rank())


@st.composite
def ruled_instances(draw: st.DrawFn, min_size: int = 2, max_size: int = 7) -> tuple[list[Person], History]:
    """People with "don't pair me with" lists, managers, and a recent history of who met whom."""
    size = draw(st.integers(min_size, max_size))
    ids = [f"U{index:03d}" for index in range(size)]
    people = [
        Person(
            person_id,
            seeks=draw(kinds),
            offers=draw(kinds),
            team=draw(st.sampled_from(["T1", "T2", None])),
            reporting_line=frozenset(draw(st.lists(st.sampled_from(ids[:2]), max_size=1))) - {person_id},
            avoid=frozenset(draw(st.lists(st.sampled_from(ids), max_size=3))) - {person_id},
        )
        for person_id in ids
    ]
    pairs = list(itertools.combinations(ids, 2))
    met = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True)) if pairs else []
    last_met = {pair: draw(st.integers(1, 9)) for pair in met}
    return people, History(last_met=last_met, current_round=10, window=draw(st.integers(1, 8)))


@settings(max_examples=100, deadline=None)
@given(instance=ruled_instances(), seed=st.integers(0, 1000))
def test_everyone_a_valid_grouping_can_place_is_placed(
    instance: tuple[list[Person], History], seed: int
) -> None:
    people, history = instance

    result = match(people, history=history, seed=seed)

    assert result.placed == best_by_brute_force(people, history).placed


@settings(max_examples=100, deadline=None)
@given(instance=ruled_instances(min_size=3), seed=st.integers(0, 1000))
def test_no_forced_repeat_is_more_recent_than_necessary(
    instance: tuple[list[Person], History], seed: int
) -> None:
    people, history = instance

    ours, best = match(people, history=history, seed=seed).rank(), best_by_brute_force(people, history).rank()

    # Same number placed, then the same repeats, counted from the most recent: the matcher never
    # repeats a pair from last round where one from longer ago would have done.
    assert ours[:2] == best[:2]


@settings(max_examples=60, deadline=None)
@given(instance=ruled_instances(min_size=2, max_size=7), seed=st.integers(0, 99))
def test_small_instances_reach_the_exact_optimum_of_the_whole_objective(
    instance: tuple[list[Person], History], seed: int
) -> None:
    people, history = instance

    assert match(people, history=history, seed=seed).rank() == best_by_brute_force(people, history).rank()


@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(instance=ruled_instances(min_size=2, max_size=60), seed=st.integers(0, 10**6))
def test_never_below_a_plain_greedy_matcher(instance: tuple[list[Person], History], seed: int) -> None:
    people, history = instance

    ours, floor = match(people, history=history, seed=seed), plain_greedy(people, history=history)
    assert ours.rank() >= floor.rank(), (ours, floor)


@pytest.mark.parametrize("size", [61, 150])
def test_never_below_a_plain_greedy_matcher_on_an_organisation(size: int) -> None:
    from benchmarks.pairing.population import organisation, year_of_history

    people = organisation(size, seed=size)
    history = year_of_history(people, rounds=30, seed=size)

    assert match(people, history=history, seed=1).rank() >= plain_greedy(people, history=history).rank()


def test_someone_nobody_may_meet_leaves_no_one_else_out_when_the_rest_are_odd() -> None:
    # "A" sorts first and may meet nobody; the five others make a pair and a group of three. The old
    # matcher built the group of three around "A", failed, and left a second person out.
    everyone = ["A", "B", "C", "D", "E", "F"]
    people = [Person("A", avoid=frozenset(everyone[1:])), *(Person(i) for i in everyone[1:])]

    result = match(people)

    assert sorted(len(g.members) for g in result.groups) == [2, 3]
    assert [person for person, _ in result.left_out] == ["A"]
    assert "don't pair me with" in result.left_out[0][1]


def test_a_manager_whose_id_sorts_first_is_placed_with_someone_outside_their_team() -> None:
    # A manager of four may meet only the one outsider; the team of four is odd with the outsider gone.
    reports = ["M1", "M2", "M3", "M4"]
    people = [
        Person("A-manager", team="red"),
        *(Person(r, team="red", reporting_line=frozenset({"A-manager"})) for r in reports),
        Person("Z-outsider", team="blue"),
    ]

    result = match(people)

    assert result.left_out == ()
    assert {"A-manager", "Z-outsider"} in [set(g.members) for g in result.groups]


def test_a_forced_repeat_is_the_least_recent_possible() -> None:
    # Four people who have all met: the pairing repeats the two pairs from six rounds ago, not from one.
    people = [Person(i) for i in "ABCD"]
    history = History(
        last_met={("A", "B"): 9, ("C", "D"): 9, ("A", "C"): 4, ("B", "D"): 4, ("A", "D"): 8, ("B", "C"): 8},
        current_round=10,
        window=6,
    )

    result = match(people, history=history)

    assert pairs_in(result) == {("A", "C"), ("B", "D")}
    assert [g.repeats for g in result.groups] == [(6,), (6,)]


def test_every_pair_in_a_group_of_three_counts() -> None:
    # Three people: the group's score is all three pairs' fit, and a repeat between any two is noted.
    people = [
        Person("A", seeks=frozenset({EMOTIONAL}), team="red"),
        Person("B", offers=frozenset({EMOTIONAL}), team="blue"),
        Person("C", offers=frozenset({EMOTIONAL}), team="green"),
    ]
    history = History(last_met={("B", "C"): 4}, current_round=5, window=6)

    (group,) = match(people, history=history).groups

    # A-B and A-C: one kind each, different teams, new; B-C: different teams, met a round ago.
    assert group.score == (10 + 15 + 20) * 2 + 15
    assert group.repeats == (1,)
    assert any("<@B> and <@C> met 1 round(s) ago" in note for note in group.notes)


def test_an_even_instance_is_within_half_a_percent_of_networkx_exact_matching() -> None:
    nx = pytest.importorskip("networkx")
    from benchmarks.pairing.population import organisation, year_of_history
    from slackapp.pairing.matching import _Matcher

    people = organisation(120, seed=5)
    history = year_of_history(people, rounds=10, seed=5)
    matcher = _Matcher(people, history, True, 0, 10)
    graph = nx.Graph()
    for i, j in itertools.combinations(range(len(people)), 2):
        if (w := matcher.link(i, j)) is not None:
            graph.add_edge(i, j, weight=w)
    optimum = score_groups(
        people,
        [
            (people_by_index.id, matcher.people[j].id)
            for i, j in nx.max_weight_matching(graph, maxcardinality=True)
            for people_by_index in [matcher.people[i]]
        ],
        history=history,
    )

    ours = match(people, history=history, seed=5)

    assert ours.rank()[:3] == optimum.rank()[:3]
    assert ours.total_score >= 0.995 * optimum.total_score


def test_an_odd_instance_above_the_exact_matchings_size_is_within_half_a_percent_of_the_optimum() -> None:
    # Above 400 people the pairs come from local search, not an exact matching; the group of three must
    # still be a close-knit one (built around the pairs alone it cost 0.6% at 401 people). The linear
    # relaxation of the optimum with one group of three is an upper bound on it, found in seconds.
    pytest.importorskip("scipy")
    from benchmarks.pairing.exact_odd import relaxation_bound
    from benchmarks.pairing.population import organisation, year_of_history

    people = organisation(401, seed=17)
    history = year_of_history(people, rounds=20, seed=17)

    ours = match(people, history=history, seed=17)
    bound = relaxation_bound(people, history=history)

    assert ours.placed == len(people)
    assert not any(group.repeats or group.trio_again for group in ours.groups)
    assert bound is not None
    assert ours.total_score >= 0.995 * bound
