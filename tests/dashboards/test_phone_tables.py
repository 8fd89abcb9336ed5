"""The numbers on a phone: each table row a card, Questions a fold per question, hidden rows say why."""

from __future__ import annotations

import json
from typing import Any

from dash.development.base_component import Component

from dashboards.panels import table
from dashboards.queries import JOINED, MEMBERS, PAIRED, Table
from slackapp.privacy.gate import hidden_text

HIDDEN = hidden_text(5)  # one label, whichever rule hid the cell
SAYS_WHY = HIDDEN[0].upper() + HIDDEN[1:]  # as a card or fold starts its sentence


def _json(component: Component) -> Any:
    return json.loads(json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json()))


def _nodes(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every component of a type (e.g. "Li", "Tr"), depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.get("props", {}).values():
            found += _nodes(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += _nodes(item, kind)
    return found


def _text(node: Any) -> str:
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children"))
    if isinstance(node, list):
        return " ".join(_text(item) for item in node)
    return node if isinstance(node, str) else ""


def _phone(layout: Any) -> Any:
    phone = [n for n in _nodes(layout, "Box") if n["props"].get("id") == "kindred-cards"]
    assert len(phone) == 1 and phone[0]["props"]["hiddenFrom"] == "sm"
    return phone[0]


def test_every_row_is_a_card_with_labelled_values_and_a_hidden_one_says_why() -> None:
    data = Table(
        ("Rank", "Team", "Answers", "Well-being", "Note"),
        (("1", "Payments", "8", "3.0 (changed: down 1.1)", ""), ("", "Security", "", "", HIDDEN)),
    )
    layout = _json(table(data, "Engineering: each team's latest week"))
    wide = [n for n in _nodes(layout, "Box") if n["props"].get("visibleFrom") == "sm"]
    assert len(wide) == 1 and _nodes(wide[0], "Table")  # the wide table stays for larger screens
    cards = _nodes(_phone(layout), "Li")
    assert len(cards) == 2
    first, hidden = (_text(card) for card in cards)
    assert "1. Payments" in first and "Well-being" in first and "3.0 (changed: down 1.1)" in first
    assert "Note" not in first  # no empty labels
    assert "Security" in hidden and SAYS_WHY in hidden
    assert not _nodes(cards[1], "Dl")  # no list of blanks for a hidden team


def test_questions_fold_by_question_with_one_row_a_week_and_hidden_weeks_marked() -> None:
    rows = []
    for question in ("Well-being", "Stress"):
        rows.append(("26 Oct 2026", question, "1", "2", "3", "4", "0", "10", ""))
        rows.append(("2 Nov 2026", question, "", "", "", "", "", "", HIDDEN))
    data = Table(("Week", "Question", "1", "2", "3", "4", "5", "Answers", "Note"), tuple(rows))
    phone = _phone(_json(table(data, "Payments: answers", by_question=True)))
    folds = _nodes(phone, "AccordionItem")
    assert [f["props"]["value"] for f in folds] == ["Well-being", "Stress"]
    for fold in folds:
        body = _nodes(_nodes(fold, "Tbody")[0], "Tr")
        assert len(body) == 2
        assert _text(body[0]).split() == ["26", "Oct", "1", "2", "3", "4", "0", "10"]  # one year: no year
        assert SAYS_WHY in _text(body[1])
    assert "5 most stressed" in _text(folds[1]) and "5 best" in _text(folds[0])


def test_a_long_ranking_shows_the_first_cards_and_folds_the_rest_one_tap_away() -> None:
    data = Table(
        ("Rank", "Team", "Answers", "Note"),
        tuple((str(n), f"Team {n}", "8", "") for n in range(1, 26)) + (("", "Security", "", HIDDEN),),
    )
    phone = _phone(_json(table(data, "Org: each team's latest week", fold_after=10)))
    lists = _nodes(phone, "Ul")
    assert [len(_nodes(ul, "Li")) for ul in lists] == [10, 16]  # every row is still on the page
    fold = _nodes(phone, "AccordionItem")
    assert len(fold) == 1 and _text(_nodes(fold[0], "AccordionControl")) == "Show the other 16 teams"
    assert "1. Team 1" in _text(lists[0]) and "Security" in _text(lists[1])
    # A list barely longer than the fold is shown whole: folding two cards away would save nothing.
    short = _phone(_json(table(Table(data.columns, data.rows[:12]), "Department", fold_after=10)))
    assert not _nodes(short, "AccordionItem") and len(_nodes(short, "Li")) == 12


def test_engagement_on_a_phone_opens_the_latest_round_and_the_groups_and_folds_the_history() -> None:
    steps = "counted in steps of 5"
    rounds = tuple(
        (PAIRED, f"Round {n}", f"{n} Nov 2026", "at least 60", "at least 60", "at least 40", steps)
        for n in range(1, 7)
    )
    members = ((MEMBERS, "Carers' circle", "end of Nov 2026", "22", "", "", ""),)
    joined = (
        (JOINED, "Carers' circle", "Oct 2026", "", "", "", HIDDEN),
        (JOINED, "Carers' circle", "Nov 2026", "14", "", "", ""),
    )
    columns = ("What is counted", "Which", "When", "How many", "Opted in", "Met their group", "Note")
    phone = _phone(_json(table(Table(columns, rounds + members + joined), "Engagement", by_kind=True)))
    sections = [
        s for s in _nodes(phone, "Section") if s["props"].get("aria-label") in (PAIRED, MEMBERS, JOINED)
    ]
    assert [s["props"]["aria-label"] for s in sections] == [PAIRED, MEMBERS, JOINED]
    paired, groups, joins = sections
    # Open: the latest round only; the five before it one tap away, still on the page.
    open_rounds = [_text(li) for li in _nodes(paired["props"]["children"][1], "Li")]
    assert len(open_rounds) == 1 and "Round 6" in open_rounds[0]
    # A round is shown, in steps: its note says so, and does not call it hidden.
    assert "Counted in steps of 5." in open_rounds[0] and "Hidden" not in open_rounds[0]
    fold = _nodes(paired, "AccordionItem")
    assert _text(_nodes(fold[0], "AccordionControl")) == "Show the 5 earlier rounds"
    earlier = _nodes(fold[0], "Li")
    assert len(earlier) == 5 and "Round 1" in _text(earlier[0])  # in the order they ran
    assert not _nodes(groups, "AccordionItem") and "22" in _text(groups)
    # The joins fold whole, and the hidden month keeps its one label inside it.
    (joins_fold,) = _nodes(joins, "AccordionItem")
    assert _text(_nodes(joins_fold, "AccordionControl")).startswith("Show how many people joined")
    assert len(_nodes(joins_fold, "Li")) == 2 and SAYS_WHY in _text(joins_fold)
    assert len(_nodes(phone, "Li")) == len(rounds + members + joined)  # every row is a card
