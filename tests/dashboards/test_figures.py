"""Figure builders, without a database: hidden values leave a marked gap, never a zero."""

from __future__ import annotations

from datetime import date

from dashboards.figures import (
    DIVERGING,
    make_compare_figure,
    make_landscape_figure,
    make_overview_figure,
    make_questions_figure,
)
from dashboards.queries import (
    CompareData,
    CompareRow,
    LandscapeData,
    LandscapeGroup,
    OverviewData,
    QuestionsData,
    QuestionSeries,
    QuestionWeek,
    WeekPoint,
)

REASON = "fewer than 5 answers — hidden to protect anonymity"
W1, W2, W3 = date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)


def test_overview_leaves_a_marked_gap_for_a_hidden_week() -> None:
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
    line = next(t for t in figure.data if t.name == "Well-being (1–5)")
    assert list(line.y) == [3.5, None, 3.8]
    bars = next(t for t in figure.data if t.name == "Participation (%)")
    assert list(bars.y) == [80.0, None, 90.0]
    marker = next(t for t in figure.data if t.name == "Hidden")
    assert list(marker.x) == ["14 Sep 2026"]
    assert list(marker.customdata) == [REASON]  # the week's own reason (the legend's, when it has none)
    band = figure.data[0]
    assert band.fill == "toself" and len(band.x) == 4  # the two shown weeks, there and back


def test_questions_stack_five_values_and_mark_hidden_weeks() -> None:
    data = QuestionsData(
        "Payments",
        REASON,
        (
            QuestionSeries(
                "wellbeing", "Well-being", (QuestionWeek(W1, (1, 1, 2, 3, 3)), QuestionWeek(W2, None))
            ),
            QuestionSeries("stress", "Stress", (QuestionWeek(W1, (3, 3, 2, 1, 1)),)),
        ),
    )
    figure = make_questions_figure(data)
    assert figure.layout.barmode == "stack"
    ones = figure.data[0]
    assert list(ones.y) == [10.0, 30.0]
    # Stress runs the other way: answering 1 (not stressed) is the good end, in blue.
    assert list(ones.marker.color) == [DIVERGING[0], DIVERGING[-1]]
    assert list(figure.data[-1].customdata) == [REASON]


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
    assert REASON in figure.layout.annotations[0].text


def test_compare_marks_hidden_teams_instead_of_a_zero_bar() -> None:
    scores = {"wellbeing": 3.5, "stress": 2.5}
    data = CompareData(
        "Finance",
        REASON,
        (
            CompareRow("Payments", W1, 8, 0.8, scores),
            CompareRow("Tiny", W1, None, None, {"wellbeing": None, "stress": None}),
        ),
    )
    figure = make_compare_figure(data)
    assert list(figure.data[0].x) == [3.5, None]
    assert list(figure.data[-1].y) == ["Tiny"] and figure.data[-1].text[0] == REASON
