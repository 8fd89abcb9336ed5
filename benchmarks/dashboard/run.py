"""Dashboard data for a 10,000-person, 500-team organisation with 104 weekly publications, on PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/dashboard/run.py

See README.md beside this file for what is built, what is timed and how to read the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import flask
from sqlalchemy import Engine, create_engine, make_url, text

from dashboards.context import EXTENSION, DashboardContext
from dashboards.navigation import Page
from dashboards.panels import build_view, choose_unit
from slackapp.checkins.questions import CATALOGUE
from slackapp.database import SessionFactory, new_engine, new_session_factory
from slackapp.migrate import upgrade_database
from slackapp.privacy.gate import Gate, PrivacyRules
from slackapp.privacy.publish import (
    PendingRound,
    PreviousCell,
    compute_publication,
    period_end,
    period_of,
    publish_due_periods,
)
from slackapp.privacy.scope import viewer_for
from slackapp.settings import Settings, normalise_database_url

WORKSPACE = "TBENCH"
DEPARTMENTS = 25
TEAMS = 500
PEOPLE = 10_000
WEEKS = 104
MIN_GROUP = 5
RULES = PrivacyRules(min_group_size=MIN_GROUP, min_comment_group_size=10)  # as the web app
FIRST_WEEK = datetime(2024, 11, 25, 9, 30, tzinfo=UTC)  # a Monday
QUESTION_KEYS = [q.key.value for q in CATALOGUE]
# The three kinds of leader: HR sees everything; a department head one department (20 teams); a
# manager three teams of department 00 (so Compare and "Where to act" are offered, with department 00
# as a benchmark).
HR, HEAD, MANAGER = "UHR", "UHEAD", "UMGR"
MANAGED_TEAMS = (0, DEPARTMENTS, 2 * DEPARTMENTS)


def channel(team: int) -> str:
    return f"C{team:05d}"


# -- the organisation, as publications -------------------------------------------------------------


@dataclass
class Organisation:
    departments: list[uuid.UUID]
    sizes: list[int]


def _round_rows(
    rng: random.Random, org: Organisation, opens: datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[PendingRound], dict[uuid.UUID, Any]]:
    """One week's closed rounds (one per team) and histograms, as stored and as publishing reads them."""
    snapshot = json.dumps([q.to_snapshot() for q in CATALOGUE])
    rounds, histogram_rows, pending = [], [], []
    histograms: dict[uuid.UUID, dict[str, dict[int, int]]] = {}
    for t in range(TEAMS):
        round_id = uuid.uuid4()
        department = org.departments[t % DEPARTMENTS]
        respondents = sum(1 for _ in range(org.sizes[t]) if rng.random() < 0.75)
        name = f"Department {t % DEPARTMENTS:02d}"
        rounds.append(
            (
                round_id,
                WORKSPACE,
                channel(t),
                opens,
                snapshot,
                False,
                "closed",
                opens,
                opens + timedelta(hours=72),
            )
            + (org.sizes[t], respondents, department, name)
        )
        pending.append(
            PendingRound(
                id=round_id,
                channel=channel(t),
                week=period_of(opens),
                opens_at=opens,
                closed=True,
                respondents=respondents,
                invited=org.sizes[t],
                department=str(department),
                department_name=name,
            )
        )
        per_question: dict[str, dict[int, int]] = {}
        for key in QUESTION_KEYS:
            counts = [0] * 5
            for _ in range(respondents):
                counts[min(4, max(0, round(rng.gauss(3.4, 1.0)) - 1))] += 1
            per_question[key] = {v + 1: c for v, c in enumerate(counts) if c}
            histogram_rows += [(round_id, key, v, c) for v, c in per_question[key].items()]
        histograms[round_id] = per_question
    return rounds, histogram_rows, pending, histograms


ROUND_COLUMNS = (
    "id, workspace_id, channel_id, slot, questions, comments_enabled, state, opens_at, closes_at,"
    " invited_count, respondent_count, department_id, department_name"
)


def _copy(cursor: Any, table: str, columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> None:
    names = list(columns)
    with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(_stored(row[n]) for n in names))


def _stored(value: Any) -> Any:
    """A value as the ORM stores it: JSON documents as text, an enum by its value."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str):
        return str(value)  # a StrEnum (a hidden cell's reason) by value, as SQLAlchemy writes it
    return value


def build(url: str, weeks: int, seed: int = 1) -> Organisation:
    """The organisation, its rounds and histograms, and one publication per week, written with COPY.

    Each week's publication is worked out by `compute_publication` - the worker's own computation, with
    its suppression - from the same rounds and histograms it would read; only the writing is COPY.
    """
    rng = random.Random(seed)
    engine = create_engine(url)
    now = datetime.now(UTC)
    org = Organisation(
        departments=[uuid.uuid4() for _ in range(DEPARTMENTS)],
        sizes=[max(2, round(rng.gauss(PEOPLE / TEAMS, 6))) for _ in range(TEAMS)],
    )
    team_ids = [uuid.uuid4() for _ in range(TEAMS)]
    previous: dict[str, PreviousCell] = {}
    known: dict[str, date] = {}
    units: dict[str, dict[str, Any]] = {}
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        with cursor.copy("COPY org_department (id, workspace_id, name, created_at) FROM STDIN") as copy:
            for i, dep in enumerate(org.departments):
                copy.write_row((dep, WORKSPACE, f"Department {i:02d}", now))
        with cursor.copy(
            "COPY org_team (id, workspace_id, channel_id, name, department_id, updated_at) FROM STDIN"
        ) as copy:
            for t in range(TEAMS):
                copy.write_row(
                    (
                        team_ids[t],
                        WORKSPACE,
                        channel(t),
                        f"Team {t:03d}",
                        org.departments[t % DEPARTMENTS],
                        now,
                    )
                )
        with cursor.copy(
            "COPY org_manager (id, workspace_id, user_id, team_id, department_id, assigned_by, assigned_at)"
            " FROM STDIN"
        ) as copy:
            copy.write_row((uuid.uuid4(), WORKSPACE, HEAD, None, org.departments[0], HR, now))
            for t in MANAGED_TEAMS:
                copy.write_row((uuid.uuid4(), WORKSPACE, MANAGER, team_ids[t], None, HR, now))
        with cursor.copy(
            "COPY checkin_pulse (id, workspace_id, channel_id, cadence, weekday, local_time, timezone,"
            " open_hours, question_keys, comments_enabled, reminder_enabled, paused, next_open_at,"
            " created_by, created_at) FROM STDIN"
        ) as copy:
            for t in range(TEAMS):
                copy.write_row(
                    (uuid.uuid4(), WORKSPACE, channel(t), "weekly", 0, "09:30", "UTC", 72)
                    + (json.dumps(QUESTION_KEYS), False, False, False, None, HR, now)
                )
        for week in range(weeks):
            opens = FIRST_WEEK + timedelta(weeks=week)
            round_rows, _histogram_rows, pending, histograms = _round_rows(rng, org, opens)
            with cursor.copy(f"COPY checkin_round ({ROUND_COLUMNS}) FROM STDIN") as copy:
                for row in round_rows:
                    copy.write_row(row)
            # No histogram rows: publishing a week deletes its rounds' (slackapp/privacy/publish.py).
            period = period_of(opens)
            rows = compute_publication(
                workspace_id=WORKSPACE,
                period=period,
                rounds=pending,
                asked={r.id: frozenset(QUESTION_KEYS) for r in pending},
                histograms=histograms,
                previous=previous,
                known=known,
                now=period_end(period),
                k=MIN_GROUP,
            )
            _copy(cursor, "privacy_publication", rows.publication, [rows.publication])
            _copy(cursor, "privacy_published_round", rows.rounds[0], rows.rounds)
            _copy(cursor, "privacy_published_cell", rows.cells[0], rows.cells)
            for cell in rows.cells:
                previous[cell["unit"]] = PreviousCell(cell["respondents"], cell["figures"])
                known[cell["unit"]] = period
            units.update({u["unit"]: u for u in rows.units})
        _copy(
            cursor,
            "privacy_publication_schedule",
            ("id", "workspace_id"),
            [{"id": uuid.uuid4(), "workspace_id": WORKSPACE}],
        )
        _copy(cursor, "privacy_published_unit", next(iter(units.values())), list(units.values()))
        # ... and the counts of rounds whose team it does not show, as the worker does.
        cursor.execute(
            "UPDATE checkin_round r SET respondent_count = NULL, invited_count = NULL WHERE NOT EXISTS"
            " (SELECT 1 FROM privacy_published_cell c WHERE c.round_id = r.id AND c.respondents IS NOT NULL)"
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return org


def add_week(url: str, org: Organisation, week: int, seed: int = 2) -> None:
    """One more week: every team's round closes (rounds and histograms only; the worker publishes it)."""
    round_rows, histogram_rows, _pending, _histograms = _round_rows(
        random.Random(seed), org, FIRST_WEEK + timedelta(weeks=week)
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        with cursor.copy(f"COPY checkin_round ({ROUND_COLUMNS}) FROM STDIN") as copy:
            for row in round_rows:
                copy.write_row(row)
        with cursor.copy("COPY checkin_histogram (round_id, question_key, value, count) FROM STDIN") as copy:
            for row in histogram_rows:
                copy.write_row(row)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


# -- the views, as the web app builds them ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    viewer: str
    page: Page
    unit: str | None  # the unit in the URL (None: the page's default for this viewer)
    export: bool = False
    floor_sql: str = ""
    floor_params: tuple[tuple[str, Any], ...] = ()


CELL_COLUMNS = "c.unit, c.period, c.respondents, c.invited, c.respondents_change, c.reason, c.figures"
LATEST_SQL = (
    f"SELECT {CELL_COLUMNS} FROM privacy_published_cell c JOIN privacy_published_unit u"
    " ON u.workspace_id = c.workspace_id AND u.unit = c.unit AND u.latest_period = c.period"
    " WHERE u.workspace_id = :ws AND u.unit = ANY(:units)"
)
BOTH_SQL = (
    f"SELECT {CELL_COLUMNS} FROM privacy_published_cell c JOIN privacy_published_unit u"
    " ON u.workspace_id = c.workspace_id AND u.unit = c.unit"
    " AND c.period IN (u.latest_period, u.previous_period)"
    " WHERE u.workspace_id = :ws AND u.unit = ANY(:units)"
)
SERIES_SQL = (
    f"SELECT {CELL_COLUMNS} FROM privacy_published_cell c WHERE c.workspace_id = :ws AND c.unit = :unit"
    " ORDER BY c.period DESC LIMIT :last"
)
LANDSCAPE_SQL = (
    f"SELECT {CELL_COLUMNS} FROM privacy_published_cell c WHERE c.workspace_id = :ws"
    " AND c.period = (SELECT latest_period FROM privacy_published_unit"
    " WHERE workspace_id = :ws AND unit = :unit)"
    " AND c.unit = ANY(:units)"
)


def cases(department: str) -> list[Case]:
    """Every page for each kind of leader, each with the plain SQL that reads the same stored cells."""
    org, dept, team = "org:", f"department:{department}", f"team:{channel(0)}"
    all_teams = [f"team:{channel(t)}" for t in range(TEAMS)]
    dept_teams = [f"team:{channel(t)}" for t in range(0, TEAMS, DEPARTMENTS)]
    my_teams = [f"team:{channel(t)}" for t in MANAGED_TEAMS]

    def series(unit: str, last: int = 1000) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return SERIES_SQL, (("unit", unit), ("last", last))

    def latest(units: list[str], *, both: bool = False) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return (BOTH_SQL if both else LATEST_SQL), (("units", units),)

    def landscape(unit: str, units: list[str]) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return LANDSCAPE_SQL, (("unit", unit), ("units", units))

    table: list[tuple[str, str, Page, str | None, tuple[str, tuple[tuple[str, Any], ...]]]] = [
        ("HR: where to act, all 500 teams", HR, Page.ACT, org, latest(all_teams, both=True)),
        ("HR: compare, all 500 teams", HR, Page.COMPARE, org, latest(all_teams)),
        ("HR: overview, organisation, 104 weeks", HR, Page.OVERVIEW, org, series("org:")),
        ("HR: overview, department, 104 weeks", HR, Page.OVERVIEW, dept, series(dept)),
        ("HR: overview, one team, 104 weeks", HR, Page.OVERVIEW, team, series(team)),
        ("HR: questions, organisation, 8 weeks", HR, Page.QUESTIONS, org, series("org:", 8)),
        ("HR: support, organisation", HR, Page.SUPPORT, org, landscape(org, [org])),
        ("HR: support, department", HR, Page.SUPPORT, dept, landscape(dept, [dept, org])),
        ("HR: support, team", HR, Page.SUPPORT, team, landscape(team, [team, dept, org])),
        ("HR: engagement", HR, Page.ENGAGEMENT, org, ("SELECT count(*) FROM pairing_round", ())),
        ("head: where to act, 20 teams", HEAD, Page.ACT, dept, latest(dept_teams, both=True)),
        ("head: compare, 20 teams", HEAD, Page.COMPARE, dept, latest(dept_teams)),
        ("head: overview, department", HEAD, Page.OVERVIEW, dept, series(dept)),
        ("head: questions, department", HEAD, Page.QUESTIONS, dept, series(dept, 8)),
        ("head: support, department", HEAD, Page.SUPPORT, dept, landscape(dept, [dept, org])),
        ("manager: where to act, 3 teams", MANAGER, Page.ACT, None, latest(my_teams, both=True)),
        ("manager: overview, own team", MANAGER, Page.OVERVIEW, team, series(team)),
        ("manager: overview, default unit", MANAGER, Page.OVERVIEW, None, series(team)),
        ("manager: questions, own team", MANAGER, Page.QUESTIONS, team, series(team, 8)),
        ("manager: support, own team", MANAGER, Page.SUPPORT, team, landscape(team, [team, dept, org])),
        ("manager: overview, benchmark department", MANAGER, Page.OVERVIEW, dept, series(dept)),
    ]
    found = [
        Case(label, who, page, unit, False, sql, params) for label, who, page, unit, (sql, params) in table
    ]
    exports = (
        "HR: where to act, all 500 teams",
        "HR: overview, organisation, 104 weeks",
        "manager: overview, own team",
    )
    found += [
        Case(f"{c.label} (CSV)", c.viewer, c.page, c.unit, True, c.floor_sql, c.floor_params)
        for c in found
        if c.label in exports
    ]
    return found


FIGURE_MS: list[float] = []  # time spent building Plotly figures in the requests since it was cleared
FIGURE_CPU_MS: list[float] = []  # and the CPU time it took


def _timing_figures() -> None:
    """Wrap the page's figure builders so each request's figure time is known: the figures are Plotly
    objects (rendering, not data), and the page time is reported with and without them."""
    from dashboards import panels

    for name in dir(panels):
        if name.startswith("make_") and name.endswith(("_figure", "_heatmap")):
            builder = getattr(panels, name)

            def timed_builder(*args: Any, _builder: Callable[..., Any] = builder, **kwargs: Any) -> Any:
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    return _builder(*args, **kwargs)
                finally:
                    FIGURE_MS.append((time.perf_counter() - started) * 1000)
                    FIGURE_CPU_MS.append((time.process_time() - cpu) * 1000)

            setattr(panels, name, timed_builder)


_timing_figures()


def request(app: flask.Flask, factory: SessionFactory, case: Case) -> int:
    """One page load (or CSV export) as `dashboards.panels.view_for` does it: the viewer's scope read on
    the server, a fresh session and gate, the unit checked against the scope, and the page's view -
    queries through the gate, its table, its figure - or for an export its table only, then the CSV.
    Returns rows shown."""
    with app.app_context():
        with factory() as session:  # `current_viewer`: the scope, re-read for every request
            viewer = viewer_for(
                session=session,
                workspace_id=WORKSPACE,
                user_id=case.viewer,
                workspace_admin=case.viewer == HR,
            )
        with factory() as session:
            gate = Gate(session=session, viewer=viewer, rules=RULES)
            start, allowed = choose_unit(gate, case.page, case.unit)
            assert allowed, case.label
            view = build_view(gate, case.page, start.unit, session, export=case.export)
        if case.export:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(view.table.columns)
            writer.writerows(view.table.rows)
        return len(view.table.rows)


def floor(engine: Engine, case: Case) -> int:
    """The plain SQL reading the same stored cells, each JSON document parsed: no scope, no gate."""
    with engine.connect() as connection:
        rows = connection.execute(text(case.floor_sql), {"ws": WORKSPACE, **dict(case.floor_params)}).all()
    return len(rows)


def web_app(url: str, factory: SessionFactory) -> flask.Flask:
    app = flask.Flask("kindred-benchmark")
    app.extensions[EXTENSION] = DashboardContext(settings=Settings(database_url=url), session_factory=factory)
    return app


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    """Wall milliseconds per call, each without the Plotly figure it built (see `_timing_figures`)."""
    return [page - figure for page, figure in timed_pages(call, repeat)]


def timed_pages(call: Callable[[], Any], repeat: int) -> list[tuple[float, float]]:
    """(wall ms of the whole call, of which building figures) per call."""
    samples = []
    for _ in range(repeat):
        FIGURE_MS.clear()
        FIGURE_CPU_MS.clear()
        started = time.perf_counter()
        call()
        samples.append(((time.perf_counter() - started) * 1000, sum(FIGURE_MS)))
    return samples


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


# -- the run ---------------------------------------------------------------------------------------


def zygote(url: str, department: str) -> None:
    """A process that has imported the web app's code and done nothing else. For each view named on
    stdin it forks a child that serves that one request as its very first - new connection pool, empty
    statement caches, nothing read yet - as a freshly started web worker would, and reports its time.
    Forking (not starting an interpreter per view) keeps the run short on a busy machine."""
    by_label = {c.label: c for c in cases(department)}
    for line in sys.stdin:
        case = by_label[line.strip()]
        child = os.fork()
        if child == 0:
            engine = new_engine(url, pool_size=5)
            factory = new_session_factory(engine)
            app = web_app(url, factory)
            [(page, figure)] = timed_pages(partial(request, app, factory, case), 1)
            print(f"{page - figure:.1f} {page:.1f}", flush=True)
            os._exit(0)
        os.waitpid(child, 0)


class NewProcesses:
    """The zygote, started once per run."""

    def __init__(self, url: str, department: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--zygote", url, department],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def first_request(self, label: str) -> tuple[float, float]:
        """(data ms, whole page ms) of the first request of a new process."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(label + "\n")
        self._process.stdin.flush()
        data, page = self._process.stdout.readline().split()
        return float(data), float(page)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait()


def measure(url: str, org: Organisation, weeks: int, repeat: int) -> None:
    engine = new_engine(url, pool_size=5)
    factory = new_session_factory(engine)
    app = web_app(url, factory)
    department = str(org.departments[0])
    all_cases = cases(department)
    print(f"\n{load()}")
    print("data: scope, gate, queries, table (the CSV) - the target; page: the same plus its Plotly figure")
    print(
        f"{'view':<50} {'new process':>15} {'first':>6} {'data p50':>8} {'p95':>6} {'page p50':>8}"
        f" {'cpu data/page':>13} {'floor p50':>9} {'p95':>6}"
    )
    worst = 0.0
    new_processes = NewProcesses(url, department)
    for case in all_cases:
        fresh, fresh_page = new_processes.first_request(case.label)
        first = timed(partial(request, app, factory, case), 1)[0]  # this process's first of this view
        cpu, figure_cpu = cpu_seconds(), 0.0
        pages = []
        for _ in range(repeat):  # one at a time, to add up the figures' CPU time too
            pages += timed_pages(partial(request, app, factory, case), 1)
            figure_cpu += sum(FIGURE_CPU_MS)
            FIGURE_CPU_MS.clear()
        cpu_per = (cpu_seconds() - cpu) * 1000 / repeat
        cpu_data = cpu_per - figure_cpu / repeat
        samples = [page - figure for page, figure in pages]
        floor_samples = timed(partial(floor, engine, case), repeat)
        p95 = percentile(samples, 95)
        worst = max(worst, fresh, first, p95)
        print(
            f"{case.label:<50} {fresh:>5.0f}/{fresh_page:>5.0f} ms {first:>4.0f}ms"
            f" {percentile(samples, 50):>6.0f}ms {p95:>4.0f}ms"
            f" {percentile([p for p, _ in pages], 50):>6.0f}ms {cpu_data:>5.0f}/{cpu_per:>4.0f}ms"
            f" {percentile(floor_samples, 50):>7.1f}ms {percentile(floor_samples, 95):>4.0f}ms"
        )
    new_processes.close()
    print(f"worst, cold (new process or first) or warm p95: {worst:.0f} ms (target < 300 ms); {load()}")

    # One more week: every team's round closes; the worker publishes it; leaders look.
    add_week(url, org, weeks)
    cpu = cpu_seconds()
    started = time.perf_counter()
    with factory.begin() as session:
        outcome = publish_due_periods(
            session=session,
            workspace_id=WORKSPACE,
            now=period_end(period_of(FIRST_WEEK + timedelta(weeks=weeks))) + timedelta(minutes=1),
            min_group_size=MIN_GROUP,
            min_comment_group_size=RULES.min_comment_group_size,
        )
    took, cpu_took = time.perf_counter() - started, cpu_seconds() - cpu
    assert len(outcome.published) == 1
    print(
        f"\npublishing one more week through publish.py (500 teams, {weeks} weeks before it): {took:.2f} s"
        f" wall, {cpu_took:.2f} s CPU in this process (target < 10 s); {load()}"
    )
    print(f"{'first view after it is published, same process':<52} {'ms':>7}")
    for case in all_cases:
        after = timed(partial(request, app, factory, case), 1)[0]
        worst = max(worst, after)
        print(f"{case.label:<52} {after:>5.0f}ms")
    print(f"worst of everything: {worst:.0f} ms (target < 300 ms); {load()}")
    engine.dispose()


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty PostgreSQL database beside DATABASE_URL's (or the local `test`), dropped afterwards."""
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    base_url = make_url(normalise_database_url(base))
    name = f"kindred_bench_dashboard_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=WEEKS, help="fewer weeks, for a quicker run")
    parser.add_argument("--zygote", nargs=2, metavar=("URL", "DEPARTMENT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zygote:
        zygote(*args.zygote)
        return 0
    run_started = time.perf_counter()
    with scratch_database() as url:
        upgrade_database(url)
        started = time.perf_counter()
        org = build(url, args.weeks)
        print(
            f"built {TEAMS} teams, {PEOPLE:,} people, {args.weeks} weekly rounds and publications"
            f" in {time.perf_counter() - started:.0f} s; {load()}"
        )
        measure(url, org, args.weeks, args.repeat)
    print(
        f"\nwhole run: {time.perf_counter() - run_started:.0f} s wall, {cpu_seconds():.0f} s CPU in the main"
        " process (children, the new-process views, not counted)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
