"""The dashboard in headless Chromium, on the demo organisation: what a person and their browser see.

Needs Debian's chromium (`apt-get install -y chromium`) and the `playwright` package; never
`playwright install`. Skipped cleanly when either is missing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash._pages
import pytest

from slackapp.demo.organisation import TEAMS
from slackapp.demo.run import build_demo_app

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SMALL_TEAMS = [t for t in TEAMS if t.size < 5]
HIDDEN = "fewer than 5 answers — hidden to protect anonymity"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"), reason="no chromium"),
]
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from werkzeug.serving import make_server

    dash._pages.PAGE_REGISTRY.clear()
    web = build_demo_app(tmp_path_factory.mktemp("browser") / "kindred-demo.db", weeks=4)
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    dash._pages.PAGE_REGISTRY.clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield launched
        launched.close()


class Visit:
    """One browser context (one person), recording every response the dashboard sends it."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.bodies: list[str] = []
        self.page.on("response", self._record)

    def _record(self, response: Any) -> None:
        if "/dashboard/" in response.url and "_dash-component-suites" not in response.url:
            with contextlib.suppress(Exception):  # a redirect has no body to read
                self.bodies.append(response.text())

    def sign_in_as(self, role_user_id: str) -> None:
        self.page.goto(f"{self.base}/dashboard/demo-sign-in")
        self.page.click(f"#role-{role_user_id}")
        self.page.wait_for_url(f"{self.base}/dashboard/")
        self.bodies.clear()  # the role picker names teams; only the dashboard's own answers count

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_selector("#kindred-table, #nothing-here, #not-yours")

    def unit_options(self) -> list[str]:
        self.page.click("#kindred-unit")
        options = self.page.locator(".Select-option, [role=option]").all_inner_texts()
        self.page.keyboard.press("Escape")
        return [o.strip() for o in options if o.strip()]

    def table(self) -> list[list[str]]:
        rows = self.page.locator("#kindred-table tr")
        return [
            [cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, demo_url: str) -> Iterator[Visit]:
    opened = Visit(browser, demo_url)
    yield opened
    opened.close()


def test_a_manager_signs_in_and_sees_only_their_teams(visit: Visit) -> None:
    visit.sign_in_as("UDEMOMGR18")
    visit.open("/dashboard/")
    assert sorted(visit.unit_options()) == ["Team: Facilities", "Team: Logistics"]
    visit.open("/dashboard/compare")
    names = [row[0] for row in visit.table()[1:]]
    assert names == ["Facilities", "Logistics"]
    everything = "\n".join(visit.bodies)
    for other in ("Payments", "Support Tier 1", "Warehouse North", "Procurement"):
        assert other not in everything


def test_a_manager_who_edits_the_url_gets_nothing(visit: Visit) -> None:
    visit.sign_in_as("UDEMOMGR01")
    visit.open("/dashboard/?unit=team:CDEMO06")
    assert visit.page.locator("#not-yours").is_visible()
    assert "Support Tier 1" not in "\n".join(visit.bodies)


def test_hr_sees_every_team(visit: Visit) -> None:
    visit.sign_in_as("UDEMOHR")
    visit.open("/dashboard/compare?unit=org:")
    names = {row[0] for row in visit.table()[1:]}
    assert names == {t.name for t in TEAMS}


def test_small_teams_are_hidden_on_the_page_and_in_every_response(visit: Visit) -> None:
    visit.sign_in_as("UDEMOHR")
    visit.open("/dashboard/compare?unit=org:")
    rows = {row[0]: row for row in visit.table()[1:]}
    for team in SMALL_TEAMS:
        assert rows[team.name][2:-1] == [""] * (len(rows[team.name]) - 3)
        assert rows[team.name][-1] == HIDDEN
    assert visit.page.get_by_text(HIDDEN).first.is_visible()
    for team in SMALL_TEAMS:
        visit.open(f"/dashboard/?unit=team:{team.channel}")
        assert all(row[1] == "" for row in visit.table()[1:])
    # Every JSON body the browser received: no figure or table carries a small team's numbers.
    for body in visit.bodies:
        for team in SMALL_TEAMS:
            assert_no_numbers_for(team.name, body)


def assert_no_numbers_for(team_name: str, body: str) -> None:
    try:
        data = json.loads(body)
    except ValueError:
        return
    for row in table_rows_in(data):
        if row and row[0] == team_name:
            assert all(cell == "" for cell in row[2:-1]), row
    for figure in figures_in(data):
        if team_name in json.dumps(figure.get("layout", {}).get("title", {})):
            for trace in figure.get("data", []):
                if trace.get("name") in ("Well-being (1–5)", "Participation (%)"):
                    assert all(v is None for v in trace.get("y", [])), trace


def table_rows_in(data: Any) -> Iterator[list[str]]:
    if isinstance(data, dict):
        if data.get("type") == "Tr":
            cells = data.get("props", {}).get("children", [])
            yield [c.get("props", {}).get("children", "") for c in cells if isinstance(c, dict)]
        for value in data.values():
            yield from table_rows_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from table_rows_in(item)


def figures_in(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        figure = data.get("props", {}).get("figure")
        if isinstance(figure, dict):
            yield figure
        for value in data.values():
            yield from figures_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from figures_in(item)


def test_the_csv_export_holds_only_what_the_page_shows(visit: Visit) -> None:
    visit.sign_in_as("UDEMOMGR06")
    for path in ("/dashboard/compare", "/dashboard/", "/dashboard/questions", "/dashboard/support"):
        visit.open(path)
        shown = visit.table()
        with visit.page.expect_download() as download:
            visit.page.click("#kindred-export")
        exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert exported == shown, path


def test_switching_unit_in_the_picker_redraws_through_the_server(visit: Visit) -> None:
    visit.sign_in_as("UDEMOMGR06")
    visit.open("/dashboard/")
    visit.page.click("#kindred-unit")
    visit.page.locator(".Select-option, [role=option]").filter(has_text="Onboarding").first.click()
    visit.page.wait_for_function(
        "() => document.querySelector('#kindred-export')?.getAttribute('href')?.includes('CDEMO08')"
    )
    assert "Onboarding: well-being and participation" in visit.page.locator("#kindred-figure").inner_text()
