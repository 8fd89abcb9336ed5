"""Pure figure builders: data from `dashboards.queries` in, a Plotly figure out. No database, no request.

Colours are colour-blind safe (Okabe-Ito for categories, a red-blue diverging scale for 1-5 answers).
A hidden value is never drawn as zero: it leaves a gap, marked with the reason.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.queries import (
    HIGHER_IS_WORSE,
    QUESTION_LABELS,
    SUPPORT_KINDS,
    CompareData,
    LandscapeData,
    OverviewData,
    QuestionsData,
    week_label,
)
from slackapp.privacy.gate import Engagement

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# 1 (worst) to 5 (best) for questions where higher is better; reversed for stress.
DIVERGING = ("#CA0020", "#F4A582", "#BABABA", "#92C5DE", "#0571B0")
HIDDEN_MARK = "#6b6b6b"
FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 14}


def _base(title: str, height: int = 420) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "x": 0},
        font=FONT,
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def _mark_hidden(figure: go.Figure, weeks: list[str], reasons: list[str], y: float, yaxis: str = "y") -> None:
    """Say, at each hidden week, why nothing is drawn there (each week its own reason)."""
    if not weeks:
        return
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=[y] * len(weeks),
            mode="markers",
            marker={"symbol": "x-thin-open", "size": 12, "color": HIDDEN_MARK, "line": {"width": 2}},
            name="Hidden",
            customdata=reasons,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            yaxis=yaxis,
        )
    )


def make_overview_figure(data: OverviewData) -> go.Figure:
    """Well-being over weeks with its 95% band, and participation on a second axis."""
    figure = _base(f"{data.unit_name}: well-being and participation")
    weeks = [week_label(p.week) for p in data.weeks]
    shown = [p for p in data.weeks if p.wellbeing is not None]
    x_shown = [week_label(p.week) for p in shown]
    figure.add_trace(
        go.Scatter(
            x=x_shown + x_shown[::-1],
            y=[p.high for p in shown] + [p.low for p in shown][::-1],
            fill="toself",
            fillcolor="rgba(0,114,178,0.15)",
            line={"width": 0},
            hoverinfo="skip",
            name="95% range of the average",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=[p.wellbeing for p in data.weeks],
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO[0], "width": 3},
            name="Well-being (1–5)",
            customdata=[p.respondents for p in data.weeks],
            hovertemplate="%{x}: %{y:.1f} from %{customdata} answers<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=weeks,
            y=[None if p.participation is None else p.participation * 100 for p in data.weeks],
            marker={"color": OKABE_ITO[1], "opacity": 0.45},
            name="Participation (%)",
            yaxis="y2",
            customdata=[[p.respondents, p.invited] for p in data.weeks],
            hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    hidden = [p for p in data.weeks if p.wellbeing is None]
    _mark_hidden(
        figure, [week_label(p.week) for p in hidden], [p.note or data.hidden_reason for p in hidden], 1.2
    )
    figure.update_layout(
        yaxis={"title": "Well-being (1–5)", "range": [1, 5], "gridcolor": "#eee"},
        yaxis2={"title": "Participation (%)", "range": [0, 100], "overlaying": "y", "side": "right"},
        xaxis={"type": "category"},
    )
    return figure


def make_questions_figure(data: QuestionsData) -> go.Figure:
    """Stacked 1-5 answers per question and week (as shares, with counts on hover)."""
    figure = _base(f"{data.unit_name}: answers by question", height=520)
    for value in range(1, 6):
        xs: list[list[str]] = [[], []]
        ys: list[float] = []
        counts: list[int] = []
        colours: list[str] = []
        for question in data.questions:
            for week in question.weeks:
                if week.counts is None:
                    continue
                total = sum(week.counts) or 1
                xs[0].append(question.label)
                xs[1].append(week_label(week.week))
                ys.append(week.counts[value - 1] / total * 100)
                counts.append(week.counts[value - 1])
                palette = DIVERGING[::-1] if question.key in HIGHER_IS_WORSE else DIVERGING
                colours.append(palette[value - 1])
        figure.add_trace(
            go.Bar(
                x=xs,
                y=ys,
                name=str(value),
                marker={"color": colours},
                customdata=counts,
                hovertemplate=f"answered {value}: %{{customdata}} (%{{y:.0f}}%)<extra></extra>",
            )
        )
    hidden_x: list[list[str]] = [[], []]
    hidden_notes: list[str] = []
    for question in data.questions:
        for week in question.weeks:
            if week.counts is None:
                hidden_x[0].append(question.label)
                hidden_x[1].append(week_label(week.week))
                hidden_notes.append(week.note or data.hidden_reason)
    if hidden_x[0]:
        figure.add_trace(
            go.Scatter(
                x=hidden_x,
                y=[50] * len(hidden_x[0]),
                mode="markers",
                marker={"symbol": "x-thin-open", "size": 12, "color": HIDDEN_MARK, "line": {"width": 2}},
                name="Hidden",
                customdata=hidden_notes,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        yaxis={"title": "Share of answers (%)", "range": [0, 100]},
        legend={
            "title": {"text": "Answer (1 low – 5 high; stress: 5 is most stressed)"},
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
        },
        margin={"l": 60, "r": 30, "t": 110, "b": 140},
    )
    return figure


def make_landscape_figure(data: LandscapeData) -> go.Figure:
    """The four kinds of support as a radar: the team against its department and the organisation."""
    title = f"{data.team_name}: support landscape"
    if data.week is not None:
        title += f" (week of {week_label(data.week)})"
    figure = _base(title, height=480)
    labels = [QUESTION_LABELS[k] for k in SUPPORT_KINDS]
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
                    "color": OKABE_ITO[index % len(OKABE_ITO)],
                    "width": 3,
                    "dash": "solid" if index == 0 else "dot",
                },
                connectgaps=False,
                hovertemplate="%{theta}: %{r:.1f}<extra>" + group.name + "</extra>",
            )
        )
    hidden = [g for g in data.groups if any(v is None for v in g.scores.values())]
    if hidden:
        figure.add_annotation(
            text="; ".join(f"{g.name}: {g.note or data.hidden_reason}" for g in hidden),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.12,
            font={"color": HIDDEN_MARK},
        )
    figure.update_layout(polar={"radialaxis": {"range": [1, 5], "tickvals": [1, 2, 3, 4, 5]}})
    return figure


def make_compare_figure(data: CompareData) -> go.Figure:
    """Teams side by side: average well-being and stress per team for its latest week."""
    figure = _base(f"{data.scope_name}: teams side by side", height=max(360, 60 + 34 * len(data.rows)))
    names = [r.name for r in data.rows]
    for index, key in enumerate(("wellbeing", "stress")):
        figure.add_trace(
            go.Bar(
                y=names,
                x=[r.scores[key] for r in data.rows],
                orientation="h",
                name=QUESTION_LABELS[key] + " (1–5)",
                marker={"color": OKABE_ITO[index]},
                hovertemplate="%{y}: %{x:.1f}<extra>" + QUESTION_LABELS[key] + "</extra>",
            )
        )
    hidden = [r for r in data.rows if r.scores["wellbeing"] is None]
    if hidden:
        figure.add_trace(
            go.Scatter(
                y=[r.name for r in hidden],
                x=[1.1] * len(hidden),
                mode="markers+text",
                text=[r.note or data.hidden_reason for r in hidden],
                textposition="middle right",
                marker={"symbol": "x-thin-open", "size": 12, "color": HIDDEN_MARK, "line": {"width": 2}},
                name="Hidden",
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        xaxis={"range": [1, 5], "title": "Average (1–5)"},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return figure


def make_engagement_figure(data: Engagement, min_group_size: int) -> go.Figure:
    """Peer-support meeting rate per round; a hidden round is marked, never drawn as zero."""
    figure = _base("Peer support: how many groups met", height=360)
    labels = [f"#{r.channel_id} · {r.round_number}" for r in data.pairing]
    figure.add_trace(
        go.Bar(
            x=labels,
            y=[None if r.meeting_rate is None else 100 * r.meeting_rate for r in data.pairing],
            name="Met (%)",
            marker={"color": OKABE_ITO[0]},
        )
    )
    hidden = [label for label, r in zip(labels, data.pairing, strict=True) if r.meeting_rate is None]
    if hidden:
        figure.add_trace(
            go.Scatter(
                x=hidden,
                y=[2] * len(hidden),
                mode="markers",
                marker={"symbol": "x-thin-open", "size": 12, "color": HIDDEN_MARK, "line": {"width": 2}},
                name=f"Hidden: fewer than {min_group_size} people",
            )
        )
    figure.update_yaxes(range=[0, 100], title="%")
    return figure
