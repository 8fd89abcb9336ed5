"""Figure builders and the noise rule, without a database: hidden values leave a marked gap in date
order, colours mean the same on every question, and only a change beyond noise is called one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import plotly.graph_objects as go

from dashboards.figures import (
    HEATMAP_TEAMS,
    WELLBEING_LINE,
    WORST_TO_BEST,
    make_act_heatmap,
    make_compare_figure,
    make_engagement_figure,
    make_landscape_figure,
    make_overview_figure,
    make_questions_figure,
)
from dashboards.queries import (
    CompareData,
    CompareRow,
    LandscapeData,
    LandscapeGroup,
    Measure,
    OverviewData,
    QuestionsData,
    QuestionSeries,
    QuestionWeek,
    WeekPoint,
    _by_need,
    change_is_real,
    engagement_table,
    need_of,
)
from slackapp.pairing.stats import RoundFigures
from slackapp.privacy.gate import Engagement, QuestionFigures, hidden_text
from slackapp.privacy.suppression import hidden_count_text, step_of

REASON = hidden_text(5)
W1, W2, W3 = date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)


def test_a_hidden_week_keeps_its_place_in_date_order_and_well_being_is_drawn_above_the_bars() -> None:
    data = OverviewData(
        "Payments",
        REASON,
        (
            WeekPoint(W1, 8, 10, 0.8, 3.5, 3.1, 3.9),
            WeekPoint(W2, None, None, None, None, None, None),
            WeekPoint(W3, 9, 10, 0.9, 3.8, 3.4, 4.2),
        ),
        "",
    )
    figure = make_overview_figure(data)
    # The x axis lists every week in date order, the hidden one in the middle (not appended at the right).
    assert list(figure.layout.xaxis.categoryarray) == ["7 Sep", "14 Sep", "21 Sep"]
    assert figure.layout.xaxis.categoryorder == "array"
    line = next(t for t in figure.data if t.name == "Well-being (1–5)")
    assert list(line.y) == [3.5, None, 3.8]
    bars = next(t for t in figure.data if t.name == "Participation (%)")
    assert list(bars.y) == [80.0, None, 90.0]
    # The line sits on the overlaying axis, which Plotly draws above the base axis holding the bars.
    assert line.yaxis == "y2" and bars.yaxis in (None, "y") and figure.layout.yaxis2.overlaying == "y"
    assert line.line.color == WELLBEING_LINE
    marker = next(t for t in figure.data if t.name == "Hidden week")
    assert list(marker.x) == ["14 Sep"] and list(marker.customdata) == [REASON]  # the week's own reason


def test_questions_colour_answers_by_meaning_so_the_stress_legend_matches_its_bars() -> None:
    data = QuestionsData(
        "Payments",
        REASON,
        (
            QuestionSeries(
                "wellbeing", "Well-being", (QuestionWeek(W1, (1, 1, 2, 3, 3)), QuestionWeek(W2, None))
            ),
            QuestionSeries("stress", "Stress", (QuestionWeek(W1, (3, 3, 2, 1, 1)), QuestionWeek(W2, None))),
        ),
    )
    figure = make_questions_figure(data)
    assert figure.layout.barmode == "stack"
    bars = [t for t in figure.data if t.type == "bar"]
    # One colour per trace, so each legend swatch is exactly the colour of its bars.
    assert all(isinstance(t.marker.color, str) for t in bars)
    worst_wellbeing, worst_stress = bars[0], bars[5]
    assert worst_wellbeing.marker.color == worst_stress.marker.color == WORST_TO_BEST[0]
    assert worst_wellbeing.showlegend and not worst_stress.showlegend  # one legend, shared by meaning
    assert list(worst_wellbeing.y) == [10.0, None]  # one of ten answered 1
    assert list(worst_stress.y) == [10.0, None]  # one of ten answered 5 (most stressed): the worst end
    assert "5 = most stressed" in figure.layout.annotations[1].text
    for axis in ("xaxis", "xaxis2"):
        assert list(figure.layout[axis].categoryarray) == ["7 Sep", "14 Sep"]


def test_landscape_draws_each_group_that_has_scores() -> None:
    data = LandscapeData(
        "Payments",
        REASON,
        W1,
        (
            LandscapeGroup(
                "Payments", 8, {"emotional": 3.0, "practical": 2.5, "advice": 4.0, "belonging": 3.5}
            ),
            LandscapeGroup(
                "Department: Finance", None, dict.fromkeys(("emotional", "practical", "advice", "belonging"))
            ),
            LandscapeGroup(
                "Organisation: All",
                300,
                {"emotional": 3.6, "practical": 3.4, "advice": 3.9, "belonging": 3.7},
            ),
        ),
    )
    figure = make_landscape_figure(data)
    assert [t.name for t in figure.data] == ["Payments", "Organisation: All"]
    assert "Department: Finance: hidden" in figure.layout.annotations[0].text


def _figures(counts: tuple[int, ...]) -> QuestionFigures:
    n = sum(counts)
    mean = sum((v + 1) * c for v, c in enumerate(counts)) / n
    return QuestionFigures("wellbeing", n, counts, mean, mean - 0.5, mean + 0.5)


def test_a_change_within_the_noise_of_a_small_team_is_not_called_a_change() -> None:
    before = _figures((0, 1, 3, 3, 1))  # 8 answers, mean 3.5
    after = _figures((1, 2, 4, 1, 0))  # 8 answers, mean 2.6: "down 0.9" but within the noise of 8 people
    assert round(before.mean - after.mean, 1) == 0.9
    assert not change_is_real(after, before)
    # The same shift in groups of 80 is well beyond the noise.
    assert change_is_real(_figures((10, 20, 40, 10, 0)), _figures((0, 10, 30, 30, 10)))


def test_the_heatmap_marks_a_change_only_when_it_is_real_and_keeps_hidden_teams() -> None:
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    real = {k: Measure(3.0, -0.9, True, W1) for k in keys}
    noise = {k: Measure(3.4, -0.8, False, W1) for k in keys}
    rows = (
        CompareRow("Real", W2, 40, 0.8, dict.fromkeys(keys, 3.0), measures=real, need=0.5),
        CompareRow("Noisy", W2, 8, 0.8, dict.fromkeys(keys, 3.4), measures=noise, need=0.4),
        CompareRow("Tiny", W2, None, None, dict.fromkeys(keys), measures={k: Measure(None) for k in keys}),
    )
    figure = make_act_heatmap(CompareData("Org", REASON, rows))
    text = figure.data[0].text
    assert text[0][0] == "3.0<br>▼0.9"
    assert text[1][0] == "3.4"  # no arrow: within the noise of 8 answers
    # A hidden team keeps its row, named as hidden once; each cell's hover says why.
    assert list(text[2]) == [""] * 6
    assert list(figure.data[0].y) == ["Real", "Noisy", "Tiny (hidden)"]
    assert all(REASON in cell for cell in figure.data[0].customdata[2])


def test_compare_orders_teams_by_need_and_shows_every_measure() -> None:
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    good = {**dict.fromkeys(keys, 4.5), "stress": 1.5}
    poor = {**dict.fromkeys(keys, 2.5), "stress": 4.0}
    rows = _by_need(
        [
            CompareRow("Alpha", W1, 9, 0.8, good, need=need_of(good)),
            CompareRow("Tiny", W1, None, None, dict.fromkeys(keys)),
            CompareRow("Zulu", W1, 9, 0.8, poor, need=need_of(poor)),
        ]
    )
    assert [r.name for r in rows] == ["Zulu", "Alpha", "Tiny"]
    figure = make_compare_figure(CompareData("Finance", REASON, rows))
    measures = [t for t in figure.data if t.name != "Hidden"]
    assert len(measures) == 6
    assert list(measures[0].y) == ["Zulu", "Alpha", "Tiny"] and list(measures[0].x) == [2.5, 4.5, None]
    assert list(figure.data[-1].y) == ["Tiny"] and REASON in figure.data[-1].hovertemplate


def test_compare_draws_the_stretch_of_the_ranking_the_table_lists() -> None:
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    rows = tuple(
        CompareRow(f"Team {n:03d}", W2, 9, 0.8, dict.fromkeys(keys, 2.0 + n / 200), need=1 - n / 500)
        for n in range(120)
    ) + (CompareRow("Tiny", W2, None, None, dict.fromkeys(keys)),)
    data = CompareData("Org", REASON, rows)
    middle = make_compare_figure(data, 50, 100)
    assert list(middle.data[0].y) == [f"Team {n:03d}" for n in range(50, 100)]
    assert [t.name for t in middle.data].count("Hidden") == 0  # the hidden team is not in this stretch
    assert middle.layout.height < make_compare_figure(data).layout.height / 2
    last = make_compare_figure(data, 100, 150)
    assert list(last.data[0].y)[-1] == "Tiny" and list(last.data[-1].y) == ["Tiny"]


def _key_on_top(figure: go.Figure) -> None:
    """The key is a line across the top, under the title and above every chart: placed in pixels from the
    figure's top, whatever its height, so fifty teams or six charts never push it out of sight."""
    height, legend, title = figure.layout.height, figure.layout.legend, figure.layout.title
    assert legend.orientation == "h" and legend.yref == "container" and legend.yanchor == "top"
    assert title.yref == "container" and title.yanchor == "top"
    assert (1 - title.y) * height < (1 - legend.y) * height <= 40  # the title, then the key, at the top
    assert legend.traceorder == "grouped"  # a phone's key flows several entries to a line


def test_the_compare_key_is_at_the_top_of_the_tallest_chart() -> None:
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    rows = tuple(
        CompareRow(f"Team {n:03d}", W2, 9, 0.8, dict.fromkeys(keys, 2.0 + n / 200), need=1 - n / 500)
        for n in range(49)
    ) + (CompareRow("Tiny", W2, None, None, dict.fromkeys(keys)),)
    for figure in (
        make_compare_figure(CompareData("Org", REASON, rows)),
        make_compare_figure(CompareData("Org", REASON, rows[:2])),
    ):
        _key_on_top(figure)
        assert figure.layout.xaxis.side == "top"  # the scale under the key, above the first team
        named = [t for t in figure.data if t.showlegend is not False]
        assert len({t.legendgroup for t in named}) == len(named)  # one entry a group
    assert make_compare_figure(CompareData("Org", REASON, rows)).layout.height >= 160 + 30 * 50


def test_the_questions_key_comes_before_the_first_chart() -> None:
    weeks = (QuestionWeek(W1, (1, 1, 2, 3, 3)), QuestionWeek(W2, None))
    labels = (
        "Well-being",
        "Stress",
        "Someone to listen",
        "Practical help",
        "Advice and know-how",
        "Belonging",
    )
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    series = tuple(QuestionSeries(k, label, weeks) for k, label in zip(keys, labels, strict=True))
    figure = make_questions_figure(QuestionsData("Payments", REASON, series))
    _key_on_top(figure)
    assert figure.layout.legend.title.text == "Answer, worst to best:"
    assert figure.layout.legend.title.side == "top"
    assert figure.layout.margin.b < 60  # nothing waits under the sixth chart any more
    # Every chart is drawn the same height, each with room for its title above it.
    spans = [figure.layout[f"yaxis{n or ''}"].domain for n in (None, 2, 3, 4, 5, 6)]
    assert len({round(top - bottom, 6) for bottom, top in spans}) == 1
    assert spans[0][1] < 1


def test_the_heatmap_draws_the_teams_most_in_need_and_not_every_team() -> None:
    keys = ("wellbeing", "stress", "emotional", "practical", "advice", "belonging")
    rows = tuple(
        CompareRow(f"Team {n:03d}", W2, 9, 0.8, dict.fromkeys(keys, 2.0 + n / 200), need=1 - n / 500)
        for n in range(500)
    ) + (CompareRow("Tiny", W2, None, None, dict.fromkeys(keys)),)
    figure = make_act_heatmap(CompareData("Org", REASON, rows))
    assert list(figure.data[0].y) == [f"Team {n:03d}" for n in range(HEATMAP_TEAMS)]  # in rank order
    assert figure.layout.height < 1000  # not a 20,000-pixel chart
    # A short ranking is drawn whole, its hidden team too.
    few = make_act_heatmap(CompareData("Department", REASON, rows[:3] + rows[-1:]))
    assert list(few.data[0].y) == ["Team 000", "Team 001", "Team 002", "Tiny (hidden)"]


def test_the_well_being_band_is_not_drawn_across_a_hidden_week_and_the_scale_is_in_whole_answers() -> None:
    data = OverviewData(
        "Payments",
        REASON,
        (
            WeekPoint(W1, 8, 10, 0.8, 3.5, 3.1, 3.9),
            WeekPoint(W2, None, None, None, None, None, None),
            WeekPoint(W3, 9, 10, 0.9, 3.8, 3.4, 4.2),
            WeekPoint(date(2026, 9, 28), 9, 10, 0.9, 3.6, 3.2, 4.0),
        ),
        "",
    )
    figure = make_overview_figure(data)
    band = next(t for t in figure.data if t.name == "95% range of the average")
    # Two polygons, one per run of shown weeks, split by a gap; none over 14 Sep.
    assert list(band.x) == ["7 Sep", "7 Sep", None, "21 Sep", "28 Sep", "28 Sep", "21 Sep"]
    assert list(band.y) == [3.9, 3.1, None, 4.2, 4.0, 3.2, 3.4]
    assert list(figure.layout.yaxis2.tickvals) == [1, 2, 3, 4, 5]


def test_the_engagement_chart_and_table_give_peer_support_in_steps_and_mark_small_counts() -> None:
    label = hidden_count_text(5)
    programme, slot = uuid.uuid4(), datetime(2026, 9, 9, 10, tzinfo=UTC)
    at_least_10, fewer_than_5 = step_of(12, 5), step_of(2, 5)
    rounds = [
        RoundFigures(programme, "C0PEERS", 1, slot, step_of(13, 5), at_least_10, step_of(6, 5), True),
        RoundFigures(programme, "C0PEERS", 2, slot, step_of(13, 5), at_least_10, fewer_than_5, True),
        # Running: its meetings are not counted yet (not marked: nothing is hidden).
        RoundFigures(programme, "C0PEERS", 3, slot, step_of(3, 5), fewer_than_5, None, False),
    ]
    data = Engagement(pairing=rounds, joins=[], members=[], hidden_reason=label)

    figure = make_engagement_figure(data, 5)
    paired, met = (t for t in figure.data if t.type == "bar")
    assert list(paired.y) == [10, 10, None] and list(met.y) == [5, None, None]  # up to the step, never 0
    (marks,) = (t for t in figure.data if t.type == "scatter")
    assert list(marks.x) == ["Round 3", "Round 2"] and list(marks.customdata) == [
        "people paired",
        "met their group",
    ]
    assert [said for _week, said in paired.customdata] == ["at least 10", "at least 10", "fewer than 5"]
    rows = engagement_table(data).rows
    assert [row[3:6] for row in rows] == [
        ("at least 10", "at least 10", "at least 5"),
        ("at least 10", "at least 10", "fewer than 5"),
        ("fewer than 5", "fewer than 5", ""),
    ]
    steps = "Counted in steps of 5"  # a note is a sentence in its own cell
    assert [row[-1] for row in rows] == [steps, steps, f"{steps}; meetings are counted when the round closes"]
