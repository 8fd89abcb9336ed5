"""The general audit: everything every surface published, to every viewer, over several weeks, solved.

A generated organisation with small teams lives four weeks through the real code paths: departments of
mixed sizes, teams outside any department, pulses that leave questions out, managers whose scopes
overlap, a second round in a week already shown, a team moved between departments. After every week
(and every change) everything is collected from every viewer's dashboard and every channel. Then, for
each hidden cell, whole-number linear programmes bound its respondent count and each answer count
from all of it together (tests/privacy/audit.py). No hidden cell may be pinned to fewer than
KINDRED_MIN_GROUP_SIZE possible values.
"""

from __future__ import annotations

import json
import random

from tests.dashboards.conftest import Dashboard
from tests.factories import HR_ADMIN
from tests.privacy.audit import Finding, audit
from tests.privacy.surfaces import (
    ACT_HEATMAP,
    ACTION_PLAN,
    CHANNEL_POST,
    DIGEST,
    ENGAGEMENT_KINDS,
    Surfaces,
    Viewer,
    check_against_truth,
    checkin_figures,
    unexplained_marks,
)
from tests.privacy.world import QUESTIONS, World

K = 5
DEPARTMENTS = ("Product", "Field", "Back office")
SIZES = (0, 2, 3, 4, 5, 6, 7, 9, 12)


def generated_world(world: World, dashboard: Dashboard, seed: int) -> Surfaces:
    rng = random.Random(seed)
    for name in DEPARTMENTS:
        world.department(name)
    channels = [f"C0GEN{n:02d}" for n in range(10)]
    homes = [*DEPARTMENTS, *DEPARTMENTS, *DEPARTMENTS, None]
    rng.shuffle(homes)
    for n, (channel, home) in enumerate(zip(channels, homes, strict=True)):
        left_out = {3: ("stress",), 6: ("belonging", "advice")}.get(n, ())  # two pulses ask less
        questions = [q for q in QUESTIONS if q not in left_out]
        world.team(channel, f"Team {n:02d}", home, 14, questions=questions)
    viewers = [Viewer(HR_ADMIN, admin=True)]
    for n, name in enumerate(DEPARTMENTS):
        head = f"U0HEAD{n}"
        world.manager(head, departments=[name])
        viewers.append(Viewer(head))
    for n in range(0, 10, 2):  # each lead has two teams, whatever their departments
        lead = f"U0LEAD{n}"
        world.manager(lead, teams=channels[n : n + 2])
        viewers.append(Viewer(lead))
    world.manager("U0HEAD0", teams=[channels[9]])  # a head who also leads a team elsewhere

    surfaces = Surfaces(dashboard, world, viewers)
    for week in range(4):
        if week:
            world.next_week()
        answers = {}
        for channel in channels:
            people = rng.choice(SIZES)
            answers[channel] = [{q: rng.randint(1, 5) for q in QUESTIONS} for _ in range(people)]
        if week >= 2:  # one big team's mood turns (all 3s, then all 1s): a change beyond any noise
            answers[channels[5]] = [dict.fromkeys(QUESTIONS, 7 - 2 * week)] * 12
        world.week(answers)
        if week == 1:  # looked at on the Thursday, then HR sends one team a second round
            surfaces.collect()
            world.extra_round(channels[rng.randrange(10)], [{q: rng.randint(1, 5) for q in QUESTIONS}] * 3)
        world.end_week()
        if week:  # week 0 is looked at with the others later (a week once shown never changes)
            surfaces.collect()
        if week == 1:  # a lead answers the week with a plan: "did the following publications move?"
            planned = max(channels[:2], key=lambda c: len(answers[c]))  # U0LEAD0's larger team this week
            world.action_plan(planned, "U0LEAD0", world.period, "Fewer meetings on Fridays")
        if week == 2:
            moved = channels[rng.randrange(10)]
            world.move(moved, rng.choice([d for d in DEPARTMENTS if d != world.teams[moved].department]))
            surfaces.collect()
    check_against_truth(surfaces.seen, world.rounds)
    return surfaces


def assert_true_to_the_world(findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.low <= finding.truth <= finding.high, str(finding)


EVERY_SURFACE = {
    "overview.csv",
    "questions.csv",
    "compare.csv",
    "act.csv",
    ACT_HEATMAP,
    "support.csv",
    CHANNEL_POST,
    DIGEST,
    ACTION_PLAN,
}


def test_no_hidden_cell_can_be_pinned_from_everything_published(world: World, dashboard: Dashboard) -> None:
    surfaces = generated_world(world, dashboard, seed=1)
    seen = surfaces.seen
    assert {c.surface for c in seen} == EVERY_SURFACE  # every surface was read, and read something
    assert {c.surface for c in seen if c.hidden} >= {"overview.csv", "act.csv", DIGEST, CHANNEL_POST}
    assert [c for c in seen if c.change is not None], "some change beyond noise is marked on Where to act"
    assert len({c.period for c in seen}) == 4 and len({c.viewer for c in seen if c.viewer[0] == "U"}) > 5
    # The engagement page holds peer support and resource groups only, never a check-in number.
    assert all(row["What is counted"] in ENGAGEMENT_KINDS for row in surfaces.engagement)
    assert unexplained_marks(seen) == []
    posts = [m for ms in world.slack.messages.values() for m in ms if "people answered" in m.get("text", "")]
    assert posts and all(checkin_figures(json.dumps(m)) for m in posts)  # the check reads results as written
    # The App Home shows a person their own open check-ins and HR's set-up: no check-in results at all.
    assert surfaces.app_homes and all(checkin_figures(home) == [] for home in surfaces.app_homes.values())
    findings = audit(seen, world.rounds, K)
    assert_true_to_the_world(findings)
    assert not findings, "\n".join(map(str, findings[:20]))


def test_the_audit_pins_hidden_cells_of_a_weakened_gate(
    world: World, dashboard: Dashboard, no_complementary_suppression: None
) -> None:
    surfaces = generated_world(world, dashboard, seed=1)
    findings = audit(surfaces.seen, world.rounds, K, stop_after=3)
    assert findings, "without complementary suppression some hidden cell must be pinned"
    assert_true_to_the_world(findings)
