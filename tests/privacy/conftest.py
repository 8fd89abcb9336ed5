"""A lived-in workspace for the attacks: the real web app (Slack endpoint and dashboard), the worker, and
the collection of everything published (tests/privacy/surfaces.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

import dash._pages
import pytest
from sqlalchemy import Engine

from slackapp.app import create_app
from slackapp.database import SessionFactory
from slackapp.privacy.gate import forget_round_counts
from slackapp.scheduler.worker import Worker
from slackapp.settings import Settings
from slackapp.web import create_web_app
from tests.conftest import SIGNING_SECRET, Clock, SettlingExecutor
from tests.dashboards.conftest import BASE_URL, CLIENT_ID, CLIENT_SECRET, Dashboard
from tests.privacy.world import World
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn


@pytest.fixture
def both_sides(
    settings: Settings,
    session_factory: SessionFactory,
    engine: Engine,
    listener_threads: SettlingExecutor,
    slack: SlackStandIn,
) -> Iterator[tuple[SlackRequests, Dashboard]]:
    """One web process: Slack's signed requests and the dashboard, on the same app."""
    dash._pages.PAGE_REGISTRY.clear()
    forget_round_counts()
    web_settings = replace(settings, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)
    web = create_web_app(
        create_app(web_settings, session_factory, listener_executor=listener_threads), engine, web_settings
    ).test_client()

    def post(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        response = web.post(path, data=body, headers=dict(headers), base_url=BASE_URL)
        listener_threads.settle()
        return response.status_code, response.get_data(as_text=True)

    yield SlackRequests(post, SIGNING_SECRET, response_url_base=slack.hooks_url), Dashboard(web)
    dash._pages.PAGE_REGISTRY.clear()


@pytest.fixture
def world(
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> World:
    return World(slack, both_sides[0], worker, clock, session_factory)


@pytest.fixture
def dashboard(both_sides: tuple[SlackRequests, Dashboard]) -> Dashboard:
    return both_sides[1]


@pytest.fixture
def no_complementary_suppression(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A deliberately weakened gate: small cells hidden, but nothing hidden to protect them.

    The one place a test replaces Kindred's own code: to prove an attack is not toothless, it must
    recover the hidden answers from a gate that publishes what a careless implementation would.
    """
    from slackapp.privacy import gate
    from slackapp.privacy.suppression import Tree, UnitKey

    def primary_only(
        tree: Tree, respondents: Mapping[str, int], k: int, start: Iterable[UnitKey] | None = None
    ) -> frozenset[UnitKey]:
        eligible = set(tree.postorder()) if start is None else set(start)
        published = set()
        for node in eligible:
            teams = [t.id for t in tree.teams_under(node) if t.id in respondents]
            if teams and sum(respondents[t] for t in teams) >= k:
                published.add(node)
        return frozenset(published)

    monkeypatch.setattr(gate, "publishable", primary_only)
    gate._SNAPSHOTS.clear()
    yield
    gate._SNAPSHOTS.clear()
