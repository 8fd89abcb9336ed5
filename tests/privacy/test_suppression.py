"""The suppression rule on its own: small groups hidden, and no arithmetic on what is shown recovers them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from slackapp.privacy.suppression import (
    ORG,
    UnitKey,
    UnitKind,
    build_tree,
    publishable,
    publishable_questions,
)
from tests.privacy.attacker import recoverable, smallest_recoverable_groups

K = 5


def team(channel: str) -> UnitKey:
    return UnitKey(UnitKind.TEAM, channel)


def department(name: str) -> UnitKey:
    return UnitKey(UnitKind.DEPARTMENT, name)


def published_sets(tree_departments: dict[str, str | None], published: frozenset[UnitKey]) -> list[list[str]]:
    tree = build_tree(tree_departments)
    return [[t.id for t in tree.teams_under(node)] for node in published]


def test_a_team_with_fewer_than_five_answers_is_hidden() -> None:
    tree = build_tree({"A": None, "B": None})
    published = publishable(tree, {"A": 4, "B": 9}, K)
    assert team("A") not in published


def test_department_minus_its_other_teams_does_not_reveal_a_small_team() -> None:
    departments = {"A": "eng", "B": "eng", "C": "eng", "D": "ops", "E": "ops"}
    respondents = {"A": 8, "B": 7, "C": 3, "D": 9, "E": 11}
    published = publishable(build_tree(departments), respondents, K)

    assert department("eng") in published
    assert team("C") not in published
    # The complement: the smallest other team is hidden too, so eng - A leaves B and C together.
    assert team("B") not in published
    cells = published_sets(departments, published)
    assert not recoverable(cells, ["C"], sorted(respondents))
    assert not recoverable(cells, ["B"], sorted(respondents))
    assert recoverable(cells, ["B", "C"], sorted(respondents))  # 10 people together: big enough


def test_organisation_minus_a_department_does_not_reveal_a_small_department() -> None:
    departments = {"A": "eng", "B": "eng", "C": "tiny", "D": "ops", "E": "ops"}
    respondents = {"A": 8, "B": 7, "C": 3, "D": 9, "E": 11}
    published = publishable(build_tree(departments), respondents, K)

    assert ORG in published
    assert department("tiny") not in published
    cells = published_sets(departments, published)
    assert not recoverable(cells, ["C"], sorted(respondents))
    groups = smallest_recoverable_groups(cells, respondents)
    assert all(sum(respondents[t] for t in g) >= K for g in groups)


def test_a_team_where_nobody_answered_cannot_be_worked_out() -> None:
    departments = {"A": "eng", "B": "eng", "C": "eng"}
    respondents = {"A": 8, "B": 7, "C": 0}
    published = publishable(build_tree(departments), respondents, K)
    cells = published_sets(departments, published)
    assert not recoverable(cells, ["C"], sorted(respondents))


def test_a_department_of_one_team_hides_with_its_team() -> None:
    departments = {"A": "eng", "B": "ops", "C": "ops"}
    respondents = {"A": 4, "B": 7, "C": 9}
    published = publishable(build_tree(departments), respondents, K)
    assert department("eng") not in published
    assert not recoverable(published_sets(departments, published), ["A"], sorted(respondents))


def test_nothing_is_published_when_the_whole_organisation_is_small() -> None:
    published = publishable(build_tree({"A": None, "B": None}), {"A": 2, "B": 2}, K)
    assert published == frozenset()


def test_a_question_only_some_teams_asked_gets_its_own_suppression() -> None:
    departments = {"A": "eng", "B": "eng", "C": "eng"}
    tree = build_tree(departments)
    everyone = publishable(tree, {"A": 8, "B": 7, "C": 6}, K)
    assert everyone == {ORG, department("eng"), team("A"), team("B"), team("C")}
    # Only A and C asked about stress, and C's 3 stress answers would be eng minus A.
    stress = publishable(tree, {"A": 8, "C": 3}, K, start=everyone)
    assert team("C") not in stress
    cells = [[t.id for t in tree.teams_under(n) if t.id in ("A", "C")] for n in stress]
    assert not recoverable(cells, ["C"], ["A", "C"])


sizes = st.integers(min_value=0, max_value=14)


@st.composite
def organisations(draw: st.DrawFn) -> tuple[dict[str, str | None], dict[str, int]]:
    count = draw(st.integers(min_value=1, max_value=9))
    departments = {f"T{i}": draw(st.sampled_from([None, "d1", "d2", "d3"])) for i in range(count)}
    respondents = {t: draw(sizes) for t in departments}
    return departments, respondents


@settings(max_examples=150, deadline=None)
@given(organisations())
def test_no_differencing_attack_recovers_a_group_smaller_than_five(
    organisation: tuple[dict[str, str | None], dict[str, int]],
) -> None:
    departments, respondents = organisation
    published = publishable(build_tree(departments), respondents, K)
    cells = published_sets(departments, published)
    for group in smallest_recoverable_groups(cells, respondents, limit=3):
        assert sum(respondents[t] for t in group) >= K, (group, published)


def all_published_sets(
    departments: dict[str, str | None],
    respondents: dict[str, int],
    asked: dict[str, frozenset[str]],
    questions: tuple[str, ...],
) -> list[list[str]]:
    """Every number one publication shows, as the set of teams it adds up: each shown node's answers,
    and each shown question's count at each node (over the node's teams that asked it)."""
    tree = build_tree(departments)
    published = publishable(tree, respondents, K)
    by_question = publishable_questions(tree, published, respondents, asked, questions, K)
    cells = [[t.id for t in tree.teams_under(node)] for node in published]
    for question, nodes in by_question.items():
        cells += [[t.id for t in tree.teams_under(n) if question in asked[t.id]] for n in nodes]
    return cells


def test_three_questions_asked_by_different_pairs_of_teams_cannot_pin_a_team() -> None:
    """a+b, a+c and b+c are each 6, above the minimum, but together they give each 3-person team."""
    departments: dict[str, str | None] = {"A": "eng", "B": "eng", "C": "eng"}
    respondents = {"A": 3, "B": 3, "C": 3}
    asked = {"A": frozenset({"q1", "q2"}), "B": frozenset({"q1", "q3"}), "C": frozenset({"q2", "q3"})}
    cells = all_published_sets(departments, respondents, asked, ("q1", "q2", "q3"))
    assert ["A", "B", "C"] in cells  # the department's answers are shown
    for single in ("A", "B", "C"):
        assert not recoverable(cells, [single], ["A", "B", "C"])


@st.composite
def organisations_with_questions(
    draw: st.DrawFn,
) -> tuple[dict[str, str | None], dict[str, int], dict[str, frozenset[str]]]:
    departments, respondents = draw(organisations())
    asked = {
        t: frozenset(draw(st.sets(st.sampled_from(["q1", "q2", "q3"]), min_size=1))) for t in departments
    }
    return departments, respondents, asked


@settings(max_examples=150, deadline=None)
@given(organisations_with_questions())
def test_no_arithmetic_across_answers_and_questions_recovers_a_group_smaller_than_five(
    organisation: tuple[dict[str, str | None], dict[str, int], dict[str, frozenset[str]]],
) -> None:
    departments, respondents, asked = organisation
    cells = all_published_sets(departments, respondents, asked, ("q1", "q2", "q3"))
    for group in smallest_recoverable_groups(cells, respondents, limit=3):
        assert sum(respondents[t] for t in group) >= K, (group, cells)
