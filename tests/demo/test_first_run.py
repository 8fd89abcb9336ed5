"""A new user's first run: `kindred demo` says where to open the dashboard in one line and then keeps quiet,
`/` leads to the dashboard, and the README describes the organisation the demo really builds."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slackapp.checkins.models import Round
from slackapp.database import new_engine, new_session_factory, utcnow
from slackapp.demo.organisation import TEAMS, WEEKS, build_demo_organisation, demo_summary
from slackapp.demo.run import demo_settings, first_demo_week
from slackapp.migrate import upgrade_database
from slackapp.org.models import Team
from tests.conftest import repo_root

DEMO_START_SECONDS = 300  # building 12 weeks of rounds on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str) -> tuple[int, str]:
    """Status and Location of a GET, without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", "")


@pytest.fixture
def demo_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str], int]]:
    """`kindred demo` as a person starts it, with its terminal (stdout and stderr together) captured."""
    port = _free_port()
    kindred = Path(sys.executable).parent / "kindred"
    process = subprocess.Popen(
        [str(kindred), "demo", "--port", str(port), "--host", "127.0.0.1"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    terminal: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            terminal.append(line.rstrip("\n"))
            if "open http" in line:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(DEMO_START_SECONDS)
    try:
        yield process, terminal, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl+C
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=10)


def test_the_demo_prints_where_to_open_the_dashboard_and_nothing_per_request(
    demo_process: tuple[subprocess.Popen[str], list[str], int],
) -> None:
    process, terminal, port = demo_process
    assert process.poll() is None, "kindred demo exited:\n" + "\n".join(terminal)
    for path in ("/", "/dashboard/", "/dashboard/login", "/healthz", "/no-such-page"):
        _get(f"http://127.0.0.1:{port}{path}")
    assert _get(f"http://127.0.0.1:{port}/") == (302, "/dashboard/")

    process.send_signal(signal.SIGINT)
    # Ctrl+C ends it cleanly; the wait is generous because a loaded CI machine delays the worker's exit.
    assert process.wait(timeout=90) == 0
    output = "\n".join(terminal)
    assert "development server" not in output and "GET /" not in output
    assert terminal == [
        f"Building the demo organisation ({demo_summary()}) in kindred-demo.db…",
        f"Kindred demo: open http://127.0.0.1:{port}/dashboard/ and pick a role (Ctrl+C to stop).",
    ], output


def test_the_readme_counts_the_people_teams_and_rounds_the_demo_builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    readme = (repo_root() / "README.md").read_text()
    found = re.search(r"\((\d+) people, (\d+) teams, (\d+) weekly rounds", readme)
    assert found, "the README no longer describes the demo organisation"
    people, teams, weeks = map(int, found.groups())
    assert weeks == WEEKS

    # The organisation as `build_demo_app` builds it, before the worker's publication (which keeps a
    # round's invited count only where it shows the team: docs/anonymity.md rule 3).
    settings = demo_settings(tmp_path_factory.mktemp("demo") / "kindred-demo.db")
    upgrade_database(settings.database_url)
    engine = new_engine(settings.database_url)
    build_demo_organisation(
        session_factory=new_session_factory(engine),
        secret_key=settings.require_secret_key(),
        first_week=first_demo_week(utcnow(), 2),
        weeks=2,
    )
    with new_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == teams == len(TEAMS)
        last_slot = session.scalar(select(func.max(Round.slot)))
        invited = session.scalar(select(func.sum(Round.invited_count)).where(Round.slot == last_slot))
        rounds_per_team = session.scalar(select(func.count()).select_from(Round)) / teams
    engine.dispose()
    assert invited == people
    assert rounds_per_team == 2  # one a week, as the README's "weekly rounds" says
    assert f"({demo_summary()}" in readme
