"""Which pages and units a viewer may open, which unit each page starts on, and the links between them.

The chosen unit lives in the URL (`?unit=team:C123`): every tab link carries it when the target page can
show it, so a leader keeps their place across tabs, in the history and after a reload. Nothing here
grants access: a unit in a URL is checked again by the page that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from dashboards import queries
from dashboards.context import BASE
from slackapp.privacy.gate import Gate
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind


class Page(StrEnum):
    ACT = "act"
    OVERVIEW = "overview"
    QUESTIONS = "questions"
    SUPPORT = "support"
    COMPARE = "compare"
    ENGAGEMENT = "engagement"

    @property
    def path(self) -> str:
        return self.value

    @property
    def heading(self) -> str:
        return {
            Page.ACT: "Where to act",
            Page.OVERVIEW: "Overview",
            Page.QUESTIONS: "Questions",
            Page.SUPPORT: "Support landscape",
            Page.COMPARE: "Compare teams",
            Page.ENGAGEMENT: "Peer support and groups",
        }[self]

    @property
    def description(self) -> str:
        return {
            Page.ACT: "Teams ranked by need, and what to do next",
            Page.OVERVIEW: "Well-being and participation over time",
            Page.QUESTIONS: "How people answered each question",
            Page.SUPPORT: "The four kinds of support side by side",
            Page.COMPARE: "Every team on every measure",
            Page.ENGAGEMENT: "Peer-support rounds and resource groups",
        }[self]


# Pages that set teams side by side: they pick the organisation or a department (or "my teams").
SIDE_BY_SIDE = (Page.ACT, Page.COMPARE)


def own_teams(gate: Gate) -> list[UnitKey]:
    return [u for u in gate.units() if u.kind is UnitKind.TEAM]


def pages_for(gate: Gate) -> list[Page]:
    """The tabs this viewer can open: never one that can only say "not available to you"."""
    if not gate.units():
        return []
    pages: list[Page] = []
    several = len(own_teams(gate)) > 1
    for page in Page:
        if page in SIDE_BY_SIDE and not several:
            continue
        if page is Page.ENGAGEMENT and not gate.viewer.everything:
            continue
        pages.append(page)
    return pages


def landing(gate: Gate) -> Page:
    """HR and department heads land on "Where to act"; a team's manager on their team's overview."""
    pages = pages_for(gate)
    if Page.ACT in pages and (gate.viewer.everything or gate.viewer.departments):
        return Page.ACT
    return Page.OVERVIEW


def page_units(gate: Gate, page: Page) -> list[UnitKey]:
    """The units this page can show this viewer, in the order the picker lists them."""
    units = gate.units()
    if page in SIDE_BY_SIDE:
        # Today's teams side by side; a deleted department has none (its past weeks are on the Overview).
        return [u for u in units if u.kind is not UnitKind.TEAM and gate.is_current(u)]
    if page is Page.ENGAGEMENT:
        return [ORG] if gate.viewer.everything else []
    return units + gate.benchmark_units()


@dataclass(frozen=True)
class Start:
    """The unit a page opens on when the URL names none, and why, when that needs saying."""

    unit: UnitKey | None
    why: str = ""


def default_unit(gate: Gate, page: Page) -> Start:
    """The smallest unit with something to show that the viewer leads.

    For a team whose results are always hidden, its department (as a benchmark), with a sentence why.
    """
    units = page_units(gate, page)
    if page in SIDE_BY_SIDE or page is Page.ENGAGEMENT:
        return Start(units[0] if units else None)
    if gate.viewer.everything:
        return Start(ORG)
    departments = [u for u in units if u.kind is UnitKind.DEPARTMENT and u not in gate.benchmark_units()]
    if departments:
        return Start(departments[0])
    teams = own_teams(gate)
    for team in teams:
        if queries.ever_shown(gate, team):
            return Start(team)
    if not teams:
        return Start(None)
    team = teams[0]
    department = gate.department_of(team)
    if department is not None and department in units:
        return Start(
            department,
            f"{gate.name(team)}'s results have never been shown: {gate.rules.hidden_reason}. "
            f"This protects the people who answer. Here is {gate.name(department)}, the department it "
            "belongs to, instead.",
        )
    return Start(team)


def href(page: Page, unit: UnitKey | None) -> str:
    query = f"?{urlencode({'unit': unit.to_param()})}" if unit is not None else ""
    return f"{BASE}{page.path}{query}"


def carried(gate: Gate, target: Page, unit: UnitKey | None) -> UnitKey | None:
    """The unit a link to `target` should carry from the page now showing `unit`.

    The same unit when the target can show it; from a team to a side-by-side page, its department when
    the viewer may pick it; otherwise none, and the target opens on its default.
    """
    if unit is None:
        return None
    units = page_units(gate, target)
    if unit in units:
        return unit
    if target in SIDE_BY_SIDE and unit.kind is UnitKind.TEAM:
        department = gate.department_of(unit)
        if department is not None and department in units:
            return department
    return None


def unit_choices(gate: Gate, units: list[UnitKey]) -> list[dict[str, Any]]:
    """The picker's choices, grouped by kind under headings ("Departments", "Teams").

    The kind is the group's heading, not a prefix on every name: "Department: Engineering (your team's
    department)" was cut off in a phone-wide picker, and 500 names each starting "Team: " are slow to scan.
    """
    benchmarks = set(gate.benchmark_units())
    groups: dict[str, list[dict[str, str]]] = {}
    for unit in units:
        if unit.kind is UnitKind.ORG:
            heading = "Organisation"
        elif unit in benchmarks:
            heading = "Your team's department"
        elif unit.kind is UnitKind.DEPARTMENT:
            heading = "Departments"
        else:
            heading = "Teams"
        # The name alone under its heading; a deleted department's name says so.
        groups.setdefault(heading, []).append({"label": gate.name(unit), "value": unit.to_param()})
    return [{"group": heading, "items": items} for heading, items in groups.items()]
