"""History stays true: a closed week keeps the org structure its rounds were closed in.

The attack these tests play: a small team S (hidden on its own) sits in a department; its manager
writes down the department's weekly totals; HR moves S elsewhere (or deletes the department, or takes
S out of every department). If the past totals were worked out again with today's structure, old minus
new would be S's answers for every past week. Here every number published before and after the change
goes to the attacker (tests/privacy/attacker.py), and no group smaller than the minimum comes out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

import pytest

from slackapp.database import SessionFactory
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind, build_tree, publishable
from tests.factories import HR_ADMIN, scores
from tests.org_factories import OrgBuilder, week
from tests.privacy.attacker import recoverable, smallest_recoverable_groups

K = 5
MANAGER_ENG = "U0MANAGERENG"
MANAGER_OPS = "U0MANAGEROPS"
SIZES = {"C0A": 9, "C0B": 12, "C0S": 3, "C0D": 8, "C0E": 10}
PAST_WEEKS = range(3)

Seen = dict[tuple[UnitKey, date], int | None]  # (unit, week) -> respondents, None when hidden
History = Callable[[date], Mapping[str, str | None]]  # week -> each team's department id that week


def team(channel: str) -> UnitKey:
    return UnitKey(UnitKind.TEAM, channel)


def department(department_id: object) -> UnitKey:
    return UnitKey(UnitKind.DEPARTMENT, str(department_id))


@pytest.fixture
def org(session_factory: SessionFactory) -> OrgBuilder:
    """Engineering: A (9), B (12) and the small team S (3); Operations: D (8), E (10). Weeks 0-2 closed."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.department("Operations")
    for channel in ("C0A", "C0B", "C0S"):
        builder.team(channel, department="Engineering")
    for channel in ("C0D", "C0E"):
        builder.team(channel, department="Operations")
    builder.manager(MANAGER_ENG, departments=["Engineering"])
    builder.manager(MANAGER_OPS, departments=["Operations"])
    for n in PAST_WEEKS:
        builder.week(n, SIZES)
    return builder


def everything_shown(org: OrgBuilder) -> Seen:
    """Every cell HR and both department managers can see; one publication, whoever looks."""
    seen: Seen = {}
    for user, admin in ((HR_ADMIN, True), (MANAGER_ENG, False), (MANAGER_OPS, False)):
        with org.gate(user, admin=admin) as gate:
            for unit in gate.units():
                for cell in gate.series(unit):
                    key = (unit, cell.period)
                    assert seen.setdefault(key, cell.respondents) == cell.respondents, key
    return seen


def members(unit: UnitKey, departments: Mapping[str, str | None]) -> list[str]:
    if unit.kind is UnitKind.ORG:
        return sorted(departments)
    if unit.kind is UnitKind.TEAM:
        return [unit.id]
    return sorted(channel for channel, d in departments.items() if d == unit.id)


def cells_of(observations: Iterable[Seen], history: History, period: date) -> list[list[str]]:
    """The teams truly inside each published cell of one week, checked against the published number."""
    cells: list[list[str]] = []
    for seen in observations:
        for (unit, when), respondents in seen.items():
            if when != period or respondents is None:
                continue
            teams = members(unit, history(when))
            assert respondents == sum(SIZES[t] for t in teams), (unit, when)
            cells.append(teams)
    return cells


def assert_no_small_group_recoverable(observations: list[Seen], history: History) -> None:
    """Differencing everything published, before and after, never isolates fewer than K people."""
    weeks = {when for seen in observations for (_unit, when) in seen}
    for period in sorted(weeks):
        cells = cells_of(observations, history, period)
        teams = sorted(history(period))
        assert not recoverable(cells, ["C0S"], teams), period
        for group in smallest_recoverable_groups(cells, {t: SIZES[t] for t in teams}):
            assert sum(SIZES[t] for t in group) >= K, (period, group)


def departments_when(org: OrgBuilder, s_before: str, s_after: str | None, moved_in: int) -> History:
    ids = {name: str(i) for name, i in org.departments.items()}

    def history(period: date) -> Mapping[str, str | None]:
        s_in = s_before if period < week(moved_in).date() else s_after
        return {
            "C0A": ids["Engineering"],
            "C0B": ids["Engineering"],
            "C0S": ids[s_in] if s_in else None,
            "C0D": ids["Operations"],
            "C0E": ids["Operations"],
        }

    return history


@pytest.mark.parametrize("destination", ["Operations", None], ids=["to another department", "to none"])
def test_moving_a_small_team_lets_nothing_be_worked_out_from_old_and_new_totals(
    org: OrgBuilder, destination: str | None
) -> None:
    engineering = department(org.departments["Engineering"])
    before = everything_shown(org)
    # What Engineering's manager writes down: S is inside each week's total, and hidden on its own.
    assert [before[(engineering, week(n).date())] for n in PAST_WEEKS] == [24, 24, 24]
    assert all(before[(team("C0S"), week(n).date())] is None for n in PAST_WEEKS)

    org.move("C0S", destination)
    after_move = everything_shown(org)
    org.week(3, SIZES)
    org.week(4, SIZES)
    later = everything_shown(org)

    # Old minus new is nothing: every cell published before is published again with the same number.
    for key, respondents in before.items():
        assert after_move[key] == respondents and later[key] == respondents, key
    assert [later[(engineering, week(n).date())] for n in (3, 4)] == [21, 21]  # S counts elsewhere now
    assert_no_small_group_recoverable(
        [before, after_move, later], departments_when(org, "Engineering", destination, moved_in=3)
    )


def test_the_attack_would_work_if_past_weeks_followed_todays_structure(org: OrgBuilder) -> None:
    """The attacker is not toothless: week 0 worked out again with S in Operations gives S away."""
    before = everything_shown(org)
    ids = {name: str(i) for name, i in org.departments.items()}
    today = {"C0A": ids["Engineering"], "C0B": ids["Engineering"], "C0S": ids["Operations"]}
    today |= {"C0D": ids["Operations"], "C0E": ids["Operations"]}
    tree = build_tree(today)
    recomputed = [[t.id for t in tree.teams_under(node)] for node in publishable(tree, SIZES, K)]
    history = departments_when(org, "Engineering", None, moved_in=3)
    then = cells_of([before], history, week(0).date())
    assert not recoverable(then, ["C0S"], sorted(SIZES))
    assert recoverable(then + recomputed, ["C0S"], sorted(SIZES))


def test_a_move_changes_only_rounds_that_close_after_it(org: OrgBuilder) -> None:
    engineering = department(org.departments["Engineering"])
    operations = department(org.departments["Operations"])
    # Week 3's rounds open with S in Engineering; HR moves S before they close.
    rounds = {channel: org.open_round(channel, week(3)) for channel in SIZES}
    for channel, round_id in rounds.items():
        org.answer(round_id, [scores()] * SIZES[channel], week(3))
    org.move("C0S", "Operations")
    for round_id in rounds.values():
        org.close(round_id, week(3))

    with org.gate(HR_ADMIN, admin=True) as gate:
        assert [c.respondents for c in gate.series(engineering)] == [24, 24, 24, 21]
        assert [c.respondents for c in gate.series(operations)] == [18, 18, 18, 21]
    # Scope follows today's structure: S is Operations' team now, its history with it (all hidden).
    with org.gate(MANAGER_OPS) as gate:
        assert team("C0S") in gate.units()
        assert [c.hidden for c in gate.series(team("C0S"))] == [True] * 4
    with org.gate(MANAGER_ENG) as gate:
        assert team("C0S") not in gate.units()


def test_the_landscape_sets_a_moved_team_beside_the_department_it_was_counted_in(org: OrgBuilder) -> None:
    org.move("C0B", "Operations")
    with org.gate(HR_ADMIN, admin=True) as gate:
        mine, benchmark, whole = gate.landscape(team("C0B"))
    assert mine.respondents == 12 and mine.period == week(2).date()
    assert benchmark.unit == department(org.departments["Engineering"]) and benchmark.respondents == 24
    assert whole.unit == ORG and whole.respondents == 42


def test_a_deleted_department_keeps_its_past_weeks_for_hr_only(org: OrgBuilder) -> None:
    before = everything_shown(org)
    history = departments_when(org, "Engineering", None, moved_in=3)
    engineering_id = org.delete_department("Engineering")
    engineering = department(engineering_id)
    after = everything_shown(org)
    for key, respondents in before.items():
        assert after[key] == respondents, key
    with org.gate(HR_ADMIN, admin=True) as gate:
        assert engineering in gate.units()
        assert gate.name(engineering) == "Engineering (deleted)"
        assert not gate.is_current(engineering)
    with org.gate(MANAGER_ENG) as gate:
        assert gate.units() == []  # the assignment went with the department

    org.week(3, SIZES)
    later = everything_shown(org)
    assert [later[(engineering, week(n).date())] for n in PAST_WEEKS] == [24, 24, 24]
    assert (engineering, week(3).date()) not in later  # A, B and S have no department now
    # Engineering's ids are still what the attacker's history needs for the past weeks.
    ids = {"Engineering": str(engineering_id), "Operations": str(org.departments["Operations"])}

    def truth(period: date) -> Mapping[str, str | None]:
        if period < week(3).date():
            return history(period)
        return {"C0A": None, "C0B": None, "C0S": None, "C0D": ids["Operations"], "C0E": ids["Operations"]}

    assert_no_small_group_recoverable([before, after, later], truth)


def test_a_renamed_department_shows_its_past_under_the_new_name(org: OrgBuilder) -> None:
    engineering = department(org.departments["Engineering"])
    org.rename_department("Engineering", "Platform")
    with org.gate(HR_ADMIN, admin=True) as gate:
        cells = gate.series(engineering)
    assert {c.name for c in cells} == {"Platform"}
    assert [c.respondents for c in cells] == [24, 24, 24]


def test_a_team_joining_a_department_does_not_join_its_past_weeks(org: OrgBuilder) -> None:
    org.team("C0N")  # no department while its first rounds close
    for n in (5, 6):
        org.week(n, {**SIZES, "C0N": 6})
    org.move("C0N", "Engineering")
    org.week(7, {**SIZES, "C0N": 6})
    engineering = department(org.departments["Engineering"])
    with org.gate(HR_ADMIN, admin=True) as gate:
        cells = gate.series(engineering)
    assert [(c.period, c.respondents) for c in cells[-3:]] == [
        (week(5).date(), 24),
        (week(6).date(), 24),
        (week(7).date(), 30),
    ]
