"""What each page shows, for the signed-in viewer: built on the server for every load.

Pages and the CSV export come through `view_for`, which re-reads the viewer's scope and asks the
privacy gate; a unit outside the scope gets the same polite nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from dashboards import queries
from dashboards.actions import plans_section
from dashboards.auth import current_viewer, signed_in
from dashboards.context import BASE, current_context
from dashboards.figures import (
    HEATMAP_TEAMS,
    make_act_heatmap,
    make_compare_figure,
    make_engagement_figure,
    make_landscape_figure,
    make_overview_figure,
    make_questions_figure,
)
from dashboards.navigation import (
    SIDE_BY_SIDE,
    Page,
    Start,
    carried,
    default_unit,
    href,
    landing,
    page_units,
    pages_for,
    unit_choices,
)
from dashboards.next_steps import NextStep, grouped, next_steps
from dashboards.queries import Table
from slackapp.privacy.gate import Gate, OutOfScope
from slackapp.privacy.scope import Viewer
from slackapp.privacy.suppression import UnitKey, UnitKind

NOTHING_HERE = (
    "There is nothing for you here. The dashboard shows team results to the managers HR has assigned "
    "to teams, and to HR. If you think you should see a team, ask your HR team."
)
NOT_YOURS = "That view isn't available to you. Choose one of your teams or departments from the menu."
GRAPH_CONFIG: Any = {"displayModeBar": False, "displaylogo": False, "responsive": True}
# On a phone, the pages that rank teams show this many as cards, the rest behind "Show the other …" (on
# "Where to act" the heatmap above already draws the fifteen most in need).
PHONE_CARDS = {Page.ACT: 5, Page.COMPARE: 10}
# The pages that rank teams list them this many at a time, most in need first, the next ones a link away:
# all 500 of an organisation took 9 to 13 seconds to settle in Chromium (benchmarks/dashboard/page.py).
TEAMS_PER_PAGE = 50
PHONE_CARDS_OF_A_KIND = 5  # on the engagement page, resource groups shown before "Show the other …"


def _aria(label: str) -> dict[str, Any]:
    """An accessible name for a landmark or region (Dash passes aria-* attributes through)."""
    return {"aria-label": label}


__all__ = ["NOTHING_HERE", "NOT_YOURS", "Page", "View", "export_href", "render_page", "view_for"]


@dataclass(frozen=True)
class View:
    """One page's content for one unit: the figure, the table (also the CSV), and a reading."""

    figure: go.Figure | None  # None for an export, which holds only the table
    table: Table
    reading: str = ""
    caption: str = ""
    comments: tuple[str, ...] | None = None
    comments_note: str = ""
    notes: Component | None = None  # action plans, on a team's overview
    steps: list[NextStep] = field(default_factory=list)  # "where to act"
    shown: Stretch | None = None  # on a page that ranks teams, the ones listed (and drawn, on Compare)
    hidden_department: str = ""  # a department the page shows hidden (in a week or more), by name


def build_view(
    gate: Gate,
    page: Page,
    unit: UnitKey | None,
    session: Session,
    *,
    export: bool = False,
    first: str | None = None,
) -> View:
    """The view's data through the gate. Raises `OutOfScope` for a unit the viewer may not see.

    For an `export` (the CSV) only the table is built, with every team: no figure, no next steps. On a
    page that ranks teams, `first` (a rank, as the URL has it) picks the fifty listed.
    """
    if page in SIDE_BY_SIDE:
        data_c = queries.compare(gate, unit, with_changes=page is Page.ACT)
        shown = stretch(len(data_c.rows), first)
        if page is Page.ACT:
            steps = (
                []
                if export
                else next_steps(session=session, workspace_id=gate.viewer.workspace_id, rows=data_c.rows)
            )
            return View(
                None if export else make_act_heatmap(data_c),
                queries.act_table(data_c),
                data_c.reading,
                f"{data_c.scope_name}: each team's latest week and its change since the week before; "
                "a change is named only when it is beyond the noise of the team's size.",
                steps=steps,
                shown=shown,
            )
        # The chart draws the teams the table lists: all 500 of an organisation, a dot row each, were
        # 7,000 elements and seconds to draw, in a chart 15,000 pixels tall that nobody reads whole.
        return View(
            None if export else make_compare_figure(data_c, shown.start, shown.end),
            queries.compare_table(data_c),
            data_c.reading,
            f"{data_c.scope_name}: every team's latest week, most in need first.",
            shown=shown,
        )
    if page is Page.ENGAGEMENT:
        data_e = gate.engagement()
        reading = (
            f"{len(data_e.pairing)} peer-support rounds and {len(data_e.members)} resource groups. "
            "Numbers for fewer people than the minimum are hidden; peer-support numbers are counted in "
            f'steps of {gate.rules.min_group_size} ("at least {2 * gate.rules.min_group_size}"), as in Slack.'
            if data_e.pairing or data_e.members
            else "No peer-support rounds or resource groups yet."
        )
        return View(
            None if export else make_engagement_figure(data_e, gate.rules.min_group_size),
            queries.engagement_table(data_e),
            reading,
            "Peer-support rounds and resource-group joins.",
        )
    if unit is None:
        raise OutOfScope("no unit")
    name = gate.name(unit)
    department = unit.kind is UnitKind.DEPARTMENT
    if page is Page.OVERVIEW:
        data_o = queries.overview(gate, unit)
        comments: tuple[str, ...] | None = None
        comments_note = ""
        notes: Component | None = None
        if unit.kind is UnitKind.TEAM and unit not in gate.benchmark_units() and data_o.weeks and not export:
            found = gate.comments(unit, data_o.weeks[-1].week)
            comments = tuple(found) if found is not None else None
            if found is None:
                comments_note = f"Comments are not shown: {gate.rules.comments_hidden_reason}."
            notes = plans_section(gate, unit, data_o)
        return View(
            None if export else make_overview_figure(data_o),
            queries.overview_table(data_o),
            data_o.reading,
            f"{name}: answers, participation and well-being by week.",
            comments,
            comments_note,
            notes,
            hidden_department=name if department and any(p.wellbeing is None for p in data_o.weeks) else "",
        )
    if page is Page.QUESTIONS:
        data_q = queries.questions(gate, unit)
        return View(
            None if export else make_questions_figure(data_q),
            queries.questions_table(data_q),
            queries.questions_reading(data_q),
            f"{name}: how many people chose each answer, by question and week.",
            hidden_department=name
            if department and any(w.counts is None for q in data_q.questions for w in q.weeks)
            else "",
        )
    data_l = queries.landscape(gate, unit)
    return View(
        None if export else make_landscape_figure(data_l),
        queries.landscape_table(data_l),
        data_l.reading,
        f"{name}: the four kinds of support beside the levels above it.",
        # The unit's own department, or the team's beside it.
        hidden_department=next((g.department for g in data_l.groups if g.department and g.hidden), ""),
    )


def choose_unit(gate: Gate, page: Page, requested: str | None) -> tuple[Start, bool]:
    """The unit to show and whether the request was allowed (a bad or foreign unit is refused)."""
    if requested:
        unit = UnitKey.from_param(requested)
        if unit is None or unit not in page_units(gate, page):
            return Start(None), False
        return Start(unit), True
    return default_unit(gate, page), True


@dataclass
class Resolved:
    viewer: Viewer | None
    gate: Gate | None = None
    page: Page | None = None
    start: Start = field(default_factory=lambda: Start(None))
    view: View | None = None
    never_shown: str = ""  # for a team hidden every week: why, and where to look instead


def view_for(
    page: Page | None, requested: str | None, *, export: bool = False, first: str | None = None
) -> Resolved:
    """Resolve viewer, page, unit and view for a request (`page` None: the viewer's landing page;
    `export`: only the table, for the CSV; `first`: see `build_view`)."""
    viewer = current_viewer()
    if viewer is None or not viewer.has_access:
        return Resolved(viewer)
    context = current_context()
    session = context.session_factory()
    try:
        gate = Gate(session=session, viewer=viewer, rules=context.rules)
        chosen = page or landing(gate)
        resolved = Resolved(viewer, gate, chosen)
        if chosen not in pages_for(gate):
            return resolved
        resolved.start, allowed = choose_unit(gate, chosen, requested)
        if not allowed or (resolved.start.unit is None and chosen not in SIDE_BY_SIDE):
            return resolved
        resolved.view = build_view(gate, chosen, resolved.start.unit, session, export=export, first=first)
        resolved.never_shown = never_shown(gate, chosen, resolved.start.unit)
        return resolved
    except OutOfScope:
        return resolved
    finally:
        session.close()


def never_shown(gate: Gate, page: Page, unit: UnitKey | None) -> str:
    """For a team whose results no week has shown, a sentence saying why and what to look at instead.

    Without it the manager of a small team sees a row of crosses and blank cards and cannot tell
    whether something is broken.
    """
    if unit is None or unit.kind is not UnitKind.TEAM or page in SIDE_BY_SIDE or page is Page.SUPPORT:
        return ""
    if queries.ever_shown(gate, unit):
        return ""
    name = gate.name(unit)
    department = gate.department_of(unit)
    where = (
        f" Its answers still count in {gate.name(department)}'s results, which you can open as a benchmark."
        if department is not None and department in page_units(gate, page)
        else ""
    )
    return (
        f"No week has shown {name}'s results: {gate.rules.hidden_reason}. This protects the people "
        f"who answer, and is not a fault.{where}"
    )


def department_hidden(minimum: int) -> str:
    """Why a department can be hidden, for a page that shows one hidden: a manager whose own team is
    shown, or who was sent to the department because their team never is, otherwise sees its row of
    crosses and no word on why. Said of every department, whichever rule
    hid this one (naming the rule would tell whether the group is under or over the minimum)."""
    return (
        "A department is always hidden in a week when showing it would let a smaller group's answers be "
        "worked out from the other totals (one team's, say, by subtraction) or when fewer than "
        f"{minimum} people answered, so it can be hidden even when a team in it is shown."
    )


def export_href(page: Page, unit: UnitKey | None) -> str:
    return href(page, unit).replace(f"{BASE}{page.path}", f"{BASE}export/{page.value}.csv", 1)


# -- rendering ------------------------------------------------------------------------------------------


def render_page(page: Page | None, requested: str | None, *, first: str | None = None) -> Component:
    """A page's whole layout for this request (`page` None: the viewer's landing page; `first`: on a
    page that ranks teams, the rank to list from, as the URL has it)."""
    resolved = view_for(page, requested, first=first)
    person = signed_in()
    name = person.name if person else ""
    gate = resolved.gate
    if resolved.viewer is None or gate is None or resolved.page is None:
        return shell(None, name, None, None, [dmc.Text(NOTHING_HERE, id="nothing-here")])
    chosen, unit = resolved.page, resolved.start.unit
    body: list[Component] = [
        dcc.Store(id="kindred-page", data=chosen.value),
        # The unit on screen: the picker reports its value as it mounts, which must not navigate.
        dcc.Store(id="kindred-shown-unit", data=unit.to_param() if unit else None),
    ]
    units = page_units(gate, chosen)
    if units and chosen in pages_for(gate):
        body.append(
            dmc.Select(
                id="kindred-unit",
                label="Show",
                data=unit_choices(gate, units),
                value=unit.to_param() if unit else None,
                allowDeselect=False,
                searchable=len(units) > 8,
                placeholder="My teams" if chosen in SIDE_BY_SIDE else "Choose…",
                maw=420,
                mb="md",
            )
        )
    if resolved.start.why:
        body.append(
            dmc.Alert(resolved.start.why, title="Why this view", color="blue", id="default-why", mb="md")
        )
    if resolved.never_shown:
        department = gate.department_of(unit) if unit is not None else None
        link = (
            [dmc.Anchor(f"Open {gate.name(department)}", href=href(chosen, department), display="block")]
            if department is not None and department in units
            else []
        )
        body.append(
            dmc.Alert(
                [dmc.Text(resolved.never_shown, size="sm"), *link],
                title="Why nothing is drawn",
                color="blue",
                id="never-shown",
                mb="md",
            )
        )
    if resolved.view is not None and resolved.view.hidden_department:
        body.append(
            dmc.Alert(
                dmc.Text(department_hidden(gate.rules.min_group_size), size="sm"),
                title=f"Why {resolved.view.hidden_department} can be hidden",
                color="blue",
                id="department-hidden",
                mb="md",
            )
        )
    body += content(resolved.view, chosen, unit)
    return shell(chosen, name, gate, unit, body)


@dataclass(frozen=True)
class Stretch:
    """The teams of a ranking listed on this page: `start` (from 0) to `end`, of `total`."""

    start: int
    end: int
    total: int

    @property
    def paged(self) -> bool:
        return self.total > TEAMS_PER_PAGE


def stretch(total: int, first: str | None) -> Stretch:
    """Which teams to list for `first` (a rank from the URL; anything else lists from the top)."""
    try:
        wanted = int(first) - 1 if first else 0
    except ValueError:
        wanted = 0
    last_page = max(0, (total - 1) // TEAMS_PER_PAGE)
    start = min(max(0, wanted) // TEAMS_PER_PAGE, last_page) * TEAMS_PER_PAGE
    return Stretch(start, min(start + TEAMS_PER_PAGE, total), total)


def stretch_links(page: Page, unit: UnitKey | None, shown: Stretch, *, above: bool = False) -> Component:
    """Where the listed teams sit in the ranking, and links to the ones before and after them: the same
    above the teams (`above`, ids ending "-top") and below them, so neither end of fifty rows is a dead end.
    """
    suffix = "-top" if above else ""
    links: list[Component] = []
    for label, start, id_ in (
        (f"Previous {TEAMS_PER_PAGE} teams", shown.start - TEAMS_PER_PAGE, "teams-before"),
        (f"Next {min(TEAMS_PER_PAGE, shown.total - shown.end)} teams", shown.end, "teams-after"),
    ):
        if 0 <= start < shown.total:
            there = href(page, unit)
            there += f"{'&' if '?' in there else '?'}first={start + 1}"
            links.append(dmc.Anchor(label, href=there, id=id_ + suffix))
    return html.Nav(
        dmc.Group(
            [dmc.Text(f"Teams {shown.start + 1}–{shown.end} of {shown.total}", size="sm", fw=600), *links],
            gap="md",
        ),
        id="kindred-stretch" + suffix,
        # Two landmarks with one name are two of the same to a screen reader: each says where it is.
        **_aria(f"More teams, {'before' if above else 'after'} these {shown.end - shown.start}"),
    )


def content(view: View | None, page: Page, unit: UnitKey | None) -> list[Component]:
    """The part of a page that depends on the unit."""
    if view is None:
        return [dmc.Alert(NOT_YOURS, id="not-yours", color="orange", title="Not available")]
    # A ranking of hundreds of teams is listed a page at a time (every row and card in one page took
    # seconds to draw); the CSV below still holds every team.
    shown = view.shown if view.shown is not None and view.shown.paged else None
    caption = view.caption
    if shown is not None:
        caption = f"{caption} Teams {shown.start + 1} to {shown.end} of {shown.total}."
    parts: list[Component] = []
    if view.reading:
        parts.append(dmc.Text(view.reading, id="reading", size="md", mb="sm"))
    if shown is not None and page is Page.COMPARE:  # the chart draws the listed teams: its range first
        parts.append(stretch_links(page, unit, shown, above=True))
    parts.append(
        html.Figure(
            [
                dcc.Graph(figure=view.figure, id="kindred-figure", config=GRAPH_CONFIG),
                html.Figcaption(view.reading or caption, className="visually-hidden"),
            ],
            style={"margin": 0},
            **_aria((caption if page is Page.COMPARE else view.caption) or page.heading),
        )
    )
    if page is Page.ACT:
        # The heatmap has no colour bar (it squeezed the cells on a phone): its key is this sentence.
        teams = len(view.table.rows)
        drawn = (
            f"The chart shows the {HEATMAP_TEAMS} teams most in need of {teams}; "
            + (
                f"the table below lists every team, {TEAMS_PER_PAGE} at a time. "
                if teams > TEAMS_PER_PAGE
                else "every team is in the table below. "
            )
            if teams > HEATMAP_TEAMS
            else ""
        )
        parts.append(
            dmc.Text(
                f"{drawn}Orange: needs attention (for stress, a high score). Purple: doing well. ▲ or ▼: "
                "a change since the week before, marked only beyond the noise of the team's size.",
                size="sm",
                c="gray.7",
                id="heatmap-key",
            )
        )
    if view.steps:
        parts.append(steps_section(view.steps))
    parts.append(dmc.Title("The numbers", order=2, size="h4", mt="lg", mb="xs"))
    rows = view.table
    if shown is not None:
        if page is Page.ACT:  # the heatmap above draws the teams most in need, whichever are listed
            parts.append(stretch_links(page, unit, shown, above=True))
        rows = Table(rows.columns, rows.rows[shown.start : shown.end])
    parts.append(
        table(
            rows,
            caption,
            by_question=page is Page.QUESTIONS,
            by_kind=page is Page.ENGAGEMENT,
            fold_after=PHONE_CARDS.get(page),
        )
    )
    if shown is not None:
        parts.append(stretch_links(page, unit, shown))
    download = f"Download all {shown.total} teams (CSV)" if shown is not None else "Download this table (CSV)"
    parts.append(dmc.Anchor(download, href=export_href(page, unit), id="kindred-export", refresh=True))
    if view.comments is not None or view.comments_note:
        parts.append(dmc.Title("Comments from the latest week", order=2, size="h4", mt="lg"))
        if view.comments is not None:
            parts.append(
                html.Ul([html.Li(c) for c in view.comments] or [html.Li("No comments.")], id="comments")
            )
        else:
            parts.append(dmc.Text(view.comments_note, id="comments-note"))
    if view.notes is not None:
        parts.append(view.notes)
    return parts


def steps_section(steps: list[NextStep]) -> Component:
    """One card per gap: the teams whose weakest kind of support it is, and the steps, said once."""
    return html.Section(
        [
            dmc.Title("Suggested next steps", order=2, size="h4", mt="lg", mb="xs"),
            dmc.SimpleGrid(
                [
                    dmc.Paper(
                        [
                            dmc.Text(group.gap, fw=600, mb=4),
                            html.Ul(
                                [html.Li(a) for a in group.actions],
                                style={"margin": 0, "paddingLeft": "1.2rem"},
                            ),
                        ],
                        withBorder=True,
                        p="sm",
                        radius="md",
                    )
                    for group in grouped(steps)
                ],
                cols={"base": 1, "md": 2},
            ),
        ],
        id="next-steps",
    )


def table(
    data: Table,
    caption: str = "",
    *,
    by_question: bool = False,
    by_kind: bool = False,
    fold_after: int | None = None,
) -> Component:
    """The numbers twice: a table from the `sm` breakpoint up, and on a phone the same rows as cards.

    A seven-to-ten-column table does not fit 390 pixels without cutting or sideways scrolling, so below
    `sm` each row becomes a card of labelled values (the Questions page: one fold per question; the
    engagement page: a section per kind of row). With `fold_after`, the cards after the first that many
    wait behind a "Show the other …" fold.
    """
    if by_question:
        phone = question_folds(data, caption)
    elif by_kind:
        phone = engagement_cards(data, caption)
    else:
        phone = cards(data, caption, fold_after)
    return html.Div(
        [
            dmc.Box(wide_table(data, caption), visibleFrom="sm"),
            dmc.Box(phone, hiddenFrom="sm", id="kindred-cards"),
        ],
        style={"marginBottom": "var(--mantine-spacing-xs)"},
    )


def wide_table(data: Table, caption: str) -> Component:
    """An accessible table: a caption, column headers with scope, each row headed by its name (the first
    cell, or the team after a rank); a row's note spans the empty cells before it (see `_wide_row`)."""
    header_at = 1 if data.columns[:1] == ("Rank",) else 0
    note_at = len(data.columns) - 1 if data.columns[-1:] == ("Note",) else None
    return html.Div(
        dmc.Table(
            [
                html.Caption(caption or "Table", style={"textAlign": "left", "captionSide": "top"}),
                html.Thead(html.Tr([html.Th(c, scope="col") for c in data.columns])),
                html.Tbody([_wide_row(row, header_at, note_at) for row in data.rows]),
            ],
            id="kindred-table",
            striped=True,
            highlightOnHover=True,
            fz="sm",
        ),
        style={"overflowX": "auto"},
        tabIndex=0,
        role="region",
        **_aria(caption or "Table"),
    )


def _wide_row(row: tuple[str, ...], header_at: int, note_at: int | None) -> Component:
    """One row; when it has a note, the note spans the empty cells just before it (the numbers it says
    are hidden), under all their column headers, instead of squeezing into the last column beside a
    stretch of blanks. The CSV keeps one value a column."""
    span_from = len(row)
    if note_at is not None and row[note_at]:
        span_from = note_at
        while span_from - 1 > header_at and not row[span_from - 1]:
            span_from -= 1
    cells: list[Component] = [
        html.Th(v, scope="row") if i == header_at else html.Td(v) for i, v in enumerate(row[:span_from])
    ]
    if span_from < len(row):
        cells.append(html.Td(row[-1], colSpan=len(row) - span_from, className="kindred-row-note"))
    return html.Tr(cells)


def _hidden_sentence(note: str) -> str:
    """A row's note as a sentence. A hidden row's reason starts by saying it is hidden; a note on a row
    that is shown (peer support's "counted in steps of 5") is a sentence of its own, not called hidden."""
    sentence = queries.note_cell(note)
    return sentence if "hidden" in note.lower() or sentence.endswith(".") else f"{sentence}."


def cards(data: Table, caption: str, fold_after: int | None = None) -> Component:
    """Each row as a card: its name as the title, then every shown value under its column's label.

    A hidden row keeps its card and says why it is hidden instead of a list of blanks. With
    `fold_after`, only the first that many cards are open (on "Where to act", the teams most in need);
    the others are one tap away, in the page, so the whole table is still there to read and search.
    """
    columns = list(data.columns)
    ranked = columns[0] == "Rank"  # "Where to act": the card is the team, its rank a prefix
    # A first column that repeats is a kind ("Peer support", "Resource group"): a line above the name.
    kinds = not ranked and len({row[0] for row in data.rows}) < len(data.rows) and len(columns) > 1
    items = [card(columns, row, ranked=ranked, kinds=kinds) for row in data.rows]
    shown: list[Component] = [html.Ul(items, className="kindred-cards")]
    # Folding away one or two cards would hide less than the fold itself takes.
    if fold_after is not None and len(items) > fold_after + 2:
        noun = "teams" if ranked or columns[0] == "Team" else "rows"
        rest = items[fold_after:]
        shown = folded(items[:fold_after], rest, f"Show the other {len(rest)} {noun}")
    return html.Section(
        [dmc.Text(caption, size="sm", mb="xs"), *shown],
        **_aria(caption or "Table"),
    )


def card(
    columns: list[str],
    row: tuple[str, ...],
    *,
    ranked: bool = False,
    kinds: bool = False,
    kind_line: bool = True,
) -> Component:
    """One row as a card: a ranked row titled "3. Payments", a row of a kind titled by its second column
    under a line naming the kind (unless `kind_line` is off: a heading above says it), any other by its
    first column; a hidden row says why instead of facts."""
    title_at = 1 if ranked or kinds else 0
    note_at = columns.index("Note") if "Note" in columns else None
    title = f"{row[0]}. {row[1]}" if ranked and row[0] else row[title_at]
    note = row[note_at] if note_at is not None else ""
    facts = [
        html.Div([html.Dt(columns[i]), html.Dd(value)])
        for i, value in enumerate(row)
        if value and i not in (0, title_at, note_at)
    ]
    body: list[Component] = [dmc.Text(row[0], size="xs", c="gray.7")] if kinds and kind_line else []
    body.append(dmc.Text(title, fw=600, size="md", className="kindred-card-title"))
    if facts:
        body.append(html.Dl(facts, className="kindred-facts"))
    if note:
        body.append(dmc.Text(_hidden_sentence(note), size="sm", c="gray.7", className="kindred-card-note"))
    return html.Li(dmc.Paper(body, withBorder=True, p="sm", radius="md"), className="kindred-card")


def folded(shown: list[Component], rest: list[Component], label: str) -> list[Component]:
    """Cards open on the page, then the rest behind one fold ("Show the other 20 teams"), still in the
    page: every card of a ranking, of a kind of row, waits one tap away under the same control."""
    parts: list[Component] = [html.Ul(shown, className="kindred-cards")] if shown else []
    if rest:
        parts.append(
            dmc.Accordion(
                dmc.AccordionItem(
                    [
                        dmc.AccordionControl(label),
                        dmc.AccordionPanel(html.Ul(rest, className="kindred-cards")),
                    ],
                    value="rest",
                ),
                variant="separated",
                mt="xs",
                className="kindred-more-cards",
            )
        )
    return parts


def engagement_cards(data: Table, caption: str) -> Component:
    """The engagement table on a phone: a section per kind of row, what a leader reads first open.

    Every round and every month as a card was about seventeen cards before anything else. Open: the
    latest peer-support round, and each group's members (the first few); the earlier rounds and the
    joins month by month wait behind the same fold as a long ranking's.
    """
    columns = list(data.columns)
    by_kind: dict[str, list[Component]] = {}
    for row in data.rows:
        by_kind.setdefault(row[0], []).append(card(columns, row, kinds=True, kind_line=False))
    sections: list[Component] = []
    for kind, items in by_kind.items():
        if kind == queries.PAIRED:  # rounds oldest first: the latest is the last
            shown, rest = items[-1:], items[:-1]
            label = f"Show the {len(rest)} earlier rounds" if len(rest) > 1 else "Show the earlier round"
        elif kind == queries.JOINED:
            shown, rest = [], items
            label = f"Show how many people joined, by group and month ({len(rest)})"
        else:
            fold_after = PHONE_CARDS_OF_A_KIND if len(items) > PHONE_CARDS_OF_A_KIND + 2 else len(items)
            shown, rest = items[:fold_after], items[fold_after:]
            label = f"Show the other {len(rest)} groups"
        sections.append(
            html.Section(
                [dmc.Title(kind, order=3, size="h5", mt="sm", mb="xs"), *folded(shown, rest, label)],
                **_aria(kind),
            )
        )
    return html.Section([dmc.Text(caption, size="sm", mb="xs"), *sections], **_aria(caption or "Table"))


def question_folds(data: Table, caption: str) -> Component:
    """The Questions table on a phone: one fold per question, each a five-answer table by week.

    Thirty-odd rows of nine columns are unreadable on a phone; a question at a time, weeks down and
    the five answers across, fits 390 pixels and keeps the counts side by side for comparison.
    """
    by_question: dict[str, list[tuple[str, ...]]] = {}
    for row in data.rows:
        by_question.setdefault(row[1], []).append(row)
    one_year = len({row[0].split()[-1] for row in data.rows}) <= 1
    folds: list[Component] = []
    for question, rows in by_question.items():
        scale = "1 least stressed … 5 most stressed" if question == "Stress" else "1 worst … 5 best"
        body = [
            html.Tr(
                [
                    html.Th(_short_week(row[0]) if one_year else row[0], scope="row"),
                    *(html.Td(v) for v in row[2:8]),
                ]
                if row[7]
                else [
                    html.Th(_short_week(row[0]) if one_year else row[0], scope="row"),
                    html.Td(_hidden_sentence(row[8]), colSpan=6, className="kindred-card-note"),
                ]
            )
            for row in rows
        ]
        folds.append(
            dmc.AccordionItem(
                [
                    dmc.AccordionControl(question),
                    dmc.AccordionPanel(
                        dmc.Table(
                            [
                                html.Caption(
                                    f"{question}: people per answer ({scale})",
                                    style={"textAlign": "left", "captionSide": "top"},
                                ),
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th(h, scope="col")
                                            for h in ("Week", "1", "2", "3", "4", "5", "Total")
                                        ]
                                    )
                                ),
                                html.Tbody(body),
                            ],
                            fz="sm",
                            striped=True,
                            horizontalSpacing=4,
                            verticalSpacing=8,
                            className="kindred-folds",
                        )
                    ),
                ],
                value=question,
            )
        )
    first = next(iter(by_question), None)
    return html.Section(
        [
            dmc.Text(caption + " Tap a question to see its weeks.", size="sm", mb="xs"),
            dmc.Accordion(folds, multiple=True, value=[first] if first else [], variant="separated"),
        ],
        **_aria(caption or "Table"),
    )


def _short_week(label: str) -> str:
    """ "26 Oct 2026" as "26 Oct", when every week is in one year: the year would wrap on a phone."""
    parts = label.split()
    return " ".join(parts[:2]) if len(parts) == 3 else label


def privacy_note(minimum: int) -> str:
    return (
        f"Only totals are shown, and nothing from a group with fewer than {minimum} answers. A group can "
        "also be hidden when showing it would let a smaller group's answers be worked out from the totals "
        "around it."
    )


def shell(
    page: Page | None, name: str, gate: Gate | None, unit: UnitKey | None, body: list[Component]
) -> Component:
    """The frame around every page: a header, the navigation (a drawer on a phone) and the main column."""
    links: list[Component] = []
    if gate is not None:
        for target in pages_for(gate):
            links.append(
                dmc.NavLink(
                    label=target.heading,
                    description=target.description,
                    href=href(target, carried(gate, target, unit)),
                    active=target is page,
                    id=f"tab-{target.value}",
                )
            )
    minimum = current_context().settings.min_group_size
    account = [
        dmc.Text(f"Signed in as {name}", size="sm") if name else None,
        dmc.Anchor("Sign out", href=f"{BASE}logout", id="sign-out", refresh=True, size="sm"),
    ]
    heading = page.heading if page else "Kindred"
    subtitle = (
        gate.name(unit)
        if gate is not None and unit is not None
        else ("My teams" if page in SIDE_BY_SIDE else "")
    )
    frame: Component = dmc.AppShell(
        [
            dmc.AppShellHeader(
                dmc.Group(
                    [
                        dmc.Group(
                            [
                                dmc.Button(
                                    "Menu",
                                    id="kindred-menu",
                                    variant="subtle",
                                    hiddenFrom="sm",
                                    size="compact-md",
                                    n_clicks=0,
                                ),
                                dmc.Anchor(
                                    "Kindred", href=BASE, fw=700, size="lg", c="dark", underline="never"
                                ),
                            ],
                            gap="xs",
                        ),
                        dmc.Group([a for a in account if a is not None], gap="sm", visibleFrom="sm"),
                    ],
                    justify="space-between",
                    h="100%",
                    px="md",
                ),
            ),
            dmc.AppShellNavbar(
                [
                    html.Nav(links, **_aria("Dashboard pages")),
                    dmc.Stack([a for a in account if a is not None], gap=4, hiddenFrom="sm", mt="md"),
                ],
                p="sm",
            ),
            dmc.AppShellMain(
                dmc.Container(
                    [
                        html.H1(heading, className="kindred-title"),
                        dmc.Text(subtitle, size="lg", c="gray.7", mb="md", id="unit-name")
                        if subtitle
                        else None,
                        *body,
                        dmc.Text(
                            privacy_note(minimum),
                            size="sm",
                            c="gray.7",
                            mt="xl",
                            id="privacy-note",
                        ),
                    ],
                    size="lg",
                    px={"base": 0, "sm": "md"},
                ),
            ),
        ],
        id="kindred-shell",
        header={"height": 56},
        navbar={"width": 250, "breakpoint": "sm", "collapsed": {"mobile": True}},
        padding="md",
    )
    return frame
