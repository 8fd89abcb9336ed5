"""Suggested next steps on "Where to act": one card per gap, naming every team that has it, in rank order."""

from __future__ import annotations

from dashboards.next_steps import NextStep, grouped

LISTEN = ("Invite the team to peer support.", "Remind the team of the help line.")
ADVICE = ("Invite the team to peer support.",)


def test_teams_with_the_same_gap_share_one_card_that_names_them_in_rank_order() -> None:
    steps = [
        NextStep("Support Tier 1", "emotional", 2.6, LISTEN),
        NextStep("Payments", "emotional", 2.8, LISTEN),
        NextStep("Support Tier 2", "advice", 3.4, ADVICE),
        NextStep("Finance", "emotional", 2.7, LISTEN),
    ]
    cards = grouped(steps)
    assert [(c.kind, c.actions) for c in cards] == [("emotional", LISTEN), ("advice", ADVICE)]
    assert cards[0].gap == (
        "Someone to listen is the weakest kind of support in Support Tier 1 (2.6 of 5), Payments (2.8) and "
        "Finance (2.7)"
    )
    assert cards[1].gap == "Advice and know-how is the weakest kind of support in Support Tier 2 (3.4 of 5)"
