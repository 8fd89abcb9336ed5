"""A ranking of many teams (HR's whole organisation): listed fifty at a time, most in need first, the
fifty before and after a link away above and below the table, Compare's chart drawing the same fifty, and
the CSV with every team."""

from __future__ import annotations

import csv
import io
from typing import Any

from slackapp.database import SessionFactory
from slackapp.privacy.gate import hidden_text
from tests.dashboards.conftest import Dashboard, find, table_rows
from tests.org_factories import OrgBuilder

TEAMS = 56  # fifty on the first page, six on the second; the last too small to show
NAME_AT = {"act": 1, "compare": 0}  # "Where to act" has a rank before the team
NOTE = hidden_text(5)[0].upper() + hidden_text(5)[1:]  # a hidden row's note: a sentence in its own cell


def drawn(layout: Any) -> list[str]:
    """The teams the page's chart draws, top to bottom."""
    figure = find(layout, "kindred-figure")
    assert figure is not None
    return list(figure["props"]["figure"]["data"][0]["y"])


def listed(layout: Any, end: str) -> str:
    """Which teams the links above (`end` "-top") or below the table say are listed."""
    links = find(layout, f"kindred-stretch{end}")
    assert links is not None
    return str(links["props"]["children"]["props"]["children"][0]["props"]["children"])


def phone_cards(layout: Any) -> int:
    phone = find(layout, "kindred-cards")
    assert phone is not None
    return str(phone).count("'kindred-card'")


def test_a_ranking_of_many_teams_is_listed_fifty_at_a_time_and_the_csv_holds_them_all(
    dashboard: Dashboard, session_factory: SessionFactory
) -> None:
    builder = OrgBuilder(session_factory)
    builder.department("Everyone")
    channels = [f"C0T{n:03d}" for n in range(TEAMS)]
    for channel in channels:
        builder.team(channel, f"Team {channel[3:]}", "Everyone")
    builder.week(0, {c: 3 if c == channels[-1] else 5 for c in channels})
    builder.publish()
    dashboard.sign_in_as_hr()
    for page, at in NAME_AT.items():
        first = dashboard.page(f"/dashboard/{page}", "?unit=org:")
        rows = table_rows(first)[1:]
        assert len(rows) == 50 and phone_cards(first) == 50, page  # the phone's cards are the same teams
        # Above the teams and below them: which teams these are, and the way on (and back).
        for end in ("-top", ""):
            assert listed(first, end) == "Teams 1–50 of 56"
            after = find(first, f"teams-after{end}")
            assert after is not None and find(first, f"teams-before{end}") is None
            assert after["props"]["children"] == "Next 6 teams"
            assert after["props"]["href"] == f"/dashboard/{page}?unit=org%3A&first=51"
        second = dashboard.page(f"/dashboard/{page}", "?unit=org:&first=51")
        rest = table_rows(second)[1:]
        assert len(rest) == 6
        assert rest[-1][at] == "Team 055" and rest[-1][-1] == NOTE  # the hidden team, last
        for end in ("-top", ""):
            assert listed(second, end) == "Teams 51–56 of 56"
            assert find(second, f"teams-after{end}") is None
            before = find(second, f"teams-before{end}")
            assert before is not None and before["props"]["children"] == "Previous 50 teams"
            assert before["props"]["href"] == f"/dashboard/{page}?unit=org%3A&first=1"
        if page == "compare":  # its chart draws the teams the table lists; "Where to act" the 15 most in need
            assert drawn(first) == [row[0] for row in rows] and drawn(second) == [row[0] for row in rest]
        reply = dashboard.get(f"/dashboard/export/{page}.csv?unit=org:")
        exported = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
        assert exported[1:] == rows + rest, page  # every team, in the same order
        export = find(first, "kindred-export")
        assert export is not None and export["props"]["children"] == f"Download all {TEAMS} teams (CSV)"
        # A rank past the end lists the last teams; one that is not a number, the first.
        assert table_rows(dashboard.page(f"/dashboard/{page}", "?unit=org:&first=999"))[1:] == rest
        assert table_rows(dashboard.page(f"/dashboard/{page}", "?unit=org:&first=x"))[1:] == rows
