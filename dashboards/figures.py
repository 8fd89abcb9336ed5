"""Pure figure builders: data from `dashboards.queries` in, a Plotly figure out. No database, no request.

Colours are colour-blind safe (Okabe-Ito for categories, a red-blue diverging scale for 1-5 answers).
A hidden value is never drawn as zero: it leaves a gap, marked with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go

from dashboards.queries import (
    HIGHER_IS_WORSE,
    MEASURES,
    QUESTION_LABELS,
    SUPPORT_KINDS,
    CompareData,
    LandscapeData,
    Measure,
    OverviewData,
    QuestionsData,
    WeekPoint,
    week_label,
)
from slackapp.privacy.gate import Engagement

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Answers coloured by what they mean, worst to best, for every question alike (stress turned round), so
# "red" is always the worrying end. Red-blue stays readable with the common colour-vision deficiencies.
WORST_TO_BEST = ("#CA0020", "#F4A582", "#BABABA", "#92C5DE", "#0571B0")
DIVERGING = WORST_TO_BEST  # 1 (worst) to 5 (best) for questions where higher is better
# The heatmap: orange (needs attention) to blue (doing well), through white; safe for colour-blind readers.
NEED_SCALE = [[0.0, "#B35806"], [0.25, "#F1A340"], [0.5, "#F7F7F7"], [0.75, "#998EC3"], [1.0, "#542788"]]
HIDDEN_MARK = "#6b6b6b"
# How every chart marks a value it does not show: a grey cross where the point or bar would be.
HIDDEN_MARKER = {"symbol": "x-thin-open", "size": 12, "color": HIDDEN_MARK, "line": {"width": 2}}
WELLBEING_LINE = "#0B4F8A"
PARTICIPATION_BARS = "#D9D9D9"
FONT = {"family": "Inter, system-ui, -apple-system, Segoe UI, sans-serif", "size": 13}
SHORT_LABELS = {
    "wellbeing": "Well-being",
    "stress": "Stress",
    "emotional": "Listen",
    "practical": "Practical",
    "advice": "Advice",
    "belonging": "Belonging",
}


def _base(title: str, height: int = 420, unit: str = "") -> go.Figure:
    """A figure in the dashboard's style. The unit's name is the page's subtitle, not the chart's title
    (a long name would be cut on a phone); it is kept in the layout's meta for tests and exports."""
    figure = go.Figure()
    figure.update_layout(
        meta={"unit": unit},
        title={"text": title, "x": 0, "font": {"size": 15}},
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.15, "x": 0},
    )
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


# Where a tall figure's key goes: at the top, under its title and above the charts, so it is on screen
# with the first of them (at the bottom of fifty teams or six charts it was a long scroll away). Placed in
# pixels from the top, which the figure's height turns into fractions; Plotly keeps what is below the
# key (the scale's numbers, the charts) below it, however many lines the key wraps to on a phone.
TITLE_TOP = 12  # pixels from the figure's top to its title
KEY_TOP = 38  # ... and to its key, under the title


def _top_title(height: int) -> dict[str, object]:
    return {"yref": "container", "y": 1 - TITLE_TOP / height, "yanchor": "top"}


def _top_legend(height: int) -> dict[str, object]:
    """A horizontal key at the top of a figure `height` pixels tall. Each trace is its own legend group
    (traceorder "grouped"), so on a phone the entries flow several to a line, each as wide as its words,
    instead of one under another in columns as wide as the longest."""
    return {
        "orientation": "h",
        "traceorder": "grouped",
        "tracegroupgap": 0,
        "xref": "container",
        "yref": "container",
        "x": 0,
        "y": 1 - KEY_TOP / height,
        "yanchor": "top",
        "borderwidth": 4,  # transparent: a little air between the key and what is below it
        "bordercolor": "rgba(0,0,0,0)",
    }


def _mark_hidden(figure: go.Figure, weeks: list[str], reasons: list[str], y: float, yaxis: str = "y") -> None:
    """Say, at each hidden week, why nothing is drawn there (each in its own publication's words)."""
    if not weeks:
        return
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=[y] * len(weeks),
            mode="markers",
            marker=HIDDEN_MARKER,
            name="Hidden week",
            customdata=reasons,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            yaxis=yaxis,
        )
    )


def short_week(week: date) -> str:
    """ "21 Sep": short enough for a phone's axis, never cut ("21 Se")."""
    return f"{week.day} {week:%b}"


def make_overview_figure(data: OverviewData) -> go.Figure:
    """Well-being over weeks with its 95% band, drawn above participation bars; weeks in date order."""
    figure = _base("Well-being and participation", unit=data.unit_name)
    weeks = [short_week(p.week) for p in data.weeks]
    # Participation on the base axis, well-being on the overlaying one: an overlaying axis is drawn on top.
    figure.add_trace(
        go.Bar(
            x=weeks,
            y=[None if p.participation is None else p.participation * 100 for p in data.weeks],
            marker={"color": PARTICIPATION_BARS},
            name="Participation (%)",
            customdata=[[p.respondents, p.invited] for p in data.weeks],
            hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    # The band is drawn per run of shown weeks: one polygon over a hidden week would draw a range there.
    band_x: list[str | None] = []
    band_y: list[float | None] = []
    for run in _runs(data.weeks):
        if band_x:
            band_x.append(None)
            band_y.append(None)
        band_x += [short_week(p.week) for p in run] + [short_week(p.week) for p in reversed(run)]
        band_y += [p.high for p in run] + [p.low for p in reversed(run)]
    figure.add_trace(
        go.Scatter(
            x=band_x,
            y=band_y,
            fill="toself",
            fillcolor="rgba(11,79,138,0.15)",
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            name="95% range of the average",
            yaxis="y2",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=[p.wellbeing for p in data.weeks],
            mode="lines+markers",
            connectgaps=False,
            line={"color": WELLBEING_LINE, "width": 3},
            marker={"size": 8},
            name="Well-being (1–5)",
            customdata=[p.respondents for p in data.weeks],
            hovertemplate="%{x}: %{y:.1f} from %{customdata} answers<extra></extra>",
            yaxis="y2",
        )
    )
    hidden = [p for p in data.weeks if p.wellbeing is None]
    _mark_hidden(
        figure,
        [short_week(p.week) for p in hidden],
        [p.note or data.hidden_reason for p in hidden],
        1.3,
        "y2",
    )
    figure.update_layout(
        yaxis={"title": "Participation (%)", "range": [0, 100], "side": "right", "showgrid": False},
        yaxis2={
            "title": "Well-being (1–5)",
            "range": [1, 5],
            # Whole answers: left to itself the axis lined its ticks up with the bars' (1.8, 2.6, 3.4 …).
            "tickvals": [1, 2, 3, 4, 5],
            "overlaying": "y",
            "side": "left",
            "gridcolor": "#eee",
        },
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": weeks},
    )
    return figure


def _runs(weeks: Sequence[WeekPoint]) -> list[list[WeekPoint]]:
    """The weeks whose well-being is shown, in runs of consecutive weeks (a hidden week ends a run)."""
    runs: list[list[WeekPoint]] = [[]]
    for point in weeks:
        if point.wellbeing is None or point.low is None or point.high is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def make_questions_figure(data: QuestionsData) -> go.Figure:
    """One row of small stacked bars per question: the share of each answer per week, in date order.

    Bars are coloured by meaning (red the worrying end, blue the good end) for every question, stress
    included, and the legend says so in words; a hidden week keeps its place and is marked.
    """
    from plotly.subplots import make_subplots

    count = max(1, len(data.questions))
    height = 200 + 150 * count
    figure = make_subplots(
        rows=count,
        cols=1,
        shared_xaxes=False,
        vertical_spacing=min(0.08, 0.5 / count),
        # Room above each chart for its title, the first one's under the key (as a fraction of the
        # charts' height; every chart alike, so all are drawn the same height).
        specs=[[{"t": 16 / (height - 200)}] for _ in range(count)],
        subplot_titles=[
            q.label + (" (5 = most stressed)" if q.key in HIGHER_IS_WORSE else "") for q in data.questions
        ],
    )
    meaning = ("Worst (1; stress 5)", "2 (stress 4)", "3", "4 (stress 2)", "Best (5; stress 1)")
    for row, question in enumerate(data.questions, start=1):
        weeks = [short_week(w.week) for w in question.weeks]
        for rank in range(5):  # worst to best
            value = 5 - rank if question.key in HIGHER_IS_WORSE else rank + 1
            ys: list[float | None] = []
            counts: list[int | None] = []
            for week in question.weeks:
                if week.counts is None:
                    ys.append(None)
                    counts.append(None)
                    continue
                total = sum(week.counts) or 1
                ys.append(week.counts[value - 1] / total * 100)
                counts.append(week.counts[value - 1])
            figure.add_trace(
                go.Bar(
                    x=weeks,
                    y=ys,
                    name=meaning[rank],
                    legendgroup=str(rank),
                    showlegend=row == 1,
                    marker={"color": WORST_TO_BEST[rank]},
                    customdata=counts,
                    hovertemplate=f"{question.label}, %{{x}}: answered {value}: %{{customdata}} "
                    "(%{y:.0f}%)<extra></extra>",
                ),
                row=row,
                col=1,
            )
        hidden = [short_week(w.week) for w in question.weeks if w.counts is None]
        if hidden:
            figure.add_trace(
                go.Scatter(
                    x=hidden,
                    y=[50] * len(hidden),
                    mode="markers",
                    marker=HIDDEN_MARKER,
                    name="Hidden week",
                    legendgroup="hidden",
                    showlegend=False,
                    hovertemplate=f"{data.hidden_reason}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        figure.update_xaxes(type="category", categoryorder="array", categoryarray=weeks, row=row, col=1)
        figure.update_yaxes(range=[0, 100], ticksuffix="%", nticks=3, row=row, col=1)
    figure.update_layout(
        title={"text": "Answers by question", "x": 0, "font": {"size": 15}, **_top_title(height)},
        meta={"unit": data.unit_name},
        font=FONT,
        barmode="stack",
        height=height,
        margin={"l": 10, "r": 10, "t": 20, "b": 40},
        plot_bgcolor="white",
        paper_bgcolor="white",
        # The key above the first chart, not under the sixth: on a phone that was a long scroll away.
        legend={
            "title": {"text": "Answer, worst to best:", "side": "top"},
            **_top_legend(height),
        },
    )
    figure.update_annotations(font={"size": 13}, x=0, xanchor="left")
    return figure


def make_landscape_figure(data: LandscapeData) -> go.Figure:
    """The four kinds of support as a radar: the unit against the levels above it."""
    title = "Support landscape"
    if data.week is not None:
        title += f", week of {short_week(data.week)}"
    figure = _base(title, height=460, unit=data.team_name)
    labels = [SHORT_LABELS[k] for k in SUPPORT_KINDS]
    for index, group in enumerate(data.groups):
        values = [group.scores[k] for k in SUPPORT_KINDS]
        if all(v is None for v in values):
            continue
        figure.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=[*labels, labels[0]],
                name=group.name,
                line={
                    "color": (WELLBEING_LINE, OKABE_ITO[1], OKABE_ITO[2])[index % 3],
                    "width": 3,
                    "dash": "solid" if index == 0 else "dot",
                },
                connectgaps=False,
                hovertemplate="%{theta}: %{r:.1f}<extra>" + group.name + "</extra>",
            )
        )
    hidden = [g.name for g in data.groups if any(v is None for v in g.scores.values())]
    if hidden:
        figure.add_annotation(
            text=f"{', '.join(hidden)}: hidden",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.12,
            font={"color": HIDDEN_MARK},
        )
    figure.update_layout(
        # The scale's numbers run between two spokes (45°), not along "Listen", where they overlapped it.
        polar={
            "radialaxis": {"range": [1, 5], "tickvals": [1, 2, 3, 4, 5], "angle": 45, "tickangle": 45},
            "domain": {"x": [0.1, 0.9]},
        },
        margin={"l": 30, "r": 30, "t": 60, "b": 60},
    )
    return figure


def make_compare_figure(data: CompareData, start: int = 0, end: int | None = None) -> go.Figure:
    """Teams by need (most in need at the top), every measure as a dot on one 1–5 scale.

    Args:
        data: every team of the scope, by need.
        start, end: the stretch of the ranking to draw (from 0; `end` None: to the last team), as the
            page's table lists it. The page says which teams these are, right above the chart: a title
            that said it too ran into the axis title on a phone.
    """
    rows = data.rows[start:end]
    figure = _base("Teams by need", height=max(400, 160 + 30 * len(rows)), unit=data.scope_name)
    names = [r.name for r in rows]
    symbols = ("circle", "diamond", "square", "triangle-up", "cross", "star")
    for index, key in enumerate(MEASURES):
        figure.add_trace(
            go.Scatter(
                y=names,
                x=[r.scores[key] for r in rows],
                mode="markers",
                marker={"color": OKABE_ITO[index], "symbol": symbols[index], "size": 11},
                name=SHORT_LABELS[key] + (" (lower is better)" if key in HIGHER_IS_WORSE else ""),
                legendgroup=key,
                hovertemplate="%{y}: %{x:.1f}<extra>" + QUESTION_LABELS[key] + "</extra>",
            )
        )
    hidden = [r.name for r in rows if r.respondents is None]
    if hidden:
        figure.add_trace(
            go.Scatter(
                y=hidden,
                x=[1.1] * len(hidden),
                mode="markers",
                marker=HIDDEN_MARKER,
                name="Hidden",
                legendgroup="hidden",
                hovertemplate=f"%{{y}}: {data.hidden_reason}<extra></extra>",
            )
        )
    height = int(figure.layout.height)
    figure.update_layout(
        title=_top_title(height),
        xaxis={"range": [1, 5], "title": "Average (1–5)", "gridcolor": "#eee", "side": "top"},
        yaxis={"autorange": "reversed", "type": "category", "categoryorder": "array", "categoryarray": names},
        legend=_top_legend(height),
        margin={"l": 10, "r": 10, "t": 20, "b": 40},
    )
    return figure


# "Where to act" draws the teams most in need, not every team: 500 rows is a 20,000-pixel chart nobody
# reads (and a phone's scroll that never ends). Every team stays in the table below it and in the CSV.
HEATMAP_TEAMS = 15


def make_act_heatmap(data: CompareData, most: int = HEATMAP_TEAMS) -> go.Figure:
    """The `most` teams most in need × the six measures, coloured from "needs attention" to "doing well".

    Each cell says its value; a change since the team's previous week is written only when it is beyond
    the noise of the team's size (an arrow and the amount). Hidden teams (ranked last) keep their row,
    marked, when they are among the first `most`.
    """
    rows = data.rows[:most]
    # A hidden team says so once, in its row's name: six "hidden" words side by side overlap on a phone.
    names = [f"{r.name} (hidden)" if r.respondents is None else r.name for r in rows]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for row in rows:
        z_row: list[float | None] = []
        t_row: list[str] = []
        h_row: list[str] = []
        for key in MEASURES:
            measure = (row.measures or {}).get(key, Measure(row.scores.get(key)))
            if measure.value is None:
                z_row.append(None)
                t_row.append("" if row.respondents is None else "–")
                h_row.append(f"hidden: {row.note or data.hidden_reason}" if row.respondents is None else "–")
                continue
            goodness = (5 - measure.value) / 4 if key in HIGHER_IS_WORSE else (measure.value - 1) / 4
            z_row.append(goodness)
            label = f"{measure.value:.1f}"
            if measure.changed and measure.change is not None:
                label += f"<br>{'▲' if measure.change > 0 else '▼'}{abs(measure.change):.1f}"
            t_row.append(label)
            h_row.append(label)
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    columns = [SHORT_LABELS[k] for k in MEASURES]
    # The page's heading names the chart; the figure keeps its height for the rows and column labels.
    figure = _base("", height=max(260, 90 + 40 * len(names)), unit=data.scope_name)
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=columns,
            y=names,
            text=text,
            customdata=hover,
            texttemplate="%{text}",
            textfont={"size": 12},
            colorscale=NEED_SCALE,
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            showscale=False,
            hovertemplate="%{y}, %{x}: %{customdata}<extra></extra>",
            hoverongaps=True,
        )
    )
    figure.update_layout(
        # No grid: through the hidden teams' blank grey rows it drew lines that looked like cells. The
        # measures' names lie flat when the columns are wide and stand upright on a phone, where at
        # Plotly's default slant (30°) they ran into each other.
        xaxis={
            "side": "top",
            "type": "category",
            "fixedrange": True,
            "showgrid": False,
            "autotickangles": [0, 90],
        },
        yaxis={"autorange": "reversed", "type": "category", "fixedrange": True, "showgrid": False},
        plot_bgcolor="#e9ecef",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        title=None,
    )
    return figure


def make_engagement_figure(data: Engagement, min_group_size: int) -> go.Figure:
    """Peer support per round: people paired and how many of them met, each in steps of the minimum group
    size (slackapp/pairing/stats.py), as bars up to the step ("at least 10"). A count under the minimum is
    marked, never drawn as zero; a running round's meetings are not counted yet, and not marked."""
    figure = _base("Peer support: people paired and how many met", height=360)  # short enough for a phone
    one_programme = len({r.channel_id for r in data.pairing}) == 1
    labels = [
        f"Round {r.round_number}" if one_programme else f"#{r.channel_id} · {r.round_number}"
        for r in data.pairing
    ]
    if not labels:
        figure.add_annotation(
            text="No peer-support rounds yet",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 16, "color": HIDDEN_MARK},
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        return figure
    weeks = [week_label(r.slot.date()) for r in data.pairing]
    series = (
        ("People paired", [r.taking_part for r in data.pairing], OKABE_ITO[0]),
        ("Met their group", [r.met for r in data.pairing], OKABE_ITO[5]),
    )
    small: list[tuple[str, str]] = []
    for name, steps, colour in series:
        figure.add_trace(
            go.Bar(
                x=labels,
                y=[step.low if step is not None and step.low else None for step in steps],
                name=f"{name} (at least)",
                marker={"color": colour},
                customdata=[[w, "" if s is None else s.text()] for w, s in zip(weeks, steps, strict=True)],
                hovertemplate=f"%{{x}}, week of %{{customdata[0]}}: %{{customdata[1]}} {name.lower()}"
                "<extra></extra>",
            )
        )
        small += [(x, name) for x, s in zip(labels, steps, strict=True) if s is not None and not s.low]
    if small:
        figure.add_trace(
            go.Scatter(
                x=[label for label, _name in small],
                y=[0] * len(small),
                mode="markers",
                marker=HIDDEN_MARKER,
                name=f"Fewer than {min_group_size} (not shown exactly)",
                customdata=[name.lower() for _label, name in small],
                hovertemplate=f"%{{x}}: fewer than {min_group_size} %{{customdata}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    figure.update_yaxes(rangemode="tozero", title=f"People (in steps of {min_group_size})")
    return figure
