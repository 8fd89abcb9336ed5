"""What a curious HR leader reads off the engagement page, and what whole-number programmes make of it.

The page's CSV export is exactly its table. `hidden_join_ranges` bounds each hidden joins figure of a
resource group from everything on the page, for the strongest attacker the group allows: its channel is
new and private, so nobody came in but through Kindred's Join button, and nobody left - a member count
is then exactly the sum of the joins before it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from slackapp.resources.stats import month_of
from tests.dashboards.conftest import Dashboard
from tests.factories import HR_ADMIN

K = 5
Rows = list[dict[str, str]]

# The engagement table's columns and kinds of row, as the page writes them.
WHAT = "What is counted"
HOW_MANY = "How many"
MET = "Met their group"
OPTED_IN = "Opted in"
JOINED = "Resource group: people who joined"
MEMBERS = "Resource group: members"
PAIRED = "Peer support: people paired"


def people_range(text: str) -> tuple[int, int] | None:
    """What a count of people on the page allows, both ends included: "12" exactly, "at least 10" 10 to 14
    (peer-support counts go in steps of the minimum), "fewer than 5" 0 to 4; None when it is blank."""
    if not text:
        return None
    if text.startswith("fewer than "):
        return 0, int(text.removeprefix("fewer than ")) - 1
    if text.startswith("at least "):
        low = int(text.removeprefix("at least "))
        return low, low + K - 1
    return int(text), int(text)


def engagement_rows(dashboard: Dashboard) -> Rows:
    """HR's engagement page, as its CSV export (exactly the table on screen)."""
    dashboard.sign_in_as(HR_ADMIN, admin=True)
    reply = dashboard.get("/dashboard/export/engagement.csv", query_string={"unit": "org:"})
    assert reply.status_code == 200, reply.status_code
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))


# -- resource groups: the member count beside the joins ------------------------------------------------


def _month(label: str) -> str:
    return month_of(datetime.strptime(label, "%b %Y"))


def _months(first: str, last: str) -> list[str]:
    found, moment = [], datetime.strptime(first, "%Y-%m")
    while month_of(moment) <= last:
        found.append(month_of(moment))
        moment = (moment + timedelta(days=32)).replace(day=1)
    return found


def _span(label: str, today: date) -> tuple[str, str]:
    """The months a "When" of the page covers: "Mar 2026", "Mar 2026 – Apr 2026", "since Mar 2026"."""
    if label.startswith("since "):
        last_completed = month_of(today.replace(day=1) - timedelta(days=1))
        return _month(label.removeprefix("since ")), last_completed
    first, _, last = label.partition(" – ")
    return _month(first), _month(last or first)


def hidden_join_ranges(rows: Rows, group: str, today: date) -> dict[str, tuple[int, int]]:
    """For each hidden joins figure of `group`, the least and greatest whole number of joins that
    everything on the page allows (by whole-number linear programmes, as the general audit does).

    Facts: each shown joins figure is the sum of its months; a hidden one is 0..K-1; a month in no
    figure had no joins (a month with joins had its row); each member count "end of <month>" is the
    sum of every join up to that month's end (a new private channel that only Kindred lets people into).
    """
    mine = [r for r in rows if r["Which"] == group]
    joins = [(_span(r["When"], today), r[HOW_MANY]) for r in mine if r[WHAT] == JOINED]
    members = [
        (_month(r["When"].removeprefix("end of ")), int(r[HOW_MANY]))
        for r in mine
        if r[HOW_MANY] and r[WHAT] == MEMBERS
    ]
    if not joins:
        return {}
    first = min(span[0] for span, _ in joins)
    months = _months(first, month_of(today))
    matrix: list[list[float]] = []
    low: list[float] = []
    high: list[float] = []

    def add(chosen: Sequence[str], lo: float, hi: float) -> None:
        matrix.append([1.0 if m in chosen else 0.0 for m in months])
        low.append(lo)
        high.append(hi)

    covered: set[str] = set()
    for (start, end), shown in joins:
        span = [m for m in months if start <= m <= end]
        covered |= set(span)
        add(span, *((int(shown), int(shown)) if shown else (0, K - 1)))
    for month in months:
        if month not in covered:
            add([month], 0, 0)
    for month, count in members:
        add([m for m in months if m <= month], count, count)
    constraints = LinearConstraint(np.array(matrix), np.array(low), np.array(high))
    found: dict[str, tuple[int, int]] = {}
    for (start, end), shown in joins:
        if shown:
            continue
        objective = np.array([1.0 if start <= m <= end else 0.0 for m in months])
        ends = []
        for sign in (1, -1):
            result = milp(
                sign * objective,
                constraints=constraints,
                integrality=np.ones(len(months)),
                bounds=Bounds(0, np.inf),
            )
            assert result.success, result.message  # the truth is a solution
            ends.append(round(sign * result.fun))
        found[f"{start}..{end}"] = (ends[0], ends[1])
    return found
