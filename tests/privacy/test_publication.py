"""Publish once (docs/anonymity.md, rule 4): a completed week is published by the worker once, frozen,
and every surface - the dashboard's reader and the channel's results post - shows only what it holds."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from dashboards import queries
from slackapp.checkins.ids import RESULTS_EVENT
from slackapp.checkins.models import Comment, Histogram, Round
from slackapp.checkins.questions import QuestionKey
from slackapp.checkins.service import results_from_cell
from slackapp.checkins.views import build_results
from slackapp.database import SessionFactory
from slackapp.privacy.gate import hidden_text, published_team_cell
from slackapp.privacy.jobs import BATCH
from slackapp.privacy.models import Publication, PublishedCell, PublishedRound
from slackapp.privacy.publish import period_end, period_of, publish_due_periods, schedule_publications
from slackapp.privacy.suppression import ORG, UnitKey, UnitKind
from slackapp.scheduler.worker import Worker
from tests.conftest import is_postgres
from tests.factories import HR_ADMIN, WORKSPACE, scores
from tests.interleave import on_statement
from tests.org_factories import RULES, OrgBuilder, week
from tests.slack_standin import BOT_USER_ID, SlackStandIn

HIDDEN = hidden_text(5)  # one label whichever rule hid the cell (the labels attack)


def team(channel: str) -> UnitKey:
    return UnitKey(UnitKind.TEAM, channel)


def department(org: OrgBuilder, name: str) -> UnitKey:
    return UnitKey(UnitKind.DEPARTMENT, str(org.departments[name]))


@pytest.fixture
def org(session_factory: SessionFactory) -> OrgBuilder:
    """The issue's organisation: Engineering = Mobile (7), Infrastructure (4), Data (6); Operations =
    Support (10), Sales (5)."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    builder.department("Operations")
    for channel in ("C0MOBILE", "C0INFRA", "C0DATA"):
        builder.team(channel, channel, "Engineering")
    for channel in ("C0SUPPORT", "C0SALES"):
        builder.team(channel, channel, "Operations")
    return builder


WEEK0 = {"C0MOBILE": 7, "C0INFRA": 4, "C0DATA": 6, "C0SUPPORT": 10, "C0SALES": 5}


def dump(session_factory: SessionFactory, period: date) -> bytes:
    """Every stored byte of one period's publication: the publication, its cells and its rounds."""
    with session_factory() as session:
        publication = session.execute(
            select(
                Publication.id,
                Publication.period,
                Publication.published_at,
                Publication.min_group_size,
                Publication.tree,
            ).where(Publication.workspace_id == WORKSPACE, Publication.period == period)
        ).one()
        cells = session.execute(
            select(PublishedCell)
            .where(PublishedCell.publication_id == publication.id)
            .order_by(PublishedCell.unit)
        ).scalars()
        cell_rows = [
            [c.unit, c.parent, c.name, c.respondents, c.invited, c.reason, c.figures, c.round_id]
            for c in cells
        ]
        rounds = session.execute(
            select(PublishedRound.round_id, PublishedRound.counted)
            .where(PublishedRound.publication_id == publication.id)
            .order_by(PublishedRound.round_id)
        ).all()
    return json.dumps(
        [list(publication), cell_rows, [list(r) for r in rounds]], default=str, sort_keys=True
    ).encode()


def test_a_publication_is_byte_for_byte_the_same_after_every_later_event(
    org: OrgBuilder, session_factory: SessionFactory
) -> None:
    org.week(0, WEEK0)
    org.publish()
    monday = period_of(week(0))
    before = dump(session_factory, monday)
    with org.gate(HR_ADMIN, admin=True) as gate:
        seen_before = [gate.series(u) for u in gate.units()]

    # HR moves a team, a department goes, the minimum changes, a late round and a new week close.
    org.move("C0INFRA", "Operations")
    org.delete_department("Engineering")
    late = org.open_round("C0SALES", week(0) + timedelta(days=2), invited=9)
    org.answer(late, [scores(wellbeing=1)] * 3, week(0) + timedelta(days=2))
    org.close(late, week(1))
    org.week(1, {"C0MOBILE": 8, "C0INFRA": 4, "C0SUPPORT": 9})
    org.publish(min_group_size=3)
    # The process restarts: a fresh connection pool reads what is stored.
    session_factory.kw["bind"].dispose()

    assert dump(session_factory, monday) == before
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        week0_after = {cells[0].unit: cells[0] for cells in (gate.series(u) for u in gate.units()) if cells}
    for cells in seen_before:
        if cells:
            assert week0_after[cells[0].unit].respondents == cells[0].respondents
            assert week0_after[cells[0].unit].questions.keys() == cells[0].questions.keys()
    with session_factory() as session:
        minimums = dict(session.execute(select(Publication.period, Publication.min_group_size)).all())
    assert minimums == {monday: 5, period_of(week(1)): 3}  # each records the minimum it used


def test_a_cell_hidden_to_protect_a_smaller_one_says_so(org: OrgBuilder) -> None:
    org.week(0, WEEK0)
    with org.gate(HR_ADMIN, admin=True) as gate:
        [infra] = gate.series(team("C0INFRA"))
        [data] = gate.series(team("C0DATA"))
        [mobile] = gate.series(team("C0MOBILE"))
        [engineering] = gate.series(department(org, "Engineering"))
    assert infra.respondents is None and infra.reason == HIDDEN
    assert data.respondents is None and data.reason == HIDDEN
    assert mobile.respondents == 7 and engineering.respondents == 17


def test_the_channel_post_never_shows_more_than_the_dashboard(
    org: OrgBuilder, session_factory: SessionFactory
) -> None:
    org.week(0, WEEK0)
    org.publish()
    with session_factory() as session:
        rounds = dict(session.execute(select(Round.channel_id, Round.id)).all())
        posts = {}
        for channel, round_id in rounds.items():
            cell = published_team_cell(session=session, round_id=round_id)
            assert cell is not None
            round_ = session.get(Round, round_id)
            assert round_ is not None
            means = {key: figures.mean for key, figures in cell.questions.items()}
            text, blocks = build_results(
                results_from_cell(
                    round_,
                    respondents=cell.respondents,
                    invited=cell.invited,
                    means=means,
                    reason=cell.reason,
                )
            )
            posts[channel] = text + json.dumps([b.to_dict() for b in blocks])
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        for channel, post in posts.items():
            [shown] = gate.series(team(channel))
            if shown.respondents is None:
                # Data Platform's channel no longer says "6 people answered" beside a hidden cell.
                assert "too few answers to share" in post and "answered" not in post.replace("answers", "")
                assert shown.reason is not None and shown.reason in post
            else:
                assert f"{shown.respondents} people answered" in post
                for figures in shown.questions.values():
                    assert f"{figures.mean:.1f} / 5" in post


def test_a_late_round_lands_in_the_next_publication_and_never_in_two(
    org: OrgBuilder, session_factory: SessionFactory
) -> None:
    org.week(0, WEEK0)
    org.publish()
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        [operations_before] = gate.series(department(org, "Operations"))
    # HR sends Sales a second round in the published week; three people answer it.
    late = org.open_round("C0SALES", week(0) + timedelta(days=3), invited=9)
    org.answer(late, [scores(wellbeing=1)] * 3, week(0) + timedelta(days=3))
    org.close(late, week(0) + timedelta(days=8))
    org.publish()
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        [operations_after] = gate.series(department(org, "Operations"))
    assert operations_after == operations_before  # week 0 is not published again
    org.week(1, {"C0MOBILE": 8, "C0SUPPORT": 9, "C0DATA": 6})
    org.publish()
    with session_factory() as session:
        homes = session.execute(
            select(PublishedRound.counted, Publication.period)
            .join(Publication, Publication.id == PublishedRound.publication_id)
            .where(PublishedRound.round_id == late)
        ).all()
        everywhere = session.scalars(select(PublishedRound.round_id)).all()
    assert [tuple(h) for h in homes] == [(True, period_of(week(1)))]
    assert len(everywhere) == len(set(everywhere)) == 5 + 1 + 3
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        [_, operations_week1] = gate.series(department(org, "Operations"))
        assert operations_week1.respondents == 9 + 3  # Support's week 1 and Sales' late round


@dataclass(frozen=True)
class Kept:
    """What a round still holds: its histogram rows, comments, and respondent and invited counts."""

    histograms: int
    comments: int
    respondents: int | None
    invited: int | None


def kept(session_factory: SessionFactory) -> dict[uuid.UUID, Kept]:
    with session_factory() as session:
        histograms = dict(
            session.execute(select(Histogram.round_id, func.count()).group_by(Histogram.round_id)).all()
        )
        comments = dict(
            session.execute(select(Comment.round_id, func.count()).group_by(Comment.round_id)).all()
        )
        return {
            r.id: Kept(histograms.get(r.id, 0), comments.get(r.id, 0), r.respondent_count, r.invited_count)
            for r in session.execute(select(Round.id, Round.respondent_count, Round.invited_count))
        }


def test_a_publication_deletes_what_it_took_and_keeps_only_what_it_shows(
    org: OrgBuilder, session_factory: SessionFactory
) -> None:
    """docs/anonymity.md rule 3: nothing reads a round again once a publication has taken it, so its
    histograms go; its counts stay only where its team's cell shows them, its comments only where the gate
    may show them (a team cell shown for at least the comment minimum); a late round keeps everything
    until the publication that takes it."""
    # Support's first round of the week is replaced by its second: shown nowhere.
    replaced = org.open_round("C0SUPPORT", week(0) - timedelta(hours=2), invited=12)
    org.answer(replaced, [scores(wellbeing=1)] * 11, week(0) - timedelta(hours=2), "first round")
    org.close(replaced, week(0) - timedelta(hours=2))
    org.week(0, WEEK0, comment="More focus time please")
    closed = kept(session_factory)
    assert all(k.histograms and k.respondents and k.invited for k in closed.values())
    assert all(k.comments == k.respondents for k in closed.values())
    org.publish()
    with session_factory() as session:
        cells = {
            c.round_id: c.respondents
            for c in session.execute(select(PublishedCell.round_id, PublishedCell.respondents))
            if c.round_id is not None
        }
        taken = set(session.scalars(select(PublishedRound.round_id)))
    assert taken == set(closed) and replaced not in cells
    late = org.open_round("C0SALES", week(0) + timedelta(days=3), invited=9)
    org.answer(late, [scores(wellbeing=1)] * 3, week(0) + timedelta(days=3))
    org.close(late, week(0) + timedelta(days=8))
    org.publish()  # week 0 is published already; week 1 is not over: nothing takes the late round yet
    after = kept(session_factory)
    for round_id, before in closed.items():
        shown = cells.get(round_id)
        assert after[round_id] == Kept(
            histograms=0,
            comments=before.comments if shown is not None and shown >= RULES.min_comment_group_size else 0,
            respondents=before.respondents if shown is not None else None,
            invited=before.invited if shown is not None else None,
        )
    with session_factory() as session:
        channel_of = {r.id: r.channel_id for r in session.execute(select(Round.id, Round.channel_id))}
    by_team = {channel_of[round_id]: after[round_id] for round_id in cells}  # week 0's counted rounds
    assert by_team["C0SUPPORT"].comments == 10  # shown for ten: its comments can be shown
    assert by_team["C0INFRA"] == Kept(0, 0, None, None)  # four: hidden, and nothing left to tell
    assert after[replaced] == Kept(0, 0, None, None)
    assert after[late].histograms and (after[late].respondents, after[late].invited) == (3, 9)
    org.week(1, {"C0MOBILE": 8, "C0SUPPORT": 9})
    org.publish()
    assert kept(session_factory)[late] == Kept(0, 0, None, None)  # counted in week 1, hidden (3)


def test_a_publication_that_fails_before_its_commit_deletes_nothing_and_is_made_again(
    org: OrgBuilder, session_factory: SessionFactory, engine: Engine
) -> None:
    """The deletion is part of the publication's transaction: a worker that dies on its last statement
    leaves every round as it was, and the next run publishes the week from the same histograms."""
    org.week(0, WEEK0)
    closed = kept(session_factory)

    def connection_lost(statement: str, _parameters: Any) -> None:
        if statement.startswith("UPDATE checkin_round"):  # the counts: after the histograms' DELETE
            raise OperationalError(statement, {}, Exception("connection lost"))

    with on_statement(engine, connection_lost), pytest.raises(OperationalError):
        org.publish()
    assert kept(session_factory) == closed
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 0
    org.publish()
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        [support] = gate.series(team("C0SUPPORT"))
    assert support.respondents == 10 and support.questions["wellbeing"].respondents == 10
    assert not any(k.histograms for k in kept(session_factory).values())


def test_a_teams_earlier_round_is_replaced_by_its_later_one_in_the_same_publication(
    org: OrgBuilder, session_factory: SessionFactory
) -> None:
    org.week(0, {"C0MOBILE": 7, "C0SUPPORT": 10})
    second = org.open_round("C0MOBILE", week(0) + timedelta(days=2), invited=9)
    org.answer(second, [scores()] * 6, week(0) + timedelta(days=2))
    org.close(second, week(0) + timedelta(days=2))
    with org.gate(HR_ADMIN, admin=True) as gate:
        [mobile] = gate.series(team("C0MOBILE"))
    assert mobile.respondents == 6  # the later round; never 13
    with session_factory() as session:
        counted = session.execute(select(PublishedRound.counted)).scalars().all()
    assert sorted(counted) == [False, True, True]


def test_open_rounds_do_not_hide_the_last_publication(org: OrgBuilder) -> None:
    org.week(0, WEEK0)
    org.week(1, {"C0MOBILE": 8, "C0SUPPORT": 9})
    still_open = org.open_round("C0DATA", week(1) + timedelta(hours=2), invited=8)
    outcome = org.publish(period_end(period_of(week(1))) + timedelta(hours=1))
    assert [p.period for p in outcome.published] == [period_of(week(0))]
    with org.gate(HR_ADMIN, admin=True, publish=False) as gate:
        assert gate.latest_period() == period_of(week(0))
        [org_cell] = gate.series(ORG)
        assert org_cell.respondents == 32
    org.answer(still_open, [scores()] * 6, week(1) + timedelta(hours=2))
    org.close(still_open, week(1) + timedelta(days=8))
    with org.gate(HR_ADMIN, admin=True) as gate:
        assert [c.respondents for c in gate.series(ORG)] == [32, 8 + 9 + 6]


def test_the_reader_gives_each_cells_change_size_and_reason(org: OrgBuilder) -> None:
    org.week(0, {"C0MOBILE": [scores(wellbeing=3)] * 6, "C0SUPPORT": 10})
    org.week(1, {"C0MOBILE": [scores(wellbeing=5)] * 8, "C0SUPPORT": 6, "C0SALES": 3})
    with org.gate(HR_ADMIN, admin=True) as gate:
        first, second = gate.series(team("C0MOBILE"))
        support = gate.series(team("C0SUPPORT"))
        [sales] = gate.series(team("C0SALES"))
        [latest] = gate.compare([team("C0MOBILE")])
    assert first.questions["wellbeing"].change is None and first.respondents_change is None
    assert second.respondents == 8 and second.respondents_change == 2
    assert second.questions["wellbeing"].change == 2.0
    assert latest.questions["wellbeing"].change == 2.0 and latest.respondents_change == 2
    assert sales.respondents is None and sales.reason == HIDDEN
    assert support[1].respondents is None and support[1].reason == HIDDEN
    assert support[1].respondents_change is None  # no change is shown against a hidden cell


def test_each_teams_change_is_against_its_own_previous_publication_read_for_all_teams_at_once(
    org: OrgBuilder,
) -> None:
    # Mobile skips week 1, so its previous cell is week 0's; Support's and Data's are week 1's.
    org.week(0, {"C0MOBILE": [scores(wellbeing=3)] * 6, "C0SUPPORT": [scores(wellbeing=2)] * 10, "C0DATA": 6})
    org.week(1, {"C0SUPPORT": [scores(wellbeing=4)] * 10, "C0DATA": 6})
    org.week(2, {"C0MOBILE": [scores(wellbeing=5)] * 8, "C0SUPPORT": [scores(wellbeing=4)] * 10, "C0DATA": 6})
    teams = [team("C0MOBILE"), team("C0SUPPORT"), team("C0DATA"), team("C0SALES")]  # Sales: no results
    with org.gate(HR_ADMIN, admin=True) as gate:
        pairs = gate.compare_with_previous(teams)
        one_by_one = {unit: gate.series(unit, last=2) for unit in teams}
        data = queries.compare(gate, ORG, with_changes=True)
    assert [latest.unit for latest, _ in pairs] == teams[:3]
    for latest, before in pairs:
        *earlier, last = one_by_one[latest.unit]
        assert latest == last and before == (earlier[0] if earlier else None)
    mobile = next(r for r in data.rows if r.unit == team("C0MOBILE"))
    support = next(r for r in data.rows if r.unit == team("C0SUPPORT"))
    assert mobile.measures is not None and support.measures is not None
    assert mobile.measures["wellbeing"] == queries.Measure(5.0, 2.0, True, period_of(week(0)))
    assert support.measures["wellbeing"] == queries.Measure(4.0, 0.0, False, period_of(week(1)))


def test_per_question_counts_do_not_give_away_a_team_that_left_a_question_out(
    session_factory: SessionFactory,
) -> None:
    """Attack 3: 38 answered overall and 34 answered "belonging" gives away a 4-person team."""
    builder = OrgBuilder(session_factory)
    builder.department("Engineering")
    no_belonging = tuple(k for k in QuestionKey if k is not QuestionKey.BELONGING)
    builder.team("C0A", department="Engineering")
    builder.team("C0B", department="Engineering")
    builder.team("C0SMALL", department="Engineering", questions=no_belonging)
    builder.team("C0D")
    builder.week(0, {"C0A": 8, "C0B": 9, "C0SMALL": 4, "C0D": 17})
    with builder.gate(HR_ADMIN, admin=True) as gate:
        cells = [c for u in gate.units() for c in gate.series(u)]
    for cell in cells:
        if cell.respondents is not None and "belonging" in cell.questions:
            # Wherever belonging is shown, its count is the cell's own: no team left out of it.
            assert cell.questions["belonging"].respondents == cell.respondents, cell.unit
    engineering = next(c for c in cells if c.unit.kind is UnitKind.DEPARTMENT)
    assert engineering.respondents is not None  # the department is shown ...
    assert "belonging" in engineering.hidden_questions  # ... but not its belonging, and says why
    assert engineering.question_reasons["belonging"] == HIDDEN


def test_two_workers_publish_a_period_once(org: OrgBuilder, session_factory: SessionFactory) -> None:
    org.week(0, WEEK0)
    now = period_end(period_of(week(0))) + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    made: list[int] = []
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            barrier.wait()
            with session_factory.begin() as session:
                outcome = publish_due_periods(
                    session=session,
                    workspace_id=WORKSPACE,
                    now=now,
                    min_group_size=RULES.min_group_size,
                    min_comment_group_size=RULES.min_comment_group_size,
                )
                made.append(len(outcome.published))
        except Exception as error:  # SQLite has no row locks: its second writer is refused instead
            errors.append(error)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if is_postgres():
        # The schedule row's lock makes the second wait, then find nothing left to publish.
        assert sorted(made) == [0, 1] and errors == []
    else:
        assert sum(made) == 1
    with session_factory() as session:
        assert len(session.scalars(select(Publication.id)).all()) == 1
        assert len(session.scalars(select(PublishedRound.round_id)).all()) == 5


def test_the_worker_publishes_a_backlog_in_batches_and_then_posts_each_teams_cell(
    org: OrgBuilder, session_factory: SessionFactory, slack: SlackStandIn, make_worker: Callable[[], Worker]
) -> None:
    """After an upgrade, two months of weeks wait: one worker pass publishes them all, a batch at a
    time, and posts each counted round's results in its channel (the team's published cell)."""
    for channel in ("C0MOBILE", "C0SALES"):
        slack.add_channel(channel, members=[BOT_USER_ID])
    for n in range(BATCH + 3):
        org.week(n, {"C0MOBILE": 7, "C0SALES": 3})
    with session_factory.begin() as session:  # the upgrade's doing: the job is due now
        schedule_publications(session=session, workspace_id=WORKSPACE, now=week(0))
    make_worker().run_once()
    with session_factory() as session:
        assert len(session.scalars(select(Publication.id)).all()) == BATCH + 3
    posts = {
        channel: [m["text"] for m in messages if (m.get("metadata") or {}).get("event_type") == RESULTS_EVENT]
        for channel, messages in slack.messages.items()
    }
    assert len(posts["C0MOBILE"]) == len(posts["C0SALES"]) == BATCH + 3
    # Sales (3) is hidden, and Mobile beside it would give Sales away from the organisation's total:
    # each channel says so, in the publication's words.
    assert all(HIDDEN in text for text in posts["C0SALES"])
    assert all(HIDDEN in text and "7" not in text for text in posts["C0MOBILE"])
