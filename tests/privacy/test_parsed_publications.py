"""Publications kept parsed per process (the gate's reader for many teams side by side): the same cells as
reading them afresh, never a stale or foreign one, the scope still checked on every request, and bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from dashboards import queries
from slackapp.database import SessionFactory
from slackapp.privacy.gate import PARSED, OutOfScope, ParsedPublications
from slackapp.privacy.models import Publication
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind
from tests.factories import HR_ADMIN, WORKSPACE, scores
from tests.org_factories import OrgBuilder

# More teams than the gate reads one by one, so HR's pages take the whole-publication path.
MANY = 52
HEAD = "UHEADBIG"


def team(n: int) -> UnitKey:
    return UnitKey(UnitKind.TEAM, f"C0T{n:03d}")


@pytest.fixture
def big(session_factory: SessionFactory) -> Iterator[OrgBuilder]:
    """Two departments: Big (every team but the last, headed by HEAD) and Small (the last). Week 0:
    every team answers; week 1: every third team has 3 answers (hidden), the others move their well-being."""
    PARSED.clear()
    org = OrgBuilder(session_factory)
    org.department("Big")
    org.department("Small")
    for n in range(MANY):
        org.team(team(n).id, f"Team {n:03d}", "Big" if n < MANY - 1 else "Small")
    org.manager(HEAD, departments=["Big"])
    org.week(0, {team(n).id: 5 for n in range(MANY)})
    org.week(
        1,
        {team(n).id: 3 if n % 3 == 0 else [scores(wellbeing=1 + n % 5)] * (5 + n % 4) for n in range(MANY)},
    )
    yield org
    PARSED.clear()


def fresh_pairs(org: OrgBuilder, units: list[UnitKey]) -> dict[UnitKey, tuple[object, object]]:
    """Each unit's latest and previous cell, read one unit at a time (no kept copy involved)."""
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        found = {}
        for unit in units:
            *earlier, last = gate.series(unit, last=2)
            found[unit] = (last, earlier[0] if earlier else None)
        return found


def test_many_teams_read_from_kept_publications_give_the_cells_read_afresh(big: OrgBuilder) -> None:
    teams = [team(n) for n in range(MANY)]
    with big.gate(HR_ADMIN, admin=True) as gate:
        cold = gate.compare_with_previous(teams)
    assert len(PARSED) == 2  # the latest and the previous publication, kept
    with big.gate(HR_ADMIN, admin=True, publish=False) as gate:
        warm = gate.compare_with_previous(teams)
        latest_only = gate.compare(teams, questions=("wellbeing", *queries.SUPPORT_KINDS))
        # A narrower question list gives what reading afresh with it gives, notes in the same order.
        narrow = [gate.series(u, questions=("wellbeing", *queries.SUPPORT_KINDS), last=1)[0] for u in teams]
    expected = fresh_pairs(big, teams)
    assert [(latest.unit, latest, before) for latest, before in cold] == [
        (unit, *expected[unit]) for unit in teams
    ]
    assert warm == cold and latest_only == narrow
    hidden = [latest for latest, _ in warm if latest.unit.id.endswith(("000", "003", "048"))]
    assert [c.respondents for c in hidden] == [None, None, None] and all(c.reason for c in hidden)
    assert all(not c.questions for c in hidden)

    # A new publication (two teams answer again) is read, not an old copy; the others keep their week.
    big.week(2, {team(n).id: [scores(wellbeing=5)] * 7 for n in (1, 2)})
    with big.gate(HR_ADMIN, admin=True) as gate:
        after = {latest.unit: (latest, before) for latest, before in gate.compare_with_previous(teams)}
    assert after == fresh_pairs(big, teams)
    assert [after[team(n)][0].respondents for n in (1, 2)] == [7, 7]
    assert after[team(1)][1] == expected[team(1)][0]  # the week before is the previous latest
    assert after[team(5)] == expected[team(5)]


def test_the_scope_is_checked_on_every_request_and_kept_copies_are_bounded_per_workspace(
    big: OrgBuilder, session_factory: SessionFactory
) -> None:
    everything = [team(n) for n in range(MANY)]
    with big.gate(HR_ADMIN, admin=True) as gate:
        gate.compare_with_previous(everything)  # HR's page keeps both publications
    assert len(PARSED) == 2
    with big.gate(HEAD, publish=False) as gate:
        with pytest.raises(OutOfScope):
            gate.compare_with_previous(everything)  # the last team is in "Small", not theirs
        with pytest.raises(OutOfScope):
            gate.compare([ORG, *everything[:-1]])
        mine = gate.compare_with_previous(everything[:-1])
        data = queries.compare(gate, None)
    assert [latest.unit for latest, _ in mine] == everything[:-1]
    assert len(data.rows) == MANY - 1 and "Team 051" not in {row.name for row in data.rows}

    kept = ParsedPublications(kept=1)
    with session_factory() as session:
        ids = session.scalars(select(Publication.id).order_by(Publication.period)).all()
        first = kept.cells(session, WORKSPACE, ids[0])
        assert kept.cells(session, WORKSPACE, ids[0]) is first  # kept
        kept.cells(session, WORKSPACE, ids[1])
        assert len(kept) == 1
        assert kept.cells(session, WORKSPACE, ids[0]) is not first  # dropped, so read again
        # Another workspace naming this publication's id gets nothing of it.
        assert kept.cells(session, "TOTHER", ids[0]) == {}
        assert kept.cells(session, WORKSPACE, ids[0]) == first
