"""`kindred demo`: an organisation made through the real check-in code, and a dashboard to pick a role on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dash._pages
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from slackapp.checkins.models import Answer, Histogram, Participation, Round, RoundState
from slackapp.database import new_engine, new_session_factory
from slackapp.demo.organisation import TEAMS, demo_roles
from slackapp.demo.run import build_demo_app
from slackapp.privacy.models import PublishedRound
from tests.conftest import repo_root

SMALL_TEAMS = {t.name for t in TEAMS if t.size < 5}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FlaskClient, Path]]:
    dash._pages.PAGE_REGISTRY.clear()
    path = tmp_path_factory.mktemp("demo") / "kindred-demo.db"
    web = build_demo_app(path, weeks=3)
    yield web.test_client(), path
    dash._pages.PAGE_REGISTRY.clear()


def sign_in(client: FlaskClient, user_id: str) -> None:
    reply = client.post("/dashboard/demo-sign-in", data={"user_id": user_id})
    assert reply.status_code == 302 and reply.headers["Location"] == "/dashboard/"


def page(client: FlaskClient, path: str, search: str = "") -> str:
    reply = client.post(
        "/dashboard/_dash-update-component",
        json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": search},
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [],
        },
    )
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_the_demo_is_made_of_closed_rounds_with_nothing_row_level_left(
    demo: tuple[FlaskClient, Path],
) -> None:
    _client, path = demo
    engine = new_engine(f"sqlite:///{path}")
    with new_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 3 * len(TEAMS)
        assert session.scalar(select(func.count()).where(Round.state != RoundState.CLOSED)) == 0
        assert session.scalar(select(func.count()).select_from(Answer)) == 0
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
        # Histograms only of rounds no publication has taken yet (the week still under way, if any).
        published = select(PublishedRound.round_id)
        assert session.scalar(select(func.count()).select_from(PublishedRound)) or 0
        left = select(func.count()).select_from(Histogram).where(Histogram.round_id.in_(published))
        assert session.scalar(left) == 0
    engine.dispose()
    assert 280 <= sum(t.size for t in TEAMS) <= 320
    assert len({t.department for t in TEAMS}) == 5


def test_the_demo_sign_in_offers_hr_a_manager_and_someone_without_access(
    demo: tuple[FlaskClient, Path],
) -> None:
    client, _path = demo
    html = client.get("/dashboard/demo-sign-in").get_data(as_text=True)
    for role in demo_roles():
        assert role.name in html


def test_hr_in_the_demo_sees_every_team_but_not_the_small_ones_numbers(
    demo: tuple[FlaskClient, Path],
) -> None:
    client, _path = demo
    sign_in(client, "UDEMOHR")
    compare = page(client, "/dashboard/compare", "?unit=org:")
    for team in TEAMS:
        assert team.name in compare
    assert compare.count("fewer than 5 answers") >= len(SMALL_TEAMS)


def test_a_demo_manager_sees_only_their_team(demo: tuple[FlaskClient, Path]) -> None:
    client, _path = demo
    sign_in(client, "UDEMOMGR01")
    overview = page(client, "/dashboard/")
    assert "Payments" in overview and "Mobile" not in overview and "Support Tier 1" not in overview


def test_someone_without_an_assignment_sees_nothing_in_the_demo(demo: tuple[FlaskClient, Path]) -> None:
    client, _path = demo
    sign_in(client, "UDEMONOBODY")
    assert "nothing for you here" in page(client, "/dashboard/")


def test_the_demo_needs_no_environment_at_all(tmp_path: Path) -> None:
    script = (
        "from pathlib import Path; from slackapp.settings import Settings; Settings.from_env();"
        "from slackapp.demo.run import build_demo_app;"
        f"app = build_demo_app(Path({str(tmp_path / 'demo.db')!r}), weeks=1);"
        "print(app.test_client().get('/dashboard/demo-sign-in').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(repo_root())},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("200")
