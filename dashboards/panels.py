"""What each page shows, for the signed-in viewer: built on the server for every load and callback.

Pages, the unit-switching callback and the CSV export all come through `view_for`, which re-reads the
viewer's scope and asks the privacy gate; a unit outside the scope gets the same polite nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from dashboards import queries
from dashboards.actions import notes_section
from dashboards.auth import current_viewer, signed_in
from dashboards.context import BASE, current_context
from dashboards.figures import (
    make_compare_figure,
    make_engagement_figure,
    make_landscape_figure,
    make_overview_figure,
    make_questions_figure,
)
from dashboards.queries import Table
from slackapp.privacy.gate import Gate, OutOfScope
from slackapp.privacy.scope import Viewer
from slackapp.privacy.suppression import UnitKey, UnitKind


class Page(StrEnum):
    OVERVIEW = "overview"
    QUESTIONS = "questions"
    SUPPORT = "support"
    COMPARE = "compare"
    ENGAGEMENT = "engagement"

    @property
    def path(self) -> str:
        return "" if self is Page.OVERVIEW else self.value

    @property
    def heading(self) -> str:
        return {
            Page.OVERVIEW: "Overview",
            Page.QUESTIONS: "Questions",
            Page.SUPPORT: "Support landscape",
            Page.COMPARE: "Compare teams",
            Page.ENGAGEMENT: "Engagement",
        }[self]


NOTHING_HERE = (
    "There is nothing for you here. The dashboard shows team results to the managers HR has assigned "
    "to teams, and to HR. If you think you should see a team, ask your HR team."
)
NOT_YOURS = "That view isn't available to you. Choose one of your teams or departments above."


@dataclass(frozen=True)
class View:
    """One page's content for one unit: the figure, the table (also the CSV), and a reading."""

    figure: go.Figure
    table: Table
    reading: str = ""
    comments: tuple[str, ...] | None = None
    notes: Component | None = None  # "you said, we did", on a team's overview


def page_units(gate: Gate, page: Page) -> list[UnitKey]:
    units = gate.units()
    if page is Page.SUPPORT:
        return [u for u in units if u.kind is UnitKind.TEAM]
    if page is Page.COMPARE:
        # Compare sets today's teams side by side; a deleted department has none (its past weeks are
        # on the Overview and Questions pages).
        return [u for u in units if u.kind is not UnitKind.TEAM and gate.is_current(u)]
    if page is Page.ENGAGEMENT:
        # Organisation-wide numbers: only for viewers who see the whole organisation.
        return [u for u in units if u.kind is UnitKind.ORG] if gate.viewer.everything else []
    return units


def build_view(gate: Gate, page: Page, unit: UnitKey | None) -> View:
    """The view's data through the gate. Raises `OutOfScope` for a unit the viewer may not see."""
    if page is Page.COMPARE:
        data_c = queries.compare(gate, unit)
        return View(make_compare_figure(data_c), queries.compare_table(data_c))
    if unit is None:
        raise OutOfScope("no unit")
    if page is Page.OVERVIEW:
        data_o = queries.overview(gate, unit)
        comments: tuple[str, ...] | None = None
        notes: Component | None = None
        if unit.kind is UnitKind.TEAM and data_o.weeks:
            found = gate.comments(unit, data_o.weeks[-1].week)
            comments = tuple(found) if found is not None else None
            notes = notes_section(gate, unit, data_o)
        return View(
            make_overview_figure(data_o), queries.overview_table(data_o), data_o.reading, comments, notes
        )
    if page is Page.ENGAGEMENT:
        data_e = gate.engagement()
        return View(
            make_engagement_figure(data_e, gate.rules.min_group_size), queries.engagement_table(data_e)
        )
    if page is Page.QUESTIONS:
        data_q = queries.questions(gate, unit)
        return View(make_questions_figure(data_q), queries.questions_table(data_q))
    if unit.kind is not UnitKind.TEAM:
        raise OutOfScope(unit.to_param())
    data_l = queries.landscape(gate, unit)
    return View(make_landscape_figure(data_l), queries.landscape_table(data_l))


def choose_unit(gate: Gate, page: Page, requested: str | None) -> tuple[UnitKey | None, bool]:
    """The unit to show and whether the request was allowed (a bad or foreign unit is refused)."""
    units = page_units(gate, page)
    if requested:
        unit = UnitKey.from_param(requested)
        if unit is None or unit not in units:
            return None, False
        return unit, True
    return (units[0] if units else None), True


def view_for(
    page: Page, requested: str | None
) -> tuple[Viewer | None, Gate | None, View | None, UnitKey | None]:
    """Resolve viewer, gate and view for a request; any `None` means there is nothing to show."""
    viewer = current_viewer()
    if viewer is None or not viewer.has_access:
        return viewer, None, None, None
    context = current_context()
    session = context.session_factory()
    gate = Gate(session=session, viewer=viewer, rules=context.rules)
    try:
        unit, allowed = choose_unit(gate, page, requested)
        if not allowed or (unit is None and page is not Page.COMPARE):
            return viewer, gate, None, unit
        return viewer, gate, build_view(gate, page, unit), unit
    except OutOfScope:
        return viewer, gate, None, None
    finally:
        session.close()


def export_href(page: Page, unit: UnitKey | None) -> str:
    query = urlencode({"unit": unit.to_param()}) if unit else ""
    return f"{BASE}export/{page.value}.csv" + (f"?{query}" if query else "")


# -- rendering ------------------------------------------------------------------------------------------


def render_page(page: Page, requested: str | None) -> Component:
    """A page's whole layout for this request."""
    viewer, gate, view, unit = view_for(page, requested)
    person = signed_in()
    if viewer is None or gate is None or not viewer.has_access:
        return frame(page, person.name if person else "", None, [html.P(NOTHING_HERE, id="nothing-here")])
    units = page_units(gate, page)
    picker = dcc.Dropdown(
        id="kindred-unit",
        options=[{"label": _unit_label(gate, u), "value": u.to_param()} for u in units],
        value=unit.to_param() if unit else None,
        clearable=False,
        placeholder="My teams" if page is Page.COMPARE else "Choose…",
        style={"maxWidth": "28rem"},
    )
    body: list[Component] = [
        html.Label("Show", htmlFor="kindred-unit", style={"fontWeight": 600}),
        picker,
        dcc.Store(id="kindred-page", data=page.value),
        html.Div(content(view, page, unit), id="kindred-content"),
    ]
    return frame(page, person.name if person else "", unit, body)


def _unit_label(gate: Gate, unit: UnitKey) -> str:
    prefix = {UnitKind.ORG: "", UnitKind.DEPARTMENT: "Department: ", UnitKind.TEAM: "Team: "}[unit.kind]
    return prefix + gate.name(unit)


def content(view: View | None, page: Page, unit: UnitKey | None) -> list[Component]:
    """The part of a page that changes with the unit (also what the callback returns)."""
    if view is None:
        return [html.P(NOT_YOURS, id="not-yours")]
    parts: list[Component] = []
    if view.reading:
        parts.append(html.P(view.reading, id="reading", className="reading"))
    parts.append(
        dcc.Graph(figure=view.figure, id="kindred-figure", config={"displaylogo": False, "responsive": True})
    )
    parts.append(html.A("Download this table (CSV)", href=export_href(page, unit), id="kindred-export"))
    parts.append(table(view.table))
    if view.comments is not None:
        parts.append(html.H3("Comments from the latest week"))
        parts.append(html.Ul([html.Li(c) for c in view.comments], id="comments"))
    if view.notes is not None:
        parts.append(view.notes)
    return parts


def table(data: Table) -> Component:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(c) for c in data.columns])),
            html.Tbody([html.Tr([html.Td(v) for v in row]) for row in data.rows]),
        ],
        id="kindred-table",
        className="kindred-table",
    )


def frame(page: Page, name: str, unit: UnitKey | None, body: list[Component]) -> Component:
    query = f"?{urlencode({'unit': unit.to_param()})}" if unit else ""
    nav = [
        html.A(
            p.heading,
            href=f"{BASE}{p.path}{query if p is not Page.COMPARE else ''}",
            className="active" if p is page else "",
            style={"marginRight": "1.2rem", "fontWeight": 700 if p is page else 400},
        )
        for p in Page
    ]
    minimum = current_context().settings.min_group_size
    return html.Div(
        [
            html.Header(
                [
                    html.H1(f"Kindred · {page.heading}", style={"fontSize": "1.6rem"}),
                    html.Nav(nav),
                    html.P(
                        [
                            f"Signed in as {name}. " if name else "",
                            html.A("Sign out", href=f"{BASE}logout", id="sign-out"),
                        ]
                    ),
                    html.P(
                        f"Only totals are shown, and nothing from a group with fewer than {minimum} answers. "
                        "A group can also be hidden when showing it would let a smaller group's answers be "
                        "worked out from the totals around it.",
                        style={"color": "#555"},
                        id="privacy-note",
                    ),
                ]
            ),
            html.Main(body),
        ],
        style={
            "fontFamily": "system-ui, sans-serif",
            "maxWidth": "72rem",
            "margin": "1rem auto",
            "padding": "0 1rem",
        },
    )
