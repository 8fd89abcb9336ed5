"""A department shown hidden says, in one sentence, why a department can be hidden at all.

The publication hides a department whenever showing it would let a smaller group be worked out, so a
manager can see their team's results beside a department with none, or be sent to a department that is
hidden too. The sentence is the same for every department, whichever rule hid this one.
"""

from __future__ import annotations

from typing import Any

from dashboards.panels import department_hidden
from slackapp.database import SessionFactory
from tests.dashboards.conftest import MANAGER_A, MANAGER_OPS, Dashboard, find, table_rows, text_of
from tests.org_factories import OrgBuilder

SENTENCE = department_hidden(5)


def _org(session_factory: SessionFactory, operations: dict[str, int]) -> OrgBuilder:
    """Engineering: A (8), B (7); Operations: `operations`; a department of one team of 3 ("Tiny")."""
    builder = OrgBuilder(session_factory)
    for department in ("Engineering", "Operations", "Tiny"):
        builder.department(department)
    builder.team("C0A", "Team A", "Engineering")
    builder.team("C0B", "Team B", "Engineering")
    for channel in operations:
        builder.team(channel, f"Team {channel[-1]}", "Operations")
    builder.team("C0T", "Team T", "Tiny")
    builder.manager(MANAGER_A, teams=["C0A"])
    builder.manager(MANAGER_OPS, departments=["Operations"])
    builder.manager("U0MANAGERD", teams=["C0D"])
    for n in range(2):
        builder.week(n, {"C0A": 8, "C0B": 7, **operations, "C0T": 3})
    builder.publish()
    return builder


def _why(layout: Any) -> str | None:
    alert = find(layout, "department-hidden")
    return None if alert is None else text_of(alert)


def test_a_managers_department_hidden_beside_their_shown_team_says_why(
    dashboard: Dashboard, session_factory: SessionFactory
) -> None:
    # Beside Tiny's 3, Engineering (the smaller of the two others) is hidden, and team B with it.
    org = _org(session_factory, {"C0D": 9, "C0E": 11})
    engineering = f"department:{org.departments['Engineering']}"
    dashboard.sign_in_as(MANAGER_A)
    team = dashboard.page("/dashboard/overview")
    assert table_rows(team)[-1][1] == "8" and _why(team) is None  # their team is shown: nothing to say
    support = dashboard.page("/dashboard/support")
    rows = {row[0]: row for row in table_rows(support)[1:]}
    assert rows["Team A"][1] == "8" and rows["Department: Engineering"][1] == ""  # as before
    said = _why(support)
    assert said is not None and "Why Engineering can be hidden" in said and SENTENCE in said
    for page in ("overview", "questions"):  # the department itself, from the picker
        layout = dashboard.page(f"/dashboard/{page}", f"?unit={engineering}")
        assert all(row[-1] for row in table_rows(layout)[1:]), page  # every row hidden, with its note
        said = _why(layout)
        assert said is not None and SENTENCE in said, page
    # A department that is shown says nothing of the kind.
    dashboard.sign_in_as(MANAGER_OPS)
    for page in ("overview", "questions", "support"):
        assert _why(dashboard.page(f"/dashboard/{page}")) is None, page


def test_a_manager_sent_to_a_department_that_is_hidden_too_is_told_why_on_every_tab(
    dashboard: Dashboard, session_factory: SessionFactory
) -> None:
    # Operations is team D alone: beside Tiny's 3 both are hidden, so D's manager lands on Operations.
    _org(session_factory, {"C0D": 9})
    dashboard.sign_in_as("U0MANAGERD")
    for page in ("overview", "questions", "support"):
        layout = dashboard.page(f"/dashboard/{page}")
        assert find(layout, "unit-name")["props"]["children"] == "Operations", page  # type: ignore[index]
        hidden = [row for row in table_rows(layout)[1:] if not row[0].startswith("Organisation")]
        assert hidden and all(row[-1] for row in hidden), page  # every row of it hidden, with its note
        said = _why(layout)
        assert said is not None and "Why Operations can be hidden" in said and SENTENCE in said, page
    # The sentence names no rule and no number but the minimum, which every page already states.
    assert SENTENCE.count("5") == 1 and "Team T" not in SENTENCE and "Tiny" not in SENTENCE


def test_the_sentence_is_one_plain_sentence_true_whichever_rule_hid_the_department() -> None:
    assert SENTENCE.count(". ") == 0 and SENTENCE.endswith(".")
    assert "smaller group's answers" in SENTENCE and "fewer than 5" in SENTENCE  # both rules, never one
