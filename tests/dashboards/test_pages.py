"""Pages and callbacks called as the browser calls them, by different viewers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from slackapp.privacy.gate import hidden_text
from tests.dashboards.conftest import (
    MANAGER_A,
    MANAGER_OPS,
    SOMEONE,
    Dashboard,
    dropdown_values,
    find,
    table_rows,
    text_of,
)
from tests.org_factories import OrgBuilder

HIDDEN = hidden_text(5)  # the gate's one label of a hidden cell, as a chart's hover quotes it
# ... and as a table's note, a sentence of its own: the same words, capitalised.
NOTE = HIDDEN[0].upper() + HIDDEN[1:]
PROTECTS = NOTE


def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in(dashboard: Dashboard) -> None:
    reply = dashboard.get("/dashboard/")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/dashboard/login")
    assert dashboard.switch("overview", "org:").status_code == 401
    assert dashboard.get("/dashboard/export/overview.csv?unit=org:").status_code == 401


def test_hr_sees_every_team(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as_hr()
    layout = dashboard.page("/dashboard/overview")
    values = dropdown_values(layout)
    assert values[0] == "org:"
    assert {v for v in values if v.startswith("team:")} == {f"team:C0{c}" for c in "ABCDE"}
    rows = table_rows(layout)
    assert rows[-1][1] == "38"  # every answer in the organisation, last week


def test_manager_sees_only_their_team(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/overview")
    # Their team, and its department as a benchmark (its own published cells, never its other teams').
    assert dropdown_values(layout) == ["team:C0A", f"department:{org.departments['Engineering']}"]
    assert "Team D" not in text_of(layout) and "Team C" not in text_of(layout)
    assert table_rows(layout)[-1][1] == "8"
    benchmark = dashboard.page("/dashboard/overview", f"?unit=department:{org.departments['Engineering']}")
    assert table_rows(benchmark)[-1][1] == "18"
    # One team: no page sets teams side by side for them, so none lists the department's other teams.
    assert find(dashboard.page("/dashboard/compare"), "not-yours") is not None


def test_department_manager_sees_the_department_and_its_teams(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_OPS)
    values = dropdown_values(dashboard.page("/dashboard/overview"))
    assert values[0].startswith("department:")
    assert values[1:] == ["team:C0D", "team:C0E"]


def test_manager_cannot_see_other_team_by_editing_the_url(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    for page in ("/dashboard/overview", "/dashboard/questions", "/dashboard/support"):
        layout = dashboard.page(page, "?unit=team:C0D")
        assert find(layout, "not-yours") is not None
        assert find(layout, "kindred-figure") is None
        assert "Team D" not in text_of(layout)
    layout = dashboard.page("/dashboard/compare", "?unit=org:")
    assert find(layout, "not-yours") is not None


def test_manager_cannot_see_other_team_through_the_callback(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    for unit in ("team:C0D", "org:", "department:whatever", "team:", "nonsense"):
        reply = dashboard.switch("overview", unit)
        assert reply.status_code == 200
        # The picker's callback only moves the URL: no data comes back from it ...
        assert "kindred-figure" not in reply.get_data(as_text=True)
        target = reply.get_json()["response"]["kindred-url"]["href"]
        path, _, search = target.partition("?")
        # ... and the page at that URL shows nothing that is not theirs.
        layout = dashboard.page(path, f"?{search}" if search else "")
        assert find(layout, "kindred-figure") is None or search == ""
        assert "Team D" not in text_of(layout)
    own = dashboard.switch("overview", "team:C0A").get_json()["response"]["kindred-url"]["href"]
    assert own == "/dashboard/overview?unit=team%3AC0A"
    assert find(dashboard.page("/dashboard/overview", "?unit=team%3AC0A"), "kindred-figure") is not None


def test_manager_cannot_export_another_teams_data(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    assert dashboard.get("/dashboard/export/overview.csv?unit=team:C0D").status_code == 403
    assert dashboard.get("/dashboard/export/compare.csv?unit=org:").status_code == 403
    assert dashboard.get("/dashboard/export/overview.csv?unit=team:C0A").status_code == 200


def test_someone_without_access_gets_a_polite_page(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(SOMEONE)
    layout = dashboard.page("/dashboard/overview")
    assert "nothing for you here" in text_of(layout)
    assert find(layout, "kindred-unit") is None
    assert dashboard.get("/dashboard/export/overview.csv").status_code == 403


def test_small_team_is_hidden_with_its_reason_not_drawn_as_zero(
    dashboard: Dashboard, org: OrgBuilder
) -> None:
    dashboard.sign_in_as_hr()
    layout = dashboard.page("/dashboard/overview", "?unit=team:C0C")
    rows = table_rows(layout)
    assert all(row[1] == "" and row[-1] == NOTE for row in rows[1:])
    figure = find(layout, "kindred-figure")
    assert figure is not None
    traces = figure["props"]["figure"]["data"]
    line = next(t for t in traces if t.get("name") == "Well-being (1–5)")
    assert line["y"] == [None, None]
    marker = next(t for t in traces if t.get("name") == "Hidden week")
    assert marker["customdata"] == [HIDDEN, HIDDEN]


def test_compare_shows_the_small_team_as_hidden(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as_hr()
    layout = dashboard.page("/dashboard/compare", "?unit=org:")
    rows = {row[0]: row for row in table_rows(layout)[1:]}
    assert rows["Team C"][2] == "" and rows["Team C"][-1] == NOTE
    # Team B is big enough, but beside Engineering's total it would give team C away: it says so.
    assert rows["Team B"][2] == "" and rows["Team B"][-1] == PROTECTS
    assert rows["Team A"][2] == "8"


def test_a_hidden_rows_note_spans_the_numbers_it_stands_for(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as_hr()

    def cells(layout: dict[str, Any], name: str) -> list[tuple[str, int]]:
        """The row headed `name` in the wide table, each cell as (its text, the columns it spans)."""
        table = find(layout, "kindred-table")
        assert table is not None
        for row in table["props"]["children"][2]["props"]["children"]:
            found = [
                (c["props"]["children"], int(c["props"].get("colSpan", 1))) for c in row["props"]["children"]
            ]
            if name in (text for text, _ in found[:2]):
                return found
        raise AssertionError(name)

    compare = dashboard.page("/dashboard/compare", "?unit=org:")
    # Team, Week, then one cell with the note under Answers ... Belonging and Note (nine columns).
    assert cells(compare, "Team C")[2:] == [(NOTE, 9)]
    assert len(cells(compare, "Team A")) == 11 and all(span == 1 for _, span in cells(compare, "Team A"))
    act = dashboard.page("/dashboard/act", "?unit=org:")
    assert cells(act, "Team C")[:2] == [("", 1), ("Team C", 1)] and cells(act, "Team C")[2:] == [(NOTE, 8)]
    overview = dashboard.page("/dashboard/overview", "?unit=team:C0C")
    assert cells(overview, "7 Sep 2026") == [("7 Sep 2026", 1), (NOTE, 6)]


def test_a_hidden_rows_note_is_a_sentence_and_the_label_keeps_its_words(
    dashboard: Dashboard, org: OrgBuilder
) -> None:
    dashboard.sign_in_as_hr()
    for path, unit in (
        ("/dashboard/compare", "org:"),
        ("/dashboard/act", "org:"),
        ("/dashboard/overview", "team:C0C"),
        ("/dashboard/questions", "team:C0C"),
        ("/dashboard/support", "team:C0C"),
    ):
        layout = dashboard.page(path, f"?unit={unit}")
        notes = {row[-1] for row in table_rows(layout)[1:] if row[-1]}
        # Standing alone in its cell (and in the CSV, which is the table) the note starts as a sentence,
        # in the gate's words: nothing added, nothing that says which rule hid the row.
        assert notes == {NOTE}, path
        assert NOTE.startswith("Hidden to protect anonymity: fewer than 5 answers")
        link = find(layout, "kindred-export")
        assert link is not None
        exported = list(csv.reader(io.StringIO(dashboard.get(link["props"]["href"]).get_data(as_text=True))))
        assert {row[-1] for row in exported[1:] if row[-1]} == {NOTE}, path
    # Inside a sentence the label keeps its lower case ("… results are not shown: hidden to …").
    overview = dashboard.page("/dashboard/overview", "?unit=team:C0C")
    reading = find(overview, "reading")
    assert reading is not None and reading["props"]["children"].endswith(f": {HIDDEN}.")


def test_export_holds_exactly_what_the_page_shows(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as_hr()
    for page, path in (
        ("overview", "/dashboard/overview"),
        ("questions", "/dashboard/questions"),
        ("support", "/dashboard/support"),
        ("compare", "/dashboard/compare"),
    ):
        unit = "team:C0A" if page != "compare" else "org:"
        layout = dashboard.page(path, f"?unit={unit}")
        link = find(layout, "kindred-export")
        assert link is not None
        reply = dashboard.get(link["props"]["href"])
        assert reply.status_code == 200 and reply.mimetype == "text/csv"
        exported = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
        assert exported == table_rows(layout), page


def test_support_landscape_sets_the_team_beside_its_department_and_the_organisation(
    dashboard: Dashboard, org: OrgBuilder
) -> None:
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/support")
    rows = table_rows(layout)
    assert [row[0] for row in rows[1:]] == [
        "Team A",
        "Department: Engineering",
        "Organisation: Whole organisation",
    ]
    figure = find(layout, "kindred-figure")
    assert figure is not None and figure["props"]["figure"]["data"][0]["type"] == "scatterpolar"


def test_questions_page_stacks_answers_one_to_five(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/questions")
    figure = find(layout, "kindred-figure")
    assert figure is not None
    assert [t["name"] for t in figure["props"]["figure"]["data"]][:5] == [
        "Worst (1; stress 5)",
        "2 (stress 4)",
        "3",
        "4 (stress 2)",
        "Best (5; stress 1)",
    ]
    assert figure["props"]["figure"]["layout"]["barmode"] == "stack"
    rows = table_rows(layout)
    assert ["7 Sep 2026", "Well-being", "0", "0", "0", "8", "0", "8", ""] in rows


def test_overview_reads_the_latest_week_in_plain_words(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    layout = dashboard.page("/dashboard/overview")
    reading = find(layout, "reading")
    assert reading is not None
    assert reading["props"]["children"] == (
        "In the week of 14 Sep 2026, 8 people answered of 10 invited (80%). "
        "Well-being averaged 4.0 out of 5, within the usual week-to-week variation for a group of this "
        "size (4.0 last time)."
    )


def test_removing_a_manager_takes_effect_at_once(dashboard: Dashboard, org: OrgBuilder) -> None:
    dashboard.sign_in_as(MANAGER_A)
    assert "team:C0A" in dropdown_values(dashboard.page("/dashboard/overview"))
    from slackapp.org.service import set_team_managers
    from tests.factories import HR_ADMIN, WORKSPACE
    from tests.org_factories import week

    with org.session_factory.begin() as session:
        set_team_managers(
            session=session,
            workspace_id=WORKSPACE,
            channel_id="C0A",
            user_ids=[],
            assigned_by=HR_ADMIN,
            now=week(0),
        )
    assert "nothing for you here" in json.dumps(dashboard.page("/dashboard/overview"))
