"""The privacy gate over real closed rounds: who sees what, and the differencing attacks, played."""

from __future__ import annotations

import pytest

from slackapp.checkins.questions import QuestionKey
from slackapp.database import SessionFactory
from slackapp.privacy.gate import OutOfScope, PrivacyRules
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind
from tests.factories import HR_ADMIN, scores
from tests.org_factories import OrgBuilder, week

MANAGER_A = "U0MANAGERA"
MANAGER_ENG = "U0MANAGERENG"
SOMEONE = "U0SOMEONE"


def team(channel: str) -> UnitKey:
    return UnitKey(UnitKind.TEAM, channel)


@pytest.fixture
def org(session_factory: SessionFactory) -> OrgBuilder:
    """Engineering (A: 8, B: 7, C: 3 answers) and Operations (D: 9, E: 11), one week of results."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.department("Operations")
    for channel in "ABC":
        builder.team(f"C0{channel}", f"Team {channel}", "Engineering")
    for channel in "DE":
        builder.team(f"C0{channel}", f"Team {channel}", "Operations")
    builder.manager(MANAGER_A, teams=["C0A"])
    builder.manager(MANAGER_ENG, departments=["Engineering"])
    builder.week(0, {"C0A": 8, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    return builder


def department(org: OrgBuilder, name: str) -> UnitKey:
    return UnitKey(UnitKind.DEPARTMENT, str(org.departments[name]))


def test_hr_sees_the_whole_organisation(org: OrgBuilder) -> None:
    with org.gate(HR_ADMIN, admin=True) as gate:
        units = gate.units()
        assert ORG in units
        assert {u.id for u in units if u.kind is UnitKind.TEAM} == {"C0A", "C0B", "C0C", "C0D", "C0E"}
        [cell] = gate.series(ORG)
    assert cell.respondents == 38
    assert cell.questions["wellbeing"].counts == (0, 0, 0, 38, 0)


def test_manager_sees_only_their_team(org: OrgBuilder) -> None:
    with org.gate(MANAGER_A) as gate:
        assert gate.units() == [team("C0A")]
        [cell] = gate.series(team("C0A"))
        assert cell.respondents == 8


def test_manager_cannot_see_other_team(org: OrgBuilder) -> None:
    with org.gate(MANAGER_A) as gate:
        for unit in (team("C0D"), team("C0C"), ORG, department(org, "Operations")):
            with pytest.raises(OutOfScope):
                gate.series(unit)
        with pytest.raises(OutOfScope):
            gate.compare([team("C0A"), team("C0B")])


def test_department_manager_sees_the_department_and_its_teams(org: OrgBuilder) -> None:
    with org.gate(MANAGER_ENG) as gate:
        units = gate.units()
    assert units == [department(org, "Engineering"), team("C0A"), team("C0B"), team("C0C")]


def test_someone_without_an_assignment_sees_nothing(org: OrgBuilder) -> None:
    with org.gate(SOMEONE) as gate:
        assert gate.units() == []
        with pytest.raises(OutOfScope):
            gate.series(team("C0A"))


def test_small_team_is_hidden_not_zero(org: OrgBuilder) -> None:
    with org.gate(HR_ADMIN, admin=True) as gate:
        [cell] = gate.series(team("C0C"))
        assert cell.hidden and cell.respondents is None and cell.questions == {}
        assert gate.rules.hidden_reason == (
            "hidden to protect anonymity: fewer than 5 answers, or showing it would let a smaller "
            "group's answers be worked out"
        )


def test_department_minus_other_teams_does_not_reveal_the_small_team(org: OrgBuilder) -> None:
    with org.gate(HR_ADMIN, admin=True) as gate:
        engineering = gate.series(department(org, "Engineering"))[0]
        shown = [c for c in gate.compare([team("C0A"), team("C0B")]) if not c.hidden]
    assert engineering.respondents == 18
    # The attack: Engineering minus every Engineering team that is shown.
    remainder = engineering.respondents - sum(c.respondents or 0 for c in shown)
    assert remainder != 3, "team C's count fell out of the subtraction"
    assert remainder >= 5


def test_organisation_minus_a_department_does_not_reveal_a_small_department(
    session_factory: SessionFactory,
) -> None:
    builder = OrgBuilder(session_factory)
    for name in ("Engineering", "Tiny", "Operations"):
        builder.department(name)
    builder.team("C0A", department="Engineering")
    builder.team("C0T", department="Tiny")
    builder.team("C0D", department="Operations")
    builder.team("C0E", department="Operations")
    builder.week(0, {"C0A": 12, "C0T": 3, "C0D": 6, "C0E": 9})
    with builder.gate(HR_ADMIN, admin=True) as gate:
        org_total = gate.series(ORG)[0].respondents
        departments = [gate.series(department(builder, n))[0] for n in ("Engineering", "Operations")]
        teams = [gate.series(team(c))[0] for c in ("C0A", "C0D", "C0E")]
    assert org_total == 30
    visible = [c.respondents for c in departments + teams if c.respondents is not None]
    # Every way of taking shown cells away from the total leaves more than the tiny department.
    from itertools import combinations

    for size in range(1, len(visible) + 1):
        for chosen in combinations(visible, size):
            rest = org_total - sum(chosen)
            assert rest != 3


def test_two_managers_pooling_their_views_learn_nothing_hidden(org: OrgBuilder) -> None:
    with org.gate(MANAGER_A) as gate:
        seen_by_a = {c.unit: c.respondents for c in gate.series(team("C0A"))}
    with org.gate(MANAGER_ENG) as gate:
        seen_by_eng = {c.unit: c.respondents for u in gate.units() for c in gate.series(u)}
    pooled = {**seen_by_eng, **seen_by_a}
    engineering = pooled[department(org, "Engineering")]
    teams = [v for u, v in pooled.items() if u.kind is UnitKind.TEAM and v is not None]
    assert engineering is not None
    assert engineering - sum(teams) >= 5


def test_a_week_with_a_round_still_open_is_not_shown(org: OrgBuilder) -> None:
    org.week(1, {"C0A": 8, "C0B": 7, "C0D": 9, "C0E": 11})
    late = org.open_round("C0C", week(1))
    org.answer(late, [scores()] * 3, week(1))
    with org.gate(HR_ADMIN, admin=True) as gate:
        weeks = [c.period for c in gate.series(ORG)]
    assert weeks == [week(0).date()], "week 1 must wait for team C's round"
    org.close(late, week(1))
    with org.gate(HR_ADMIN, admin=True) as gate:
        cells = gate.series(ORG)
    assert [c.period for c in cells] == [week(0).date(), week(1).date()]
    # This week's total never appears without team C, so week 1 minus "week 1 before C closed" is
    # not a number anyone was shown.
    assert cells[1].respondents == 38


def test_this_weeks_participation_minus_last_weeks_reveals_nothing(org: OrgBuilder) -> None:
    # Team C grows from 3 to 4 answers; everyone else is the same.
    org.week(1, {"C0A": 8, "C0B": 7, "C0C": 4, "C0D": 9, "C0E": 11})
    with org.gate(HR_ADMIN, admin=True) as gate:
        org_cells = gate.series(ORG)
        c_cells = gate.series(team("C0C"))
    assert [c.hidden for c in c_cells] == [True, True]
    assert org_cells[1].respondents - org_cells[0].respondents == 1  # a change of one, in 39 people
    assert all(not q for c in c_cells for q in (c.questions,))


def test_comments_only_for_groups_of_ten_or_more(session_factory: SessionFactory) -> None:
    builder = OrgBuilder(session_factory)
    builder.team("C0BIG")
    builder.team("C0MID")
    builder.week(0, {"C0BIG": 10, "C0MID": 6}, comment="More focus time please")
    with builder.gate(HR_ADMIN, admin=True) as gate:
        assert gate.comments(team("C0BIG"), week(0).date()) == ["More focus time please"] * 10
        assert gate.comments(team("C0MID"), week(0).date()) is None


def test_a_higher_minimum_group_size_hides_more(org: OrgBuilder) -> None:
    with org.gate(HR_ADMIN, admin=True, rules=PrivacyRules(10, 10)) as gate:
        assert gate.series(team("C0A"))[0].hidden
        assert gate.series(team("C0D"))[0].hidden  # 9 answers
        # Team E (11) is big enough, but shown beside Operations (20) it would give away team D.
        assert gate.series(team("C0E"))[0].hidden
        assert gate.series(department(org, "Operations"))[0].respondents == 20


def test_participation_rate_uses_the_invited_count(session_factory: SessionFactory) -> None:
    builder = OrgBuilder(session_factory)
    builder.team("C0A")
    builder.week(0, {"C0A": 6}, invited={"C0A": 12})
    with builder.gate(HR_ADMIN, admin=True) as gate:
        [cell] = gate.series(team("C0A"))
    assert cell.invited == 12 and cell.participation == 0.5


def test_a_question_one_team_did_not_ask_is_absent_for_that_team_only(
    session_factory: SessionFactory,
) -> None:
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.team("C0A", department="Engineering")
    no_stress = tuple(k for k in QuestionKey if k is not QuestionKey.STRESS)
    builder.team("C0B", department="Engineering", questions=no_stress)
    builder.week(0, {"C0A": 8, "C0B": 7})
    with builder.gate(HR_ADMIN, admin=True) as gate:
        [b] = gate.series(team("C0B"))
        [engineering] = gate.series(department(builder, "Engineering"))
    assert b.respondents == 7 and "wellbeing" in b.questions
    # Not asked is not hidden: there is nothing to show and nothing to explain.
    assert "stress" not in b.questions and "stress" not in b.hidden_questions
    assert engineering.questions["wellbeing"].respondents == 15
    assert engineering.questions["stress"].respondents == 8  # only team A was asked


def test_past_weeks_stay_the_same_when_a_new_week_closes(org: OrgBuilder) -> None:
    with org.gate(HR_ADMIN, admin=True) as gate:
        before = gate.series(department(org, "Engineering"))
    org.week(1, {"C0A": 9, "C0B": 7, "C0C": 3, "C0D": 9, "C0E": 11})
    with org.gate(HR_ADMIN, admin=True) as gate:
        after = gate.series(department(org, "Engineering"))
    assert after[0] == before[0]
    assert after[1].respondents == 19
