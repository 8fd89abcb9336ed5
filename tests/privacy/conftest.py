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


@pytest.fixture
def suppression_per_viewer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A weakened gate that suppresses each viewer's own scope on its own, not one publication for all.

    A manager of one team of a department then sees that team whenever it is big enough in their
    scope, though the department's head has it hidden to protect a smaller team beside it.
    """
    from slackapp.privacy import gate
    from slackapp.privacy.suppression import UnitKey, UnitKind, build_tree, publishable

    def scoped_publication(self: gate.Gate, period: gate._Period) -> gate._Publication:
        mine = {
            channel: r
            for channel, r in period.rounds.items()
            if self.viewer.may_see(UnitKey(UnitKind.TEAM, channel), self.org)
        }
        tree = build_tree({channel: r.department for channel, r in mine.items()})
        published = publishable(tree, {c: r.respondents for c, r in mine.items()}, self.rules.min_group_size)
        return gate._Publication(
            tree=tree, cells=dict.fromkeys((gate.PARTICIPATION, *gate.QUESTION_KEYS), published)
        )

    monkeypatch.setattr(gate.Gate, "_publication", scoped_publication)
    gate._SNAPSHOTS.clear()
    yield
    gate._SNAPSHOTS.clear()


@pytest.fixture
def past_follows_todays_structure(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A weakened gate that works every past week out again with today's departments."""
    from slackapp.privacy import gate

    original = gate.Gate._load_periods

    def todays_departments(self: gate.Gate) -> list[gate._Period]:
        periods = []
        for period in original(self):
            rounds = {}
            for channel, r in period.rounds.items():
                team = self.org.teams.get(channel)
                department = str(team.department_id) if team and team.department_id else None
                rounds[channel] = r._replace(department=department)
            departments: dict[str, list[str]] = {}
            for channel in sorted(rounds):
                if rounds[channel].department is not None:
                    departments.setdefault(str(rounds[channel].department), []).append(channel)
            periods.append(
                replace(period, rounds=rounds, departments={d: tuple(c) for d, c in departments.items()})
            )
        gate._SNAPSHOTS.clear()  # a move changes no round, so the cache would hide it
        return periods

    original_snapshot = gate.Gate._snapshot

    def never_cached(self: gate.Gate) -> gate._Snapshot:
        if self._snapshot_cache is None:
            gate._SNAPSHOTS.clear()
        return original_snapshot(self)

    monkeypatch.setattr(gate.Gate, "_load_periods", todays_departments)
    monkeypatch.setattr(gate.Gate, "_snapshot", never_cached)
    gate._SNAPSHOTS.clear()
    yield
    gate._SNAPSHOTS.clear()


@pytest.fixture
def anyone_may_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately weakened intake: the ledger takes anyone's answer, invited to the round or not."""
    from sqlalchemy import bindparam, insert, select

    from slackapp.checkins import service
    from slackapp.checkins.models import Participation, Round, RoundState

    open_round = (
        select(Round.id)
        .where(Round.id == bindparam("round_id"), Round.state != RoundState.CLOSED)
        .cte("open_round")
    )
    voter = bindparam("voter", type_=Participation.__table__.c.voter_hash.type)
    anyone = (
        insert(Participation)
        .from_select(["round_id", "voter_hash"], select(open_round.c.id, voter))
        .returning(Participation.__table__.c.round_id)
    )
    monkeypatch.setattr(service, "_COUNT_IF_INVITED", anyone)
