"""Where to act (and Compare) as a leader's browser draws them, on the 500-team organisation of run.py.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -u benchmarks/dashboard/page.py

run.py times the data behind each view; this times the page: headless Chromium (Debian's, as the browser
tests use) opens the real web app - Flask, Dash, the layout callback through the privacy gate - and
reports, per load, the time from navigation to the page settled (its last DOM change, once a second has
passed with none), the DOM size, the layout response's size, and the browser's own main-thread time.
HR at 500 teams beside the department head at 20, at 1400 and 390 pixels wide. Prints figures only.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for folder in (REPO_ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import dash._pages  # noqa: E402
import run as bench  # noqa: E402
from playwright.sync_api import Page as Tab  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from slackapp.app import create_app  # noqa: E402
from slackapp.database import new_engine, new_session_factory  # noqa: E402
from slackapp.demo.organisation import DemoRole  # noqa: E402
from slackapp.migrate import upgrade_database  # noqa: E402
from slackapp.settings import Settings  # noqa: E402
from slackapp.web import create_web_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = (1400, 390)

# Every DOM change after navigation, timed from navigation start: the page has settled at the last one.
WATCH_CHANGES = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
FIGURES = """() => {
  const layouts = performance.getEntriesByType('resource')
    .filter(e => e.name.includes('_dash-update-component'));
  const biggest = layouts.reduce((a, e) => (e.decodedBodySize > (a ? a.decodedBodySize : -1) ? e : a), null);
  return {
    settled: window.__lastChange,
    nodes: document.getElementsByTagName('*').length,
    rows: document.querySelectorAll('#kindred-table tbody tr').length,
    cards: document.querySelectorAll('#kindred-cards .kindred-card').length,
    layout_kb: biggest ? biggest.decodedBodySize / 1024 : 0,
    layout_ms: biggest ? biggest.responseEnd - biggest.requestStart : 0,
  };
}"""


def serve(url: str) -> tuple[str, Any]:
    """The real web app (Bolt's endpoint and the dashboard) on a free port; demo sign-in for the viewers."""
    settings = Settings(
        database_url=url,
        slack_api_url="http://127.0.0.1:9/api/",  # nothing listens there: pages never call Slack
        slack_bot_token="xoxb-benchmark",
        slack_signing_secret="benchmark-signing-secret",
        # Not two uuid4 hexes: 64 hex digits miss one of the 16 about one run in four, and Kindred refuses
        # a key with fewer than 16 different characters (slackapp/keys/encryption.py).
        secret_key=secrets.token_urlsafe(32),
        demo=True,  # only for the sign-in: pick a viewer instead of Sign in with Slack
    )
    engine = new_engine(url, pool_size=5)
    dash._pages.PAGE_REGISTRY.clear()
    web = create_web_app(create_app(settings, new_session_factory(engine)), engine, settings)
    web.config["demo_roles"] = [
        asdict(DemoRole(bench.HR, "HR", "sees everything", bench.WORKSPACE, workspace_admin=True)),
        asdict(DemoRole(bench.HEAD, "Head", "department 00", bench.WORKSPACE)),
    ]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in the figures
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def load_once(context: Any, address: str) -> dict[str, float]:
    """One navigation in a fresh tab: wait until the page has settled, then read what it took."""
    tab: Tab = context.new_page()
    tab.set_default_timeout(300_000)
    cdp = context.new_cdp_session(tab)
    cdp.send("Performance.enable")
    tab.add_init_script(WATCH_CHANGES)
    tab.goto(address, wait_until="commit")
    tab.wait_for_selector("#kindred-table", state="attached")
    tab.wait_for_selector("#kindred-figure .main-svg")
    tab.wait_for_load_state("networkidle")
    tab.wait_for_function("() => performance.now() - window.__lastChange > 1000", polling=100)
    found: dict[str, float] = tab.evaluate(FIGURES)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    # The renderer's main thread: script, style and layout - on a shared machine, read beside the wall time.
    found["main_thread_ms"] = metrics.get("TaskDuration", 0.0) * 1000
    found["heap_mb"] = metrics.get("JSHeapUsedSize", 0.0) / 2**20
    tab.close()
    return found


def measure(base: str, repeat: int, screenshots: Path | None = None) -> None:
    views = [
        ("HR: where to act, all 500 teams", bench.HR, "/dashboard/act?unit=org:"),
        ("HR: compare, all 500 teams", bench.HR, "/dashboard/compare?unit=org:"),
        ("head: where to act, 20 teams", bench.HEAD, "/dashboard/act"),
    ]
    print(
        f"{'view':<34} {'width':>5} {'first':>7} {'settled p50':>11} {'max':>6} {'main thread':>11}"
        f" {'layout':>7} {'response':>9} {'DOM nodes':>9} {'rows':>5} {'cards':>5} {'heap':>6}"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        for label, viewer, path in views:
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900})
                tab = context.new_page()
                tab.goto(f"{base}/dashboard/demo-sign-in")
                tab.click(f"#role-{viewer}")
                tab.wait_for_url(f"{base}/dashboard/")
                tab.close()
                first = load_once(context, f"{base}{path}")  # the browser's cache is cold for this view
                runs = [load_once(context, f"{base}{path}") for _ in range(repeat)]
                if screenshots is not None:  # to look at, as a leader would: after the timed loads
                    screenshots.mkdir(parents=True, exist_ok=True)
                    tab = context.new_page()
                    tab.goto(f"{base}{path}")
                    tab.wait_for_selector("#kindred-figure .main-svg", timeout=300_000)
                    tab.wait_for_load_state("networkidle")
                    shot = f"{viewer}-{path.split('/')[2].split('?')[0]}-{width}.png"
                    tab.screenshot(path=str(screenshots / shot), full_page=True)
                    tab.close()
                context.close()
                settled = [r["settled"] for r in runs]
                last = runs[-1]
                print(
                    f"{label:<34} {width:>5} {first['settled']:>5.0f}ms {statistics.median(settled):>9.0f}ms"
                    f" {max(settled):>4.0f}ms {statistics.median(r['main_thread_ms'] for r in runs):>9.0f}ms"
                    f" {statistics.median(r['layout_ms'] for r in runs):>5.0f}ms {last['layout_kb']:>6.0f} kB"
                    f" {last['nodes']:>9.0f} {last['rows']:>5.0f} {last['cards']:>5.0f}"
                    f" {last['heap_mb']:>3.0f} MB",
                    flush=True,
                )
        browser.close()
    print(f"{bench.load()}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="measured loads per view and width")
    parser.add_argument("--weeks", type=int, default=bench.WEEKS, help="fewer weeks, for a quicker run")
    parser.add_argument("--screenshots", type=Path, help="save a full-page screenshot of each view here")
    args = parser.parse_args()
    server = None
    with bench.scratch_database() as url:
        try:
            upgrade_database(url)
            started = time.perf_counter()
            bench.build(url, args.weeks)
            print(
                f"built {bench.TEAMS} teams, {bench.PEOPLE:,} people, {args.weeks} weekly publications in"
                f" {time.perf_counter() - started:.0f} s; {bench.load()}"
            )
            address, server = serve(url)
            measure(address, args.repeat, args.screenshots)
        finally:
            if server is not None:
                server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
