"""Colleagues inside the team: a leader and the people who tell the leader how they answered.

The threat model gives the curious leader "a few colleagues willing to collude". The stooge attacks
(tests/privacy/test_attacks.py) bring them in from outside the team; here they are the team itself. A
team of five that all answer is shown (five is the minimum), exactly: its histograms on the Questions
page. Four who tell their answers leave the fifth's, to the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.dashboards.conftest import Dashboard
from tests.privacy.surfaces import Seen, Surfaces, Viewer
from tests.privacy.test_attacks import cell, varied
from tests.privacy.world import QUESTIONS, World, same

TEAM = "C0FIVE"
LEAD = Viewer("U0FIVELEAD")
TOLD = 3  # what each colluder says they answered, to every question


def insider_attack(seen: Sequence[Seen], world: World, colluders: int) -> dict[str, int] | None:
    """The team's shown histogram minus the colluders' own answers: what is left, when it is one person."""
    found: dict[str, int] = {}
    for key in QUESTIONS:
        shown = cell(seen, f"team:{TEAM}", world.period, key, viewer=LEAD.user_id)
        if shown is None or shown.counts is None:
            return None
        left = list(shown.counts)
        left[TOLD - 1] -= colluders
        if sum(left) != 1:
            return None
        found[key] = left.index(1) + 1
    return found


@pytest.mark.xfail(
    strict=True,
    reason="known limit (docs/anonymity.md, The honest limits): a shown group's exact histograms minus the "
    "answers of members who tell theirs leave the others'; only noise (or counting colluders out) would "
    "stop it",
)
def test_four_colleagues_who_tell_their_answers_learn_nothing_of_the_fifths(
    world: World, dashboard: Dashboard
) -> None:
    world.department("Finance")
    world.team(TEAM, "Five", "Finance", 5)
    world.team("C0BIG", "Big", "Finance", 12)
    world.manager(LEAD.user_id, teams=[TEAM])
    surfaces = Surfaces(dashboard, world, [LEAD])
    target = varied(1, 42)[0]
    world.week({TEAM: [*same(4, **dict.fromkeys(QUESTIONS, TOLD)), target], "C0BIG": varied(12, 7)})
    world.end_week()
    seen = surfaces.collect()
    assert insider_attack(seen, world, colluders=4) is None, f"the fifth answered {target}"
