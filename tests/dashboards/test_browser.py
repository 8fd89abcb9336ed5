"""The dashboard in headless Chromium, on the demo organisation: what a leader and their browser see.

Signs in as HR, a department head, the manager of a team that is shown and the manager of a team too
small ever to be shown; follows every tab with a unit chosen; checks the charts' order and colours and
that a change is called one only beyond the noise; runs axe-core (vendored under vendor/axe-core, MPL-2.0)
on every page at 1400 and 390 pixels wide, and saves a screenshot of each in test-output/screenshots/.

Needs Debian's chromium (`apt-get install -y chromium`) and the `playwright` package; never
`playwright install`. Skipped cleanly when either is missing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dash._pages
import pytest

from slackapp.demo.organisation import TEAMS
from slackapp.demo.run import build_demo_app
from slackapp.privacy.gate import hidden_text
from tests.dashboards.conftest import row_values

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
HIDDEN = hidden_text(5)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDTHS = (1400, 390)
HR, HEAD, MANAGER, HIDDEN_TEAM_MANAGER = "UDEMOHR", "UDEMOMGR06", "UDEMOMGR01", "UDEMOMGR05"
ALL_TABS = ["act", "overview", "questions", "support", "compare", "engagement"]
TEAM_TABS = ["overview", "questions", "support"]
HEADINGS = {
    "act": "Where to act",
    "overview": "Overview",
    "questions": "Questions",
    "support": "Support landscape",
    "compare": "Compare teams",
    "engagement": "Peer support and groups",
}

# Every box on the page inside the screen, no text clipped by its box, nothing smaller than 12 px,
# and every card or week with no numbers saying that it is hidden and why.
PHONE_LAYOUT = """() => {
  const problems = [];
  const name = el => el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + [...el.classList].join('.');
  for (const el of document.querySelectorAll('main *')) {
    if (el instanceof SVGElement || el.closest('.visually-hidden, .js-plotly-plot')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > innerWidth + 1 || box.left < -1) problems.push('outside the screen: ' + name(el));
    const style = getComputedStyle(el);
    if (el.tagName !== 'INPUT' && style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
      problems.push('clipped: ' + name(el));
    if (el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        && parseFloat(style.fontSize) < 12) problems.push('small print: ' + name(el));
  }
  for (const card of document.querySelectorAll('#kindred-cards .kindred-card')) {
    if (!card.querySelector('dl') && !/hidden/i.test(card.innerText))
      problems.push('silent: ' + card.innerText);
  }
  for (const row of document.querySelectorAll('#kindred-cards tbody tr')) {
    if (row.cells.length < 7 && !/hidden/i.test(row.innerText)) problems.push('silent: ' + row.innerText);
  }
  return problems;
}"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"), reason="no chromium"),
]
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from werkzeug.serving import make_server

    dash._pages.PAGE_REGISTRY.clear()
    web = build_demo_app(tmp_path_factory.mktemp("browser") / "kindred-demo.db", weeks=6)
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

    def __init__(self, browser: Any, base: str, width: int = 1400) -> None:
        self.base = base
        self.context = browser.new_context(accept_downloads=True, viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)  # the 2-core machine is shared: be patient, not flaky
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
        self.settle()
        self.bodies.clear()  # the role picker names teams; only the dashboard's own answers count

    def settle(self) -> None:
        # On a phone the table is hidden (its rows are cards): attached is enough.
        self.page.wait_for_selector("#kindred-table, #nothing-here, #not-yours", state="attached")
        self.page.wait_for_load_state("networkidle")
        if self.page.locator("#kindred-figure").count():
            self.page.wait_for_selector("#kindred-figure .main-svg")

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.settle()

    def follow(self, tab: str) -> None:
        """Click a tab in the navigation and wait until its page is drawn."""
        if not self.page.locator(f"#tab-{tab}").is_visible():
            self.page.click("#kindred-menu")  # on a phone the navigation is a drawer
        self.page.click(f"#tab-{tab}")
        self.page.wait_for_function(
            f"() => document.querySelector('h1')?.innerText.trim() === {json.dumps(HEADINGS[tab])}"
        )
        self.settle()

    def heading(self) -> str:
        return str(self.page.locator("h1").inner_text()).strip()

    def unit(self) -> str | None:
        values = parse_qs(urlsplit(self.page.url).query).get("unit")
        return values[0] if values else None

    def tabs(self) -> dict[str, str]:
        links = self.page.locator("[id^=tab-]")
        return {
            str(links.nth(i).get_attribute("id"))[4:]: str(links.nth(i).get_attribute("href"))
            for i in range(links.count())
        }

    def unit_options(self) -> list[str]:
        """The picker's choices as "<the heading it is listed under>: <name>"."""
        self.page.click("#kindred-unit")
        self.page.wait_for_selector("[role=option]")
        options: list[str] = self.page.evaluate(
            """() => [...document.querySelectorAll('[role=option]')].map(o => {
                 const group = o.closest('.mantine-Select-group');
                 const heading = group && group.querySelector('.mantine-Select-groupLabel');
                 return (heading ? heading.innerText.trim() + ': ' : '') + o.innerText.trim(); })"""
        )
        self.page.keyboard.press("Escape")
        return [o for o in options if o]

    def choose_unit(self, name: str) -> None:
        """Pick a unit by name and wait until the page shows it (its name is the subtitle under the
        heading)."""
        before = self.page.url
        self.page.click("#kindred-unit")
        self.page.locator("[role=option]").filter(has_text=name).first.click()
        self.page.wait_for_function(f"() => location.href !== {json.dumps(before)}")
        self.page.wait_for_function(
            f"() => document.querySelector('#unit-name')?.innerText.trim() === {json.dumps(name)}"
        )
        self.settle()

    def table(self) -> list[list[str]]:
        """The wide table one value a column: a cell spanning n columns (a hidden row's note) reads as
        n - 1 blanks and its text, as `row_values` reads the layout and the CSV has it."""
        rows: list[list[str]] = self.page.evaluate(
            """() => [...document.querySelectorAll('#kindred-table tr')].map(row => [...row.cells]
                 .flatMap(c => [...Array(c.colSpan - 1).fill(''), c.innerText.trim()]))"""
        )
        return rows

    def figure(self) -> dict[str, Any]:
        """The figure as Plotly drew it: its traces (with defaults filled in) and layout."""
        data: dict[str, Any] = self.page.evaluate(
            """() => { const g = document.querySelector('#kindred-figure .js-plotly-plot');
                       return {data: g._fullData.map(t => ({name: t.name, type: t.type, x: t.x, y: t.y,
                                 color: t.marker && t.marker.color, hovertemplate: t.hovertemplate,
                                 xaxis: t.xaxis, text: t.text})),
                               layout: JSON.parse(JSON.stringify(g._fullLayout, (k, v) =>
                                 (k.startsWith('_') ? undefined : v)))}; }"""
        )
        return data

    def phone_layout_problems(self) -> list[str]:
        """What a phone would cut or squeeze: the table shown instead of its cards, anything wider than
        the screen, text clipped in its box, small print, a hidden row or week that does not say why."""
        problems: list[str] = self.page.evaluate(PHONE_LAYOUT)
        if self.page.locator("#kindred-table").count():
            if self.page.locator("#kindred-table").is_visible():
                problems.append("the wide table is shown on a phone")
            if not self.page.locator("#kindred-cards").is_visible():
                problems.append("the phone cards are not shown")
            rows = self.page.locator("#kindred-table tbody tr").count()
            shown = self.page.locator("#kindred-cards .kindred-card, #kindred-cards tbody tr").count()
            if shown != rows:
                problems.append(f"{rows} rows in the table but {shown} on the phone")
        return problems

    def crowded_table_cells(self, gap: float = 8.0) -> list[str]:
        """Neighbouring cells of the wide table whose texts come closer than `gap` pixels: a team's name
        run into its answer count reads as one number ("Team 148" beside "8")."""
        crowded: list[str] = self.page.evaluate(
            """(gap) => {
                const table = document.querySelector('#kindred-table');
                if (!table || !table.offsetParent) return [];
                const found = [];
                const extent = (cell) => { const r = document.createRange(); r.selectNodeContents(cell);
                                           return r.getBoundingClientRect(); };
                for (const row of table.querySelectorAll('tr')) {
                    const cells = [...row.children].filter(c => c.innerText.trim());
                    for (let i = 1; i < cells.length; i++) {
                        const [a, b] = [extent(cells[i - 1]), extent(cells[i])];
                        const apart = b.left - a.right;
                        if (a.width && b.width && apart < gap && a.bottom > b.top && b.bottom > a.top)
                            found.push(`${cells[i - 1].innerText.trim()} | ${cells[i].innerText.trim()}`);
                    }
                }
                return found.slice(0, 5);
            }""",
            gap,
        )
        return crowded

    def serious_accessibility_problems(self) -> list[str]:
        self.page.add_script_tag(content=AXE.read_text())
        result = self.page.evaluate("async () => await axe.run(document)")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, demo_url: str) -> Iterator[Visit]:
    opened = Visit(browser, demo_url)
    yield opened
    opened.close()


# -- navigation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing", "tabs"),
    [
        (HR, "Where to act", ALL_TABS),
        (HEAD, "Where to act", ALL_TABS[:-1]),
        (MANAGER, "Overview", TEAM_TABS),
        (HIDDEN_TEAM_MANAGER, "Overview", TEAM_TABS),
    ],
)
def test_each_leader_lands_where_to_act_and_every_tab_they_see_opens(
    visit: Visit, role: str, landing: str, tabs: list[str]
) -> None:
    visit.sign_in_as(role)
    assert visit.heading() == landing
    assert list(visit.tabs()) == tabs
    for tab, href in visit.tabs().items():
        visit.open(href)
        assert visit.page.locator("#not-yours").count() == 0, (role, tab, href)
        assert visit.page.locator("#kindred-figure").count() == 1, (role, tab)


def test_the_chosen_unit_stays_on_every_tab_and_in_the_history(visit: Visit) -> None:
    visit.sign_in_as(HEAD)
    visit.open("/dashboard/overview")
    visit.choose_unit("Onboarding")
    assert visit.unit() == "team:CDEMO08"
    assert visit.page.locator("#unit-name").inner_text() == "Onboarding"
    # From tab to tab the team stays ...
    for tab in ("questions", "support", "overview"):
        visit.follow(tab)
        assert f"/dashboard/{tab}" in visit.page.url and visit.unit() == "team:CDEMO08", tab
        assert visit.page.locator("#unit-name").inner_text() == "Onboarding"
    # ... and the pages that set teams side by side open on its department, which then stays too.
    for tab in ("act", "compare"):
        visit.follow(tab)
        assert (visit.unit() or "").startswith("department:"), tab
        assert visit.page.locator("#unit-name").inner_text() == "Customer Support"
        assert visit.page.locator("#not-yours").count() == 0
    visit.follow("overview")
    assert visit.page.locator("#unit-name").inner_text() == "Customer Support"
    # Back walks through the same places, each still showing its unit.
    for heading, name in (
        ("Compare teams", "Customer Support"),
        ("Where to act", "Customer Support"),
        ("Overview", "Onboarding"),
    ):
        visit.page.go_back()
        visit.page.wait_for_function(f"() => document.querySelector('h1')?.innerText.trim() === '{heading}'")
        visit.settle()
        assert visit.page.locator("#unit-name").inner_text() == name, heading


def test_hr_goes_from_where_to_act_to_the_support_landscape_of_the_organisation(visit: Visit) -> None:
    visit.sign_in_as(HR)
    visit.follow("support")
    assert visit.page.locator("#not-yours").count() == 0
    assert visit.unit() == "org:"
    reading = visit.page.locator("#reading").inner_text()
    assert "the weakest kind of support in Whole organisation was" in reading


def test_the_manager_of_an_always_hidden_team_sees_its_department_and_why(visit: Visit) -> None:
    visit.sign_in_as(HIDDEN_TEAM_MANAGER)
    why = visit.page.locator("#default-why").inner_text()
    assert "Security's results have never been shown" in why and "Engineering" in why
    assert visit.page.locator("#unit-name").inner_text() == "Engineering"
    assert visit.figure()["layout"]["meta"]["unit"] == "Engineering"
    # The department is a benchmark: its own published cells, never its other teams.
    assert sorted(visit.unit_options()) == [
        "Teams: Security",
        "Your team's department: Engineering",
    ]
    everything = "\n".join(visit.bodies)
    for other in ("Payments", "Platform", "Mobile"):
        assert other not in everything
    # Their own team's page says why nothing is drawn and leads to the department, not a silent chart.
    for tab in ("overview", "questions"):
        visit.open(f"/dashboard/{tab}?unit=team:CDEMO05")
        note = visit.page.locator("#never-shown").inner_text()
        assert "No week has shown Security's results" in note and "Engineering" in note, tab
        visit.page.click("#never-shown a")
        visit.page.wait_for_function(
            "() => document.querySelector('#unit-name')?.innerText.trim() === 'Engineering'"
        )
        assert f"/dashboard/{tab}" in visit.page.url and visit.page.locator("#never-shown").count() == 0


def test_a_manager_signs_in_and_sees_only_their_teams(visit: Visit) -> None:
    visit.sign_in_as("UDEMOMGR18")
    assert [o for o in visit.unit_options() if o.startswith("Teams: ")] == [
        "Teams: Facilities",
        "Teams: Logistics",
    ]
    visit.open("/dashboard/compare")
    names = sorted(row[0] for row in visit.table()[1:])
    assert names == ["Facilities", "Logistics"]
    everything = "\n".join(visit.bodies)
    for other in ("Payments", "Support Tier 1", "Warehouse North", "Procurement"):
        assert other not in everything


def test_a_manager_who_edits_the_url_gets_nothing(visit: Visit) -> None:
    visit.sign_in_as(MANAGER)
    visit.open("/dashboard/overview?unit=team:CDEMO06")
    assert visit.page.locator("#not-yours").is_visible()
    visit.open("/dashboard/engagement")
    assert visit.page.locator("#not-yours").is_visible()
    assert "Support Tier 1" not in "\n".join(visit.bodies)


# -- charts that don't mislead -----------------------------------------------------------------------


def _short(label: str) -> str:
    day, month, _year = label.split()
    return f"{day} {month}"


def test_hidden_weeks_stay_in_date_order(visit: Visit) -> None:
    visit.sign_in_as(HR)
    checked = 0
    for team in TEAMS:
        visit.open(f"/dashboard/overview?unit=team:{team.channel}")
        rows = visit.table()[1:]
        hidden = [i for i, row in enumerate(rows) if row[1] == ""]
        if not hidden or hidden == [len(rows) - 1] * len(hidden) or len(hidden) == len(rows):
            continue
        weeks = [_short(row[0]) for row in rows]
        ticks = visit.page.locator("#kindred-figure .xtick text").evaluate_all(
            "els => els.map(e => e.textContent)"
        )
        assert ticks == weeks, team.name  # the hidden week in its place, not appended at the right
        visit.open(f"/dashboard/questions?unit=team:{team.channel}")
        first_axis = visit.figure()["layout"]["xaxis"]
        assert first_axis["categoryarray"] == weeks, team.name
        checked += 1
        if checked == 2:
            break
    assert checked, "the demo should have a team with a hidden week between shown ones"


def test_the_stress_legend_matches_its_palette_and_well_being_is_drawn_above_participation(
    visit: Visit,
) -> None:
    visit.sign_in_as(HR)
    visit.open("/dashboard/questions?unit=org:")
    legend = visit.page.locator("#kindred-figure .legend .traces")
    swatches = {
        legend.nth(i).locator(".legendtext").text_content(): legend.nth(i)
        .locator(".legendpoints path")
        .first.evaluate("p => getComputedStyle(p).fill")
        for i in range(legend.count())
    }
    worst = swatches["Worst (1; stress 5)"]
    stress_fives = [
        t
        for t in visit.figure()["data"]
        if t["type"] == "bar" and "Stress, " in t["hovertemplate"] and "answered 5" in t["hovertemplate"]
    ]
    assert len(stress_fives) == 1
    assert _rgb(stress_fives[0]["color"]) == worst  # "most stressed" is drawn in the legend's worst colour
    visit.open("/dashboard/overview?unit=org:")
    order = visit.page.evaluate(
        """() => [...document.querySelectorAll('#kindred-figure .cartesianlayer .subplot')]
                 .map(s => s.classList[1])"""
    )
    assert order.index("xy2") > order.index("xy")  # the well-being axis is drawn after (above) the bars


# Where Plotly drew a figure's key, the figure itself, its first chart's plot area, the scale's title and
# the first chart's title (page coordinates, in pixels).
KEY_BOXES = """() => {
  const box = sel => { const el = document.querySelector('#kindred-figure ' + sel);
                       if (!el) return null; const r = el.getBoundingClientRect();
                       return {top: r.top + scrollY, bottom: r.bottom + scrollY}; };
  return {figure: box('.js-plotly-plot'), key: box('.legend'), plot: box('.draglayer .xy .nsewdrag'),
          scale: box('.g-xtitle text'), first_title: box('.annotation[data-index="0"]')};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_keys_of_the_long_charts_are_above_them_and_on_the_first_screen(
    browser: Any, demo_url: str, width: int
) -> None:
    visit = Visit(browser, demo_url, width)
    try:
        visit.sign_in_as(HR)
        # Compare: 25 teams, a chart taller than the screen; Questions: six charts one under another.
        for path in ("/dashboard/compare?unit=org:", "/dashboard/questions?unit=org:"):
            visit.open(path)
            visit.page.wait_for_timeout(300)  # Plotly's resize after the first paint
            boxes = visit.page.evaluate(KEY_BOXES)
            figure, key, plot = boxes["figure"], boxes["key"], boxes["plot"]
            assert key["bottom"] <= plot["top"], (path, width, boxes)  # above the first team or chart
            # Scrolled to the chart, its key is on the same (900-pixel) screen, near its top.
            assert key["bottom"] - figure["top"] < 250, (path, width, boxes)
            assert figure["bottom"] - figure["top"] > 900 or "questions" in path, (path, boxes)
            for below in (boxes["scale"], boxes["first_title"]):  # nothing drawn over the key
                if below is not None:
                    assert key["bottom"] <= below["top"], (path, width, boxes)
    finally:
        visit.close()


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_a_change_is_called_one_only_beyond_the_noise_of_the_teams_size(visit: Visit) -> None:
    visit.sign_in_as(HEAD)
    visit.open("/dashboard/act")
    act = {row[1]: row for row in visit.table()[1:]}
    labels = visit.table()[0]
    checked = 0
    for team, row in act.items():
        if not row[2]:
            continue
        visit.open(f"/dashboard/questions?unit=team:{_channel(team)}")
        counts = _latest_two_weeks(visit.table()[1:])
        for key, column in (("Well-being", "Well-being"), ("Stress", "Stress")):
            if key not in counts:
                continue
            before, now = counts[key]
            expected = abs(_mean(now) - _mean(before)) > 2 * math.hypot(_se(now), _se(before))
            said = "changed" in row[labels.index(column)]
            assert said == expected, (team, key, row[labels.index(column)], before, now)
            checked += 1
    assert checked >= 4
    # The overview's sentence never reads noise as news.
    for team in act:
        visit.open(f"/dashboard/overview?unit=team:{_channel(team)}")
        reading = visit.page.locator("#reading").inner_text()
        if " on the week before" in reading:
            assert "changed" in act[team][labels.index("Well-being")], (team, reading)


def _channel(name: str) -> str:
    return next(t.channel for t in TEAMS if t.name == name)


def _latest_two_weeks(rows: list[list[str]]) -> dict[str, tuple[list[int], list[int]]]:
    by_question: dict[str, list[list[int]]] = {}
    for row in rows:
        if row[7]:
            by_question.setdefault(row[1], []).append([int(v) for v in row[2:7]])
    return {q: (weeks[-2], weeks[-1]) for q, weeks in by_question.items() if len(weeks) >= 2}


def _mean(counts: list[int]) -> float:
    return sum((i + 1) * c for i, c in enumerate(counts)) / sum(counts)


def _se(counts: list[int]) -> float:
    n, mean = sum(counts), _mean(counts)
    variance = sum(c * (i + 1 - mean) ** 2 for i, c in enumerate(counts)) / (n - 1)
    return math.sqrt(max(variance, 0.25) / n)


# -- privacy in the browser ----------------------------------------------------------------------------


def test_small_teams_are_hidden_on_the_page_and_in_every_response(visit: Visit) -> None:
    visit.sign_in_as(HR)
    visit.open("/dashboard/compare?unit=org:")
    rows = {row[0]: row for row in visit.table()[1:]}
    for team in SMALL_TEAMS:
        assert rows[team.name][2:-1] == [""] * (len(rows[team.name]) - 3)
        assert rows[team.name][-1] == HIDDEN[0].upper() + HIDDEN[1:]  # a sentence in its own cell
    for team in SMALL_TEAMS:
        visit.open(f"/dashboard/overview?unit=team:{team.channel}")
        assert all(row[1] == "" for row in visit.table()[1:])
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
        if figure.get("layout", {}).get("meta", {}).get("unit") == team_name:
            for trace in figure.get("data", []):
                if trace.get("name") in ("Well-being (1–5)", "Participation (%)"):
                    assert all(v is None for v in trace.get("y", [])), trace


def table_rows_in(data: Any) -> Iterator[list[str]]:
    if isinstance(data, dict):
        if data.get("type") == "Tr":
            cells = data.get("props", {}).get("children", [])
            yield row_values([c for c in cells if isinstance(c, dict)])
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
    visit.sign_in_as(HEAD)
    for path in ("/dashboard/act", "/dashboard/compare", "/dashboard/overview", "/dashboard/questions"):
        visit.open(path)
        shown = visit.table()
        with visit.page.expect_download() as download:
            visit.page.click("#kindred-export")
        exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert exported == shown, path


def test_engagement_on_a_phone_opens_what_is_current_and_the_rest_one_tap_away(
    browser: Any, demo_url: str
) -> None:
    visit = Visit(browser, demo_url, 390)
    try:
        visit.sign_in_as(HR)
        visit.open("/dashboard/engagement")
        rows = visit.table()[1:]  # the wide table is hidden on a phone, but in the page

        def open_cards() -> list[str]:
            titles = visit.page.locator("#kindred-cards .kindred-card-title")
            return [titles.nth(i).inner_text() for i in range(titles.count()) if titles.nth(i).is_visible()]

        rounds = [row[1] for row in rows if row[0].startswith("Peer support")]
        groups = [row[1] for row in rows if row[0] == "Resource group: members"]
        assert len(rounds) > 1 and groups
        assert open_cards() == [rounds[-1], *groups]  # the latest round, then each group's members
        visit.page.get_by_role("button", name=f"Show the {len(rounds) - 1} earlier rounds").click()
        visit.page.wait_for_function(
            f"() => document.querySelectorAll('#kindred-cards .kindred-card').length > 0 && "
            f"[...document.querySelectorAll('#kindred-cards .kindred-card-title')]"
            f".filter(t => t.offsetParent).length === {len(groups) + len(rounds)}"
        )
        assert sorted(open_cards()) == sorted([*rounds, *groups])
        assert visit.phone_layout_problems() == []
    finally:
        visit.close()


# -- every page, both widths: accessibility, layout, screenshots --------------------------------------


@pytest.mark.parametrize("role", [HR, HEAD, MANAGER, HIDDEN_TEAM_MANAGER])
def test_every_page_at_both_widths_is_accessible_fits_and_is_photographed(
    browser: Any, demo_url: str, role: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for width in WIDTHS:
        visit = Visit(browser, demo_url, width)
        try:
            visit.sign_in_as(role)
            for tab, href in visit.tabs().items():
                visit.open(href)
                visit.page.wait_for_timeout(300)  # Plotly's resize after the first paint
                assert visit.page.evaluate("document.documentElement.scrollWidth") <= width, (
                    role,
                    tab,
                    width,
                )
                visit.page.screenshot(path=str(SCREENSHOTS / f"{role}-{tab}-{width}.png"), full_page=True)
                if width == 390:
                    assert visit.phone_layout_problems() == [], (role, tab)
                else:
                    assert visit.crowded_table_cells() == [], (role, tab)
                found = visit.serious_accessibility_problems()
                if found:
                    problems[f"{tab} at {width}px"] = found
            if width == 390:  # the navigation is a drawer on a phone: off screen, then opened by "Menu"
                tab = visit.page.locator("[id^=tab-]").first
                assert (tab.bounding_box() or {"x": 0})["x"] < 0
                visit.page.click("#kindred-menu")
                visit.page.wait_for_function(
                    "() => document.querySelector('[id^=tab-]').getBoundingClientRect().x >= 0"
                )
                visit.page.screenshot(path=str(SCREENSHOTS / f"{role}-menu-{width}.png"))
        finally:
            visit.close()
    print(json.dumps(problems, indent=1))
    assert problems == {}


def test_the_sign_in_page_fits_a_phone(visit: Visit) -> None:
    visit.page.set_viewport_size({"width": 390, "height": 800})
    visit.page.goto(f"{visit.base}/dashboard/demo-sign-in")
    assert visit.page.locator("meta[name=viewport]").count() == 1
    assert visit.page.evaluate("document.documentElement.lang") == "en"
    assert visit.serious_accessibility_problems() == []
