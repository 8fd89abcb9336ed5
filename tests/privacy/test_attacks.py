"""The named attacks, each replayed as a curious leader would: the dashboard, the channels, arithmetic.

Every attack reads only what `tests/privacy/surfaces.py` collected from the surfaces (the dashboard's
CSV exports for a signed-in viewer and the results posts in the channels), after a workspace lived
through the real code paths (`tests/privacy/world.py`). Each has two tests: against Kindred, where it
must recover nothing, and against a deliberately weakened copy, where it must recover the hidden
answers exactly - so the attack is known to have teeth.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

import pytest

from tests.dashboards.conftest import Dashboard
from tests.factories import HR_ADMIN
from tests.privacy.surfaces import CHANNEL_POST, PARTICIPATION, Seen, Surfaces, Viewer, check_against_truth
from tests.privacy.world import QUESTIONS, RoundTruth, World, same, scores

K = 5
PUBLISH_ONCE = pytest.mark.xfail(strict=True, reason="publish-once not merged")
ONLY_INVITED = pytest.mark.xfail(strict=True, reason="only-the-invited-answer not merged")

HR = Viewer(HR_ADMIN, admin=True)
ENG_HEAD = Viewer("U0ENGHEAD")
OPS_HEAD = Viewer("U0OPSHEAD")
MOBILE_LEAD = Viewer("U0MOBILELEAD")
SPLIT_LEAD = Viewer("U0SPLITLEAD")  # manages Data Platform and Sales: a scope across two departments
EVERYONE = (HR, ENG_HEAD, OPS_HEAD, MOBILE_LEAD, SPLIT_LEAD)


def varied(count: int, seed: int) -> list[dict[str, int]]:
    """`count` people's answers, different from person to person (the same for the same seed)."""
    rng = random.Random(seed)
    return [{key: rng.randint(1, 5) for key in QUESTIONS} for _ in range(count)]


def build_org(world: World, *, infra_questions: Sequence[str] = QUESTIONS) -> None:
    """Engineering: Mobile Apps, Infrastructure, Data Platform; Operations: Customer Support, Sales."""
    world.department("Engineering")
    world.department("Operations")
    world.team("C0MOBILE", "Mobile Apps", "Engineering", 9)
    world.team("C0INFRA", "Infrastructure", "Engineering", 5, questions=infra_questions)
    world.team("C0DATA", "Data Platform", "Engineering", 8)
    world.team("C0SUPPORT", "Customer Support", "Operations", 12)
    world.team("C0SALES", "Sales", "Operations", 7)
    world.manager(ENG_HEAD.user_id, departments=["Engineering"])
    world.manager(OPS_HEAD.user_id, departments=["Operations"])
    world.manager(MOBILE_LEAD.user_id, teams=["C0MOBILE"])
    world.manager(SPLIT_LEAD.user_id, teams=["C0DATA", "C0SALES"])


def usual_week(world: World, seed: int = 0, **sizes: int) -> None:
    """Mobile Apps 7, Infrastructure 4 (all answering 2), Data Platform 6, Customer Support 10, Sales 5."""
    counts = {"C0MOBILE": 7, "C0INFRA": 4, "C0DATA": 6, "C0SUPPORT": 10, "C0SALES": 5} | sizes
    answers = {channel: varied(n, seed + i) for i, (channel, n) in enumerate(counts.items())}
    answers["C0INFRA"] = same(counts["C0INFRA"], **dict.fromkeys(QUESTIONS, 2))
    world.week(answers)


def cell(
    seen: Sequence[Seen], unit: str, period: date, measure: str, *, viewer: str | None = None, last: bool = True
) -> Seen | None:
    """The shown (not hidden) cell, latest or earliest seen; None when it was never shown."""
    found = [
        c
        for c in seen
        if c.unit == unit and c.period == period and c.measure == measure and not c.hidden
        and (viewer is None or c.viewer == viewer)
        and (c.counts is not None or (measure == PARTICIPATION and c.respondents is not None))
    ]
    if not found:
        return None
    found.sort(key=lambda c: c.at_event)
    return found[-1] if last else found[0]


def post(seen: Sequence[Seen], channel: str, period: date, measure: str) -> Seen | None:
    found = [
        c for c in seen
        if c.surface == CHANNEL_POST and c.unit == f"team:{channel}" and c.period == period
        and c.measure == measure and not c.hidden
    ]
    return found[-1] if found else None


def total_from_mean(mean: float, decimals: int, count: int) -> int | None:
    """The one whole total a mean shown at `decimals` over `count` answers allows, if only one."""
    half = 0.5 * 10**-decimals
    low, high = (mean - half) * count, (mean + half) * count
    whole = [t for t in range(int(low) - 1, int(high) + 2) if low - 1e-9 <= t <= high + 1e-9]
    return whole[0] if len(whole) == 1 else None


def total(c: Seen) -> int:
    assert c.counts is not None
    return sum(v * n for v, n in zip(range(1, 6), c.counts, strict=True))


# -- (a) the channel post beside the dashboard -----------------------------------------------------------


def channel_post_attack(seen: Sequence[Seen], period: date) -> tuple[int, dict[str, int]] | None:
    """Engineering minus Mobile Apps (dashboard) minus Data Platform's results post: Infrastructure.

    Returns Infrastructure's respondents and each question's total (the sum of its answers), or None
    when a number the attack needs was not published.
    """
    eng = cell(seen, "department:Engineering", period, PARTICIPATION, viewer=ENG_HEAD.user_id)
    mobile = cell(seen, "team:C0MOBILE", period, PARTICIPATION, viewer=ENG_HEAD.user_id)
    posted = post(seen, "C0DATA", period, PARTICIPATION)
    if eng is None or mobile is None or posted is None:
        return None
    assert eng.respondents is not None and mobile.respondents is not None and posted.respondents is not None
    people = eng.respondents - mobile.respondents - posted.respondents
    totals: dict[str, int] = {}
    for key in QUESTIONS:
        eng_q = cell(seen, "department:Engineering", period, key, viewer=ENG_HEAD.user_id)
        mobile_q = cell(seen, "team:C0MOBILE", period, key, viewer=ENG_HEAD.user_id)
        posted_q = post(seen, "C0DATA", period, key)
        if eng_q is None or mobile_q is None or posted_q is None or posted_q.mean is None:
            return None
        posted_total = total_from_mean(posted_q.mean, posted_q.decimals, posted.respondents)
        if posted_total is None:
            return None
        totals[key] = total(eng_q) - total(mobile_q) - posted_total
    return people, totals


def channel_post_world(world: World, dashboard: Dashboard) -> tuple[list[Seen], RoundTruth]:
    build_org(world)
    surfaces = Surfaces(dashboard, world, EVERYONE)
    usual_week(world)
    seen = surfaces.collect()
    check_against_truth(seen, world.rounds)
    [infra] = [r for r in world.rounds if r.channel == "C0INFRA"]
    return seen, infra


@PUBLISH_ONCE
def test_the_channel_post_beside_the_dashboard_gives_nothing_away(world: World, dashboard: Dashboard) -> None:
    seen, _infra = channel_post_world(world, dashboard)
    assert channel_post_attack(seen, world.period) is None


def test_the_channel_post_attack_recovers_a_small_team_from_a_weakened_gate(
    world: World, dashboard: Dashboard, no_complementary_suppression: None
) -> None:
    seen, infra = channel_post_world(world, dashboard)
    recovered = channel_post_attack(seen, world.period)
    assert recovered == (4, {key: infra.total(key) for key in QUESTIONS})
    assert recovered[1]["wellbeing"] / recovered[0] == 2.0  # all four answered 2
