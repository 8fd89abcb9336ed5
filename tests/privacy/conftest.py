"""A lived-in workspace for the attacks: the real web app (Slack endpoint and dashboard), the worker, and
the collection of everything published (tests/privacy/surfaces.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import dash._pages
import pytest
from sqlalchemy import Engine

from slackapp.app import create_app
from slackapp.database import SessionFactory
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
def no_complementary_suppression(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately weakened publisher: small cells hidden, but nothing hidden to protect them.

    The one place a test replaces Kindred's own code: to prove an attack is not toothless, it must
    recover the hidden answers from a publication a careless implementation would make.
    """
    from slackapp.privacy import publish
    from slackapp.privacy.suppression import Tree, UnitKey

    def size(
        tree: Tree, node: UnitKey, respondents: Mapping[str, int], asked: Iterable[str] | None = None
    ) -> int:
        teams = [t.id for t in tree.teams_under(node) if t.id in respondents]
        if asked is not None:
            teams = [t for t in teams if t in set(asked)]
        return sum(respondents[t] for t in teams) if teams else -1

    def primary_only(
        tree: Tree, respondents: Mapping[str, int], k: int, start: Iterable[UnitKey] | None = None
    ) -> frozenset[UnitKey]:
        eligible = set(tree.postorder()) if start is None else set(start)
        return frozenset(node for node in eligible if size(tree, node, respondents) >= k)

    def primary_only_questions(
        tree: Tree,
        published: frozenset[UnitKey],
        respondents: Mapping[str, int],
        asked: Mapping[str, frozenset[str]],
        questions: Iterable[str],
        k: int,
    ) -> dict[str, frozenset[UnitKey]]:
        return {
            q: frozenset(
                n
                for n in published
                if size(tree, n, respondents, [t for t, keys in asked.items() if q in keys]) >= k
            )
            for q in questions
        }

    monkeypatch.setattr(publish, "publishable", primary_only)
    monkeypatch.setattr(publish, "publishable_questions", primary_only_questions)


def _recomputing_publisher(monkeypatch: pytest.MonkeyPatch, *, todays_departments: bool) -> None:
    """Weaken the worker's publisher into what Kindred had before publications were stored: a week is
    shown as soon as its rounds have closed and worked out again whenever anything changes."""
    from datetime import datetime, timedelta

    from sqlalchemy import delete, select, update

    from slackapp.checkins.models import Round, RoundState
    from slackapp.org.models import Department, Team
    from slackapp.privacy import jobs, publish
    from slackapp.privacy.models import Publication, PublishedCell, PublishedRound, PublishedUnit

    original = jobs.publish_due_periods
    # Working weeks out again needs what they were worked out from: this publisher keeps every round's
    # histograms and counts, as Kindred did before a publication deleted what it took.
    monkeypatch.setattr(publish, "_shred_taken", lambda *args: None)

    def again(*, session: Any, workspace_id: str, now: datetime, **kwargs: Any) -> publish.PublishOutcome:
        still_open = select(Round.id).where(
            Round.workspace_id == workspace_id, Round.state != RoundState.CLOSED
        )
        if session.scalar(still_open.limit(1)) is not None:  # shown again once every round has closed
            return publish.PublishOutcome(published=[], next_check=now + timedelta(hours=1))
        for model in (PublishedCell, PublishedRound, PublishedUnit, Publication):
            session.execute(
                delete(model).where(model.workspace_id == workspace_id)
                if hasattr(model, "workspace_id")
                else delete(model)
            )
        if todays_departments:
            for team in session.scalars(select(Team).where(Team.workspace_id == workspace_id)):
                name = session.scalar(select(Department.name).where(Department.id == team.department_id))
                session.execute(
                    update(Round)
                    .where(Round.channel_id == team.channel_id, Round.state == RoundState.CLOSED)
                    .values(department_id=team.department_id, department_name=name)
                )
        week_over = publish.period_end(publish.period_of(now)) + timedelta(minutes=1)
        outcome = original(session=session, workspace_id=workspace_id, now=week_over, **kwargs)
        return replace(outcome, next_check=max(outcome.next_check, now + timedelta(hours=1)))

    monkeypatch.setattr(jobs, "publish_due_periods", again)


@pytest.fixture
def publications_recomputed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened publisher that shows a week once its rounds close and re-publishes it after any change."""
    _recomputing_publisher(monkeypatch, todays_departments=False)


@pytest.fixture
def past_follows_todays_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened publisher that also works every past week out again with today's departments."""
    _recomputing_publisher(monkeypatch, todays_departments=True)


@pytest.fixture
def means_to_two_decimals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened publisher and dashboard: means stored and shown to two decimals instead of one.

    Two decimals of a mean over a few dozen answers leave about one whole total per possible count; set
    beside the same mean after a rebuilt week (`publications_recomputed`), they pin a hidden count.
    """
    from dashboards import queries
    from slackapp.privacy import publish

    one_decimal = publish._figures

    def two_decimals(counts: Sequence[int]) -> dict[str, Any]:
        figures = one_decimal(counts)
        values = range(1, len(counts) + 1)
        figures["mean"] = round(sum(v * c for v, c in zip(values, counts, strict=True)) / sum(counts), 2)
        return figures

    def number(value: float | None, digits: int = 2) -> str:
        return "" if value is None else f"{value:.2f}"

    monkeypatch.setattr(publish, "_figures", two_decimals)
    monkeypatch.setattr(queries, "_number", number)


@pytest.fixture
def anyone_may_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately weakened intake: the ledger takes anyone's answer, invited to the round or not."""
    from slackapp.checkins import service

    for sql in service.INTAKE_SQL.values():
        # The invitee check is the last condition of the ledger INSERT: `EXISTS (... checkin_invitee ...)`.
        invited_only, _, check = sql.count_if_invited.partition(" EXISTS (")
        assert "checkin_invitee" in check
        anyone = invited_only.removesuffix(" WHERE").removesuffix(" AND")
        monkeypatch.setattr(sql, "count_if_invited", anyone)


@pytest.fixture
def changes_against_hidden_weeks(monkeypatch: pytest.MonkeyPatch, session_factory: SessionFactory) -> None:
    """A weakened "Where to act": when a team's previous week is hidden, its change is still worked out,
    from that week's round, and marked whenever the mean moved at all.

    Publishing deletes a round's histograms, so this one keeps them aside as the publisher reads them,
    just before (as a careless implementation that kept them would still have them)."""
    import uuid

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from dashboards import queries
    from slackapp.privacy import publish
    from slackapp.privacy.gate import Cell
    from slackapp.privacy.models import PublishedCell

    kept: dict[uuid.UUID, dict[str, dict[int, int]]] = {}
    read = publish._histograms

    def keeping(session: Session, round_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, dict[int, int]]]:
        found = read(session, round_ids)
        kept.update(found)
        return found

    monkeypatch.setattr(publish, "_histograms", keeping)
    shown_only = queries._measures

    def against_the_round(latest: Cell, before: Cell | None) -> dict[str, queries.Measure]:
        measures = shown_only(latest, before)
        if before is None or before.respondents is not None:
            return measures
        totals: dict[str, list[int]] = {}
        with session_factory() as session:
            round_id = session.scalar(
                select(PublishedCell.round_id).where(
                    PublishedCell.unit == latest.unit.to_param(), PublishedCell.period == before.period
                )
            )
        for key, histogram in (kept.get(round_id, {}) if round_id is not None else {}).items():
            for value, count in histogram.items():
                totals.setdefault(key, [0, 0])
                totals[key][0] += value * count
                totals[key][1] += count
        for key, measure in measures.items():
            if measure.value is not None and totals.get(key, [0, 0])[1]:
                then = round(totals[key][0] / totals[key][1], 1)
                change = round(measure.value - then, 1)
                measures[key] = queries.Measure(measure.value, change, change != 0, before.period)
        return measures

    monkeypatch.setattr(queries, "_measures", against_the_round)


@pytest.fixture
def labels_that_name_their_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened gate whose hidden cells say which rule hid them: "fewer than 5 answers" (so at most 4)
    or "hidden so that a smaller group's answers can't be worked out" (so at least 5)."""
    from slackapp.privacy import gate
    from slackapp.privacy.publish import HiddenReason

    def naming_the_rule(reason: str, min_group_size: int) -> str:
        if reason == HiddenReason.PROTECTS:
            return "hidden so that a smaller group's answers can't be worked out"
        return f"fewer than {min_group_size} answers — hidden to protect anonymity"

    monkeypatch.setattr(gate, "reason_text", naming_the_rule)


@pytest.fixture
def monthly_joins_and_live_member_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened engagement page, as Kindred had it: each group's member count as the worker last
    counted it (today's), and its joins month by month, the current month included, each month hidden
    alone when small - nothing hidden to protect a hidden month from the count beside it."""
    from datetime import datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from slackapp.privacy import gate
    from slackapp.resources.models import ResourceEntry, ResourceJoinCount
    from slackapp.resources.stats import GroupCount, GroupFigures, GroupJoins, month_of, suppress

    def live(*, session: Session, workspace_id: str, min_group_size: int, now: datetime) -> GroupFigures:
        entries = list(
            session.scalars(
                select(ResourceEntry)
                .where(
                    ResourceEntry.workspace_id == workspace_id,
                    ResourceEntry.channel_id.is_not(None),
                    ResourceEntry.archived_at.is_(None),
                )
                .order_by(ResourceEntry.name)
            )
        )
        members = [
            GroupCount(e.id, e.name, suppress(e.member_count, min_group_size), month_of(now)) for e in entries
        ]
        rows = session.execute(
            select(ResourceEntry.id, ResourceEntry.name, ResourceJoinCount.month, ResourceJoinCount.count)
            .join(ResourceJoinCount, ResourceJoinCount.entry_id == ResourceEntry.id)
            .where(ResourceEntry.workspace_id == workspace_id)
            .order_by(ResourceJoinCount.month, ResourceEntry.name)
        )
        joins = [
            GroupJoins(entry_id, name, month, month, suppress(count, min_group_size))
            for entry_id, name, month, count in rows
        ]
        return GroupFigures(members=members, joins=joins)

    monkeypatch.setattr(gate, "group_figures", live)


Shown = tuple[int, int] | None  # a count of people as a weakened page shows it: (low, high), or blank
ShowCounts = Callable[[int, int, int, bool, int], tuple[Shown, Shown, Shown]]


def _pairing_counts(monkeypatch: pytest.MonkeyPatch, show: ShowCounts) -> None:
    """Weaken the engagement page's peer-support counts: `show(opted_in, taking_part, met, closed, k)`
    gives how each of the three is shown instead of its step."""
    from slackapp.pairing import stats
    from slackapp.privacy.suppression import Step

    in_steps = stats.round_figures

    def weakened(**kwargs: Any) -> stats.RoundFigures:
        keys = ("opted_in", "taking_part", "met", "closed", "min_group_size")
        opted_in, taking_part, met = (
            None if c is None else Step(*c) for c in show(*(kwargs[k] for k in keys))
        )
        return replace(in_steps(**kwargs), opted_in=opted_in, taking_part=taking_part, met=met)

    monkeypatch.setattr(stats, "round_figures", weakened)


@pytest.fixture
def pairing_counts_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened peer-support page, as Kindred had it before its counts went into steps: a round of at
    least the minimum who opted in and were paired showed how many were paired, exactly; the share of
    those who opted in that were paired only when the paired and the not paired were each at least the
    minimum, and the share who met only when those who met and those who did not were. Each share is
    written here as the count it gave back beside the exact number paired."""

    def as_before(opted_in: int, taking_part: int, met: int, closed: bool, k: int) -> tuple[Shown, ...]:
        if opted_in < k or taking_part < k:
            return None, None, None
        share = taking_part >= k and opted_in - taking_part >= k
        meetings = closed and met >= k and taking_part - met >= k
        return (
            (opted_in, opted_in) if share else None,
            (taking_part, taking_part),
            (met, met) if meetings else None,
        )

    _pairing_counts(monkeypatch, as_before)


@pytest.fixture
def meeting_rates_beside_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened peer-support page that puts its counts in steps but keeps the share of those paired
    who met, to the percent, as Kindred showed it: "at least 5 (55%)"."""
    from slackapp.pairing import stats
    from slackapp.privacy.suppression import Step

    @dataclass(frozen=True)
    class WithRate(Step):
        rate: float = 0.0

        def text(self) -> str:
            return f"{super().text()} ({self.rate:.0%})"

    in_steps = stats.round_figures

    def with_rate(**kwargs: Any) -> stats.RoundFigures:
        figures = in_steps(**kwargs)
        if figures.met is None or not kwargs["taking_part"]:
            return figures
        rate = kwargs["met"] / kwargs["taking_part"]
        return replace(figures, met=WithRate(figures.met.low, figures.met.high, rate))

    monkeypatch.setattr(stats, "round_figures", with_rate)


@pytest.fixture
def meetings_counted_live(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened peer-support page, as Kindred had it before meetings were counted at the close: the
    people who met counted live while a round runs, and shown exactly (as a rate beside an exact number
    paired was)."""
    from slackapp.pairing import stats

    def live(round_met_count: int | None, reported_so_far: int) -> int:
        return reported_so_far

    def exactly(opted_in: int, taking_part: int, met: int, closed: bool, k: int) -> tuple[Shown, ...]:
        return None, (taking_part, taking_part), (met, met)

    monkeypatch.setattr(stats, "_met", live)
    _pairing_counts(monkeypatch, exactly)


@pytest.fixture
def opted_in_counts_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened App Home and preview: HR's list of programmes says how many opted in, and the next
    round's preview how many would take part and how many could not be placed, however few."""
    from slackapp.home import publish
    from slackapp.pairing import listeners, views
    from slackapp.pairing.matching import Matching

    def preview_every_count(matching: Matching, channel_id: str, **kwargs: Any) -> Any:
        return views.build_preview(matching, channel_id, **(kwargs | {"min_group_size": 1}))

    monkeypatch.setattr(listeners, "build_preview", preview_every_count)
    from slackapp.pairing.service import list_programmes, member_counts
    from slackapp.pairing.views import build_programme_admin_blocks

    def every_count(
        *, db: SessionFactory, workspace_id: str, min_group_size: int, page: int = 0
    ) -> list[Any]:
        with db() as session:
            programmes = list_programmes(session=session, workspace_id=workspace_id)
            counts = member_counts(session=session, workspace_id=workspace_id)
        shown = {str(k): v for k, v in counts.items()}
        return build_programme_admin_blocks(programmes, shown, page, min_group_size=min_group_size)

    monkeypatch.setattr(publish, "programme_admin_blocks", every_count)


@pytest.fixture
def participation_rates_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened peer-support page, as Kindred had it: the share of those who opted in that were paired
    shown for every round big enough to show, however few were not paired - written here as the number
    who opted in that it gave back beside the exact number paired."""

    def whenever_the_round_is_shown(
        opted_in: int, taking_part: int, met: int, closed: bool, k: int
    ) -> tuple[Shown, ...]:
        if opted_in < k or taking_part < k:
            return None, None, None
        return (opted_in, opted_in), (taking_part, taking_part), None

    _pairing_counts(monkeypatch, whenever_the_round_is_shown)


@pytest.fixture
def repeats_counted_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened next-round preview, as Kindred had it: how many pairs would meet again, exactly."""
    from slackapp.pairing import views

    def exactly(count: int, min_group_size: int) -> str:
        return f"*{count}*" + (" (the least recent possible; nothing else fitted)" if count else "")

    monkeypatch.setattr(views, "_repeats", exactly)
