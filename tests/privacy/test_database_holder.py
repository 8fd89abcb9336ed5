"""The database holder's attacks: a copy of PostgreSQL's files taken after a round has closed, and the key.

docs/anonymity.md promises that once a round has closed, a later copy of the database holds only its
histograms and shuffled comments, with or without KINDRED_SECRET_KEY. The attacker here holds the key
and reads the table files as a file-level backup (pg_basebackup, a volume snapshot) would hold them:
every tuple on every page, live or dead, and - in the second attack - the pages' free space too. From
the closed round's old row they take its sealed secret, open it with the key, compute each channel
member's ledger hash, find that hash among the ledger's tuples, and pair it with the answers written by
the very next transaction (the intake writes the ledger row, then the scores, in two consecutive
autocommit statements: docs/anonymity.md rule 2, "The honest limits").

The workspace lives through the real code paths (tests/privacy/world.py): the worker opens the rounds,
people answer through signed requests, HR closes one round early with the App Home's button.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, select, text

from slackapp.checkins.ids import CheckinAction
from slackapp.checkins.models import Histogram, Pulse, Round, RoundState
from slackapp.database import SessionFactory, new_session_factory
from slackapp.keys.encryption import UnreadableSecret
from slackapp.privacy.models import Publication
from slackapp.resources.relay import AskerKeys
from tests.conftest import SECRET_KEY, is_postgres
from tests.factories import HR_ADMIN, round_secrets
from tests.privacy.test_attacks import varied
from tests.privacy.world import QUESTIONS, World, same
from tests.resource_factories import CONTACT
from tests.slack_requests import SlackRequests
from tests.slack_standin import SlackStandIn
from tests.sqlite_files import sqlite_file_bytes

postgres_files = pytest.mark.skipif(not is_postgres(), reason="reads PostgreSQL's table files")

CLOSED_EARLY, STILL_OPEN = "C0CLOSEDEARLY", "C0STILLOPEN"
TEAM_SIZE = 6
# A Fernet token (how round secrets are sealed), as it sits in a tuple's bytes.
SEALED = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")
HEADER = 24  # a heap tuple's header without a null bitmap (23 bytes, aligned to 8)


@dataclass(frozen=True)
class Tuple:
    """A heap tuple as the files hold it: the transaction that wrote it, and its data."""

    xmin: int
    data: bytes


# -- what the attacker reads ------------------------------------------------------------------------------


def pages(connection: Connection, relation: str) -> Iterator[bytes]:
    """Every page of a relation's main file, raw (pageinspect's get_raw_page, as the file holds it)."""
    count = connection.scalar(
        text("SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"),
        {"r": relation},
    )
    for page in range(count or 0):
        yield bytes(connection.scalar(text("SELECT get_raw_page(:r, :p)"), {"r": relation, "p": page}))


def line_pointed_tuples(connection: Connection, relation: str) -> list[Tuple]:
    """Every tuple a page's line pointers still name, live or dead (what a vacuum has not removed)."""
    found: list[Tuple] = []
    for number, _page in enumerate(pages(connection, relation)):
        rows = connection.execute(
            text("SELECT t_xmin, t_data FROM heap_page_items(get_raw_page(:r, :p)) WHERE t_data IS NOT NULL"),
            {"r": relation, "p": number},
        )
        found.extend(Tuple(int(row.t_xmin), bytes(row.t_data)) for row in rows)
    return found


def tuples_anywhere(connection: Connection, relation: str, round_id: uuid.UUID) -> list[Tuple]:
    """Tuples of the round found anywhere in the pages' bytes, free space included: wherever its id
    (the first column of the ledger, the second of an answer) sits behind a plausible tuple header."""
    found: list[Tuple] = []
    # Ledger: round id (16), voter hash (a short varlena: 1 + 32). Answer: id (16), round id (16), the rest.
    offset, length = (0, 49) if relation == "checkin_participation" else (16, 64)
    for page in pages(connection, relation):
        for match in re.finditer(re.escape(round_id.bytes), page):
            start = match.start() - offset - HEADER
            if start >= 0 and page[start + 22] == HEADER:  # t_hoff
                xmin = int.from_bytes(page[start : start + 4], "little")
                found.append(Tuple(xmin, page[start + HEADER : start + HEADER + length]))
    return found


def sealed_secrets(tuples: Sequence[Tuple]) -> set[bytes]:
    return {m.group() for t in tuples for m in SEALED.finditer(t.data)}


# -- the attack --------------------------------------------------------------------------------------------


def answer_of(data: bytes) -> tuple[str, int]:
    """An answer tuple's question and value: id (16), round id (16), question key (a short varlena: one
    header byte, then the text), value (int2, aligned to 2)."""
    length = (data[32] >> 1) - 1
    key = data[33 : 33 + length].decode()
    at = 33 + length
    at += at % 2
    return key, int.from_bytes(data[at : at + 2], "little", signed=True)


def deanonymise(
    ledger: Sequence[Tuple],
    answers: Sequence[Tuple],
    rounds: Sequence[Tuple],
    people: Sequence[str],
) -> dict[str, dict[str, int]]:
    """Who answered what: each person's ledger tuple (by the hash the key lets anyone compute), and the
    answers written by the next transaction after it."""
    secrets = round_secrets()  # the attacker holds KINDRED_SECRET_KEY
    by_xmin: dict[int, dict[str, int]] = {}
    for t in answers:
        key, value = answer_of(t.data)
        if key in QUESTIONS and 1 <= value <= 5:
            by_xmin.setdefault(t.xmin, {})[key] = value
    recovered: dict[str, dict[str, int]] = {}
    for sealed in sealed_secrets(rounds):
        for person in people:
            try:
                voter = secrets.voter_hash(sealed, person)
            except UnreadableSecret:
                break
            written = [t.xmin for t in ledger if voter in t.data]
            later = sorted(x for x in by_xmin if written and x > written[0])
            if later:
                recovered[person] = by_xmin[later[0]]
    return recovered


# -- the workspace -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    round_id: uuid.UUID
    people: list[str]
    truth: dict[str, dict[str, int]]
    sealed: bytes = b""  # the round's sealed secret while it was open (not the attacker's: the test's)


def closed_early(world: World) -> Closed:
    """Two teams answer their week's rounds; HR closes one of them early from the App Home, and the
    worker runs what is due. The other round stays open (in a big organisation one always is)."""
    world.slack.add_user(HR_ADMIN, is_admin=True, tz="UTC")
    world.team(CLOSED_EARLY, "Closed Early", None, TEAM_SIZE)
    world.team(STILL_OPEN, "Still Open", None, TEAM_SIZE)
    world.open_week()
    # The team whose round stays open answers first: its rows sit at the end of the pages, where a
    # vacuum leaves the rows it keeps, so nothing is moved over the closed round's freed space.
    answers = {STILL_OPEN: varied(TEAM_SIZE, 2), CLOSED_EARLY: varied(TEAM_SIZE, 1)}
    for channel, given in answers.items():
        world.answer(channel, given)
    with world.session_factory() as session:
        pulse_id = session.scalar(select(Pulse.id).where(Pulse.channel_id == CLOSED_EARLY))
        round_id = session.scalar(select(Round.id).where(Round.channel_id == CLOSED_EARLY))
        sealed = session.scalar(select(Round.secret_ciphertext).where(Round.id == round_id))
    assert round_id is not None and sealed is not None
    world.slack_requests.block_action(CheckinAction.CLOSE_ROUND_NOW, str(pulse_id), user_id=HR_ADMIN)
    world._run_worker()
    with world.session_factory() as session:
        closed = session.get(Round, round_id)
        assert closed is not None and closed.state is RoundState.CLOSED and closed.secret_ciphertext is None
        assert closed.respondent_count == TEAM_SIZE
    people = world.teams[CLOSED_EARLY].members
    return Closed(round_id, people, dict(zip(people, answers[CLOSED_EARLY], strict=True)), sealed)


@pytest.fixture
def pageinspect(engine: Engine) -> Engine:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    return engine


def recovered_from_tuples(engine: Engine, closed: Closed) -> Mapping[str, Mapping[str, int]]:
    with engine.connect() as connection:
        return deanonymise(
            line_pointed_tuples(connection, "checkin_participation"),
            line_pointed_tuples(connection, "checkin_answer"),
            line_pointed_tuples(connection, "checkin_round"),
            closed.people,
        )


def recovered_from_every_byte(engine: Engine, closed: Closed) -> Mapping[str, Mapping[str, int]]:
    with engine.connect() as connection:
        rounds = [Tuple(0, page) for page in pages(connection, "checkin_round")]
        return deanonymise(
            tuples_anywhere(connection, "checkin_participation", closed.round_id),
            tuples_anywhere(connection, "checkin_answer", closed.round_id),
            rounds,
            closed.people,
        )


@postgres_files
def test_the_attack_reads_who_answered_what_from_an_open_rounds_files(
    world: World, session_factory: SessionFactory, pageinspect: Engine
) -> None:
    """The honest limit, as documented: while the round is open, its files and the key name everyone."""
    world.team(CLOSED_EARLY, "Closed Early", None, TEAM_SIZE)
    world.open_week()
    people = varied(TEAM_SIZE, 1)
    world.answer(CLOSED_EARLY, people)
    with session_factory() as session:
        round_id = session.scalar(select(Round.id).where(Round.channel_id == CLOSED_EARLY))
    assert round_id is not None
    members = world.teams[CLOSED_EARLY].members
    closed = Closed(round_id, members, dict(zip(members, people, strict=True)))
    assert recovered_from_tuples(pageinspect, closed) == closed.truth


@postgres_files
def test_a_round_hr_closes_early_leaves_no_tuple_that_names_who_answered_what(
    world: World, pageinspect: Engine
) -> None:
    closed = closed_early(world)
    assert recovered_from_tuples(pageinspect, closed) == {}


@pytest.fixture
def close_now_waits_for_its_scheduled_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened close, as Kindred had it: a round HR closes early has its erased rows removed from
    the files only when its close job comes due, at the time the round would have closed."""
    from slackapp.checkins import service
    from slackapp.scheduler.queue import bring_forward

    def not_the_close_job(*, kind: str, **kwargs: object) -> None:
        if kind != service.CheckinJob.CLOSE_ROUND:
            bring_forward(kind=kind, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "bring_forward", not_the_close_job)


def sqlite_traces(engine: Engine, closed: Closed) -> list[str]:
    """Which of the closed round's ledger hashes and sealed secret the SQLite file or its WAL still hold."""
    stored = sqlite_file_bytes(engine)
    hashes = {p: round_secrets().voter_hash(closed.sealed, p) for p in closed.people}
    found = [p for p, h in hashes.items() if h in stored]
    return found + (["sealed secret"] if closed.sealed in stored else [])


@pytest.mark.skipif(is_postgres(), reason="the SQLite file")
def test_a_round_hr_closes_early_leaves_no_byte_of_its_ledger_in_the_sqlite_files(
    world: World, engine: Engine
) -> None:
    assert sqlite_traces(engine, closed_early(world)) == []


@pytest.mark.skipif(is_postgres(), reason="the SQLite file")
def test_the_sqlite_files_keep_the_ledger_after_an_early_close_on_a_weakened_close(
    world: World, engine: Engine, close_now_waits_for_its_scheduled_close: None
) -> None:
    closed = closed_early(world)
    assert set(sqlite_traces(engine, closed)) == {*closed.people, "sealed secret"}


@postgres_files
def test_the_attack_names_who_answered_what_after_an_early_close_on_a_weakened_close(
    world: World, pageinspect: Engine, close_now_waits_for_its_scheduled_close: None
) -> None:
    closed = closed_early(world)
    assert recovered_from_tuples(pageinspect, closed) == closed.truth


@postgres_files
@pytest.mark.xfail(
    strict=True,
    reason="VACUUM frees a dead tuple's space but does not overwrite it: the closed round's ledger rows, "
    "answers and sealed secret stay in the pages' free space (a file-level backup holds them) until new "
    "rows happen to be written over them; see the red-team report for the fix",
)
def test_after_close_no_byte_of_the_pages_names_who_answered_what(world: World, pageinspect: Engine) -> None:
    closed = closed_early(world)
    assert recovered_from_tuples(pageinspect, closed) == {}  # no tuple the pages still point to
    assert recovered_from_every_byte(pageinspect, closed) == {}  # nor anything in their free space


# -- what a closed round keeps until a publication takes it: histograms, beside its channel and counts -------

SMALL = "C0SMALL"


def histogram_attack(
    session_factory: SessionFactory, members: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, int]]:
    """Without the key, from a later copy of the database: a closed round whose every invitee answered
    (its invited and respondent counts are equal) and all alike on a question says how each person in its
    channel answered it. The channel's members when the round opened are Slack's to tell (the channel's
    own history shows who joined when)."""
    recovered: dict[str, dict[str, int]] = {}
    with session_factory() as session:
        rounds = session.execute(
            select(Round.id, Round.channel_id, Round.invited_count, Round.respondent_count).where(
                Round.state == RoundState.CLOSED
            )
        ).all()
        for round_id, channel, invited, respondents in rounds:
            if not respondents or invited != respondents or channel not in members:
                continue
            for key, value, count in session.execute(
                select(Histogram.question_key, Histogram.value, Histogram.count).where(
                    Histogram.round_id == round_id
                )
            ):
                if count == respondents:  # everyone chose the same
                    for person in members[channel]:
                        recovered.setdefault(person, {})[key] = value
    return recovered


def test_a_published_weeks_small_team_leaves_no_histogram_behind(
    world: World, session_factory: SessionFactory
) -> None:
    """Three people, all struggling: the dashboard and the channel hide their round (fewer than 5). The
    database's copy must not say it for them."""
    small_teams_week(world, session_factory)
    members = {SMALL: world.teams[SMALL].members}
    assert histogram_attack(session_factory, members) == {}


def small_teams_week(world: World, session_factory: SessionFactory) -> uuid.UUID:
    """A team of seven and a team of three who all answered 1 to everything (hidden everywhere), their
    week over and published by the worker. Returns the small team's round."""
    world.team("C0BIG", "Big Team", None, 7)
    world.team(SMALL, "Small Team", None, 3)
    world.week({"C0BIG": varied(7, 5), SMALL: same(3, **dict.fromkeys(QUESTIONS, 1))})
    world.end_week()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 1
        round_id = session.scalar(select(Round.id).where(Round.channel_id == SMALL))
    assert round_id is not None
    return round_id


def traces_in_files(engine: Engine, round_id: uuid.UUID) -> tuple[int, int]:
    """The round's histogram tuples, and the versions of its row that hold its counts, that the files'
    line pointers still name (live or dead)."""
    with engine.connect() as connection:
        tuples = line_pointed_tuples(connection, "checkin_histogram")
        histograms = sum(t.data.startswith(round_id.bytes) for t in tuples)
        numbers = column_numbers(connection, "checkin_round", "respondent_count", "invited_count")
        counted = 0
        for number, _page in enumerate(pages(connection, "checkin_round")):
            for row in connection.execute(
                text(
                    "SELECT a[1] AS id, a[:respondents] AS respondents, a[:invited] AS invited FROM"
                    " (SELECT tuple_data_split('checkin_round'::regclass, t_data, t_infomask, t_infomask2,"
                    "   t_bits) AS a FROM heap_page_items(get_raw_page('checkin_round', :p))"
                    "  WHERE t_data IS NOT NULL) AS t"
                ),
                {"p": number, **numbers},
            ):
                if bytes(row.id) == round_id.bytes and (row.respondents or row.invited) is not None:
                    counted += 1
    return histograms, counted


def column_numbers(connection: Connection, table: str, respondents: str, invited: str) -> dict[str, int]:
    found = dict(
        connection.execute(
            text("SELECT attname, attnum FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"),
            {"t": table},
        ).all()
    )
    assert found["id"] == 1
    return {"respondents": found[respondents], "invited": found[invited]}


@postgres_files
def test_a_published_weeks_histograms_and_counts_leave_the_files_too(
    world: World, session_factory: SessionFactory, pageinspect: Engine
) -> None:
    """No dead tuple keeps the deleted histograms, or the round row's version with its counts."""
    round_id = small_teams_week(world, session_factory)
    assert traces_in_files(pageinspect, round_id) == (0, 0)


@pytest.fixture
def publishing_leaves_the_files_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened publish job: what the publication deleted stays in the files until autovacuum."""
    from slackapp.privacy import jobs

    monkeypatch.setattr(jobs, "remove_erased_rows", lambda **kwargs: None)


@postgres_files
def test_the_files_keep_a_published_weeks_histograms_on_a_weakened_publish_job(
    world: World,
    session_factory: SessionFactory,
    pageinspect: Engine,
    publishing_leaves_the_files_alone: None,
) -> None:
    round_id = small_teams_week(world, session_factory)
    histograms, counted = traces_in_files(pageinspect, round_id)
    assert histograms > 0 and counted > 0


# -- what PostgreSQL's own statistics keep ---------------------------------------------------------------

SAMPLED = {
    "secret": ("checkin_round", "secret_ciphertext"),
    "answered": ("checkin_participation", "voter_hash"),
    "invited": ("checkin_invitee", "voter_hash"),
}
BYTEA = re.compile(r"\\\\x([0-9a-f]+)")


def sampled_values(connection: Connection, table: str, column: str) -> set[bytes]:
    """The values ANALYZE kept of a column (its most common values and histogram bounds), as pg_stats
    shows them to anyone who may read the table."""
    row = connection.execute(
        text(
            "SELECT most_common_vals::text AS common, histogram_bounds::text AS bounds FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = :t AND attname = :c"
        ),
        {"t": table, "c": column},
    ).first()
    shown = "" if row is None else f"{row.common or ''} {row.bounds or ''}"
    return {bytes.fromhex(found) for found in BYTEA.findall(shown)}


def statistics_attack(engine: Engine, members: Sequence[str]) -> dict[str, bool]:
    """Whether each person answered, from pg_statistic alone and the key: the sealed secrets it sampled
    open the ledger and invitee hashes it sampled."""
    with engine.connect() as connection:
        found = {name: sampled_values(connection, *column) for name, column in SAMPLED.items()}
    keys = round_secrets()
    told: dict[str, bool] = {}
    for sealed in found["secret"]:
        for person in members:
            try:
                voter = keys.voter_hash(sealed, person)
            except UnreadableSecret:
                break
            if voter in found["answered"]:
                told[person] = True
            elif voter in found["invited"]:
                told[person] = False
    return told


def analysed_while_open(world: World, engine: Engine) -> tuple[list[str], dict[str, bool]]:
    """Four of six answer (and five of another team); autovacuum's ANALYZE happens to run while the
    rounds are open (as it does on its own once 50 rows of a table have changed); they close as usual
    (and are vacuumed)."""
    team = world.team(CLOSED_EARLY, "Closed Early", None, TEAM_SIZE)
    world.team(STILL_OPEN, "Still Open", None, TEAM_SIZE)
    world.open_week()
    world.answer(CLOSED_EARLY, varied(4, 1))
    world.answer(STILL_OPEN, varied(5, 2))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE checkin_round, checkin_participation, checkin_invitee"))
    world.close_week()
    with world.session_factory() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Round).where(Round.secret_ciphertext.is_not(None))
            )
            == 0
        )
    return team.members, {person: n < 4 for n, person in enumerate(team.members)}


@postgres_files
def test_the_databases_statistics_do_not_say_who_answered_a_closed_round(
    world: World, engine: Engine
) -> None:
    members, _truth = analysed_while_open(world, engine)
    assert statistics_attack(engine, members) == {}


@pytest.fixture
def statistics_as_postgresql_keeps_them(engine: Engine) -> Iterator[None]:
    """A weakened schema, as Kindred had it: ANALYZE samples the secrets, the ledger and the invitees."""
    yield from _sampled(engine, list(SAMPLED.values()))


@postgres_files
def test_the_statistics_attack_says_who_answered_when_postgresql_samples_the_ledger(
    world: World, engine: Engine, statistics_as_postgresql_keeps_them: None
) -> None:
    members, truth = analysed_while_open(world, engine)
    assert statistics_attack(engine, members) == truth


# -- what PostgreSQL's server log keeps -------------------------------------------------------------------

LEDGER_KEY = re.compile(r"Key \(round_id, voter_hash\)=\(([0-9a-f-]+), \\x([0-9a-f]+)\)")


@contextmanager
def errors_the_server_logs(engine: Engine) -> Iterator[list[str]]:
    """Every error the database reports while inside, as its server log keeps it by default
    (log_min_error_statement = error): the message and its DETAIL, which for a unique violation is the key."""
    logged: list[str] = []

    def record(context: Any) -> None:
        error = context.original_exception
        diag = getattr(error, "diag", None)
        logged.append(f"ERROR: {error}\nDETAIL: {getattr(diag, 'message_detail', '') or ''}")

    event.listen(engine, "handle_error", record)
    try:
        yield logged
    finally:
        event.remove(engine, "handle_error", record)


def double_submission(world: World, engine: Engine) -> tuple[list[str], bytes]:
    """Six answer; one of them presses Send twice (or Slack retries the submission). Returns what the
    server logged and the round's sealed secret as a backup taken while it was open holds it."""
    world.team(CLOSED_EARLY, "Closed Early", None, TEAM_SIZE)
    world.open_week()
    people = varied(TEAM_SIZE, 1)
    world.answer(CLOSED_EARLY, people)
    with world.session_factory() as session:
        sealed = session.scalar(select(Round.secret_ciphertext).where(Round.channel_id == CLOSED_EARLY))
    assert sealed is not None
    twice = world.teams[CLOSED_EARLY].members[2]
    with errors_the_server_logs(engine) as logged:
        world.answer(CLOSED_EARLY, people[2:3], who=[twice])
    assert world.refused == [twice]  # "You've already checked in": counted once
    world.close_week()
    return logged, sealed


def server_log_attack(logged: Sequence[str], sealed: bytes, members: Sequence[str]) -> dict[str, str]:
    """Who the log's ledger keys name, with the key and the round's secret, and the line naming them."""
    keys = round_secrets()
    named: dict[str, str] = {}
    for line in logged:
        for _round_id, voter in LEDGER_KEY.findall(line):
            named |= {p: line for p in members if keys.voter_hash(sealed, p).hex() == voter}
    return named


@postgres_files
def test_a_second_submission_leaves_no_ledger_key_in_the_servers_log(world: World, engine: Engine) -> None:
    logged, sealed = double_submission(world, engine)
    assert logged == []
    assert server_log_attack(logged, sealed, world.teams[CLOSED_EARLY].members) == {}


@pytest.fixture
def second_answers_that_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weakened intake, as Kindred had it: the ledger's unique key refuses a second answer, an error."""
    from slackapp.checkins import service

    for sql in service.INTAKE_SQL.values():
        monkeypatch.setattr(
            sql, "count_if_invited", sql.count_if_invited.removesuffix(" ON CONFLICT DO NOTHING")
        )


@postgres_files
def test_the_server_log_names_who_pressed_send_twice_when_a_second_answer_fails(
    world: World, engine: Engine, second_answers_that_fail: None
) -> None:
    logged, sealed = double_submission(world, engine)
    named = server_log_attack(logged, sealed, world.teams[CLOSED_EARLY].members)
    assert list(named) == [world.teams[CLOSED_EARLY].members[2]]


# -- the anonymous-question relay's askers, in the statistics ---------------------------------------------

ASKER_COLUMNS = (
    ("resource_question", "asker_sealed"),
    ("resource_question", "asker_hash"),
    ("resource_question_count", "asker_hash"),
)


def asker_statistics_attack(engine: Engine, people: Sequence[str]) -> set[str]:
    """Who asked anonymous questions, from pg_statistic and the key, once every question is answered
    and the link to its asker deleted: the sealed askers it sampled open, the keyed hashes it sampled
    match."""
    keys = AskerKeys(SECRET_KEY)
    with engine.connect() as connection:
        sampled = {v for column in ASKER_COLUMNS for v in sampled_values(connection, *column)}
    named: set[str] = set()
    for value in sampled:
        try:
            named.add(keys.open(value))
        except UnreadableSecret:
            named |= {p for p in people if keys.hash(p) == value}
    return named


def asked_and_answered(slack_requests: SlackRequests, slack: SlackStandIn, engine: Engine) -> None:
    """Two people ask, autovacuum's ANALYZE happens to run while the questions wait, the contact answers."""
    from tests.privacy.test_workspace_owner import answer_all, ask_all

    waiting = ask_all(slack_requests, slack, new_session_factory(engine))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE resource_question, resource_question_count"))
    answer_all(slack_requests, waiting)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM resource_question")) == 0  # the links are gone


@postgres_files
def test_the_statistics_do_not_say_who_asked_once_the_questions_are_answered(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory, engine: Engine
) -> None:
    from tests.privacy.test_workspace_owner import ASKED

    asked_and_answered(slack_requests, slack, engine)
    assert asker_statistics_attack(engine, [*ASKED, CONTACT]) == set()


@pytest.fixture
def askers_sampled_as_postgresql_does(engine: Engine) -> Iterator[None]:
    """A weakened schema, as Kindred had it: ANALYZE samples the sealed askers and their keyed hashes."""
    yield from _sampled(engine, ASKER_COLUMNS)


def _sampled(engine: Engine, columns: Sequence[tuple[str, str]]) -> Iterator[None]:
    def statistics(target: int) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table, column in columns:
                connection.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target}"))
                if target == 0:  # and the samples taken go, as the migration does
                    connection.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea"))

    statistics(-1)
    yield
    statistics(0)


@postgres_files
def test_the_statistics_say_who_asked_when_postgresql_samples_the_askers(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    engine: Engine,
    askers_sampled_as_postgresql_does: None,
) -> None:
    from tests.privacy.test_workspace_owner import ASKED

    asked_and_answered(slack_requests, slack, engine)
    assert asker_statistics_attack(engine, [*ASKED, CONTACT]) == set(ASKED)
