"""Attacks on the engagement page (peer support and resource groups) and HR's pairing views in Slack.

As in test_attacks.py, each attack reads only what a curious HR leader is shown - the engagement page's
CSV export (exactly the table on screen), the App Home and the next round's preview, alone or all
together and round after round - after the workspace lived through the real code paths: the worker
counts group channels and runs pairing rounds, people press Kindred's buttons in Slack (signed requests
to /slack/events). Each attack has a test against Kindred, where it must recover nothing of fewer than
the minimum, and one against a deliberately weakened copy (tests/privacy/conftest.py), where it must
recover the hidden number exactly (or to fewer values than the minimum) - so it is known to have teeth.

The attacker of resource groups is as strong as the group allows: it knows the group's channel was new
and private, so that nobody came in but through Kindred's Join button and (say) nobody has left. Then a
member count is exactly the sum of the joins before it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboards.context import EXTENSION
from slackapp.cadence.schedule import Cadence
from slackapp.database import SessionFactory, utcnow
from slackapp.pairing.ids import SKIP_OPTION, PairingAction, PreferencesBlock
from slackapp.pairing.models import Group, GroupMember, Membership, PairingRound, Programme
from slackapp.pairing.service import Preferences, ProgrammeSpec, create_programme, save_preferences
from slackapp.resources.ids import ResourceAction
from slackapp.resources.service import record_join
from slackapp.resources.stats import month_of
from slackapp.scheduler.worker import Worker
from slackapp.support import SupportKind
from tests.conftest import Clock
from tests.dashboards.conftest import Dashboard
from tests.factories import HR_ADMIN, WORKSPACE
from tests.pairing.test_pairing_story import preferences_form
from tests.pairing.test_pairing_story import save_preferences as save_preferences_in_slack
from tests.privacy.engagement import (
    HOW_MANY,
    JOINED,
    MEMBERS,
    MET,
    OPTED_IN,
    PAIRED,
    WHAT,
    K,
    Rows,
    engagement_rows,
    hidden_join_ranges,
    people_range,
)
from tests.resource_factories import group_spec, make_entry, months_ago
from tests.slack_requests import SlackRequests, checkboxes, view_payload
from tests.slack_standin import BOT_USER_ID, SlackStandIn

GRIEF = "C0GRIEF"


# -- resource groups: the member count beside the joins ------------------------------------------------


@pytest.fixture
def grief_group(
    session_factory: SessionFactory, slack: SlackStandIn, make_worker: Callable[[], Worker], clock: Clock
) -> Iterator[uuid.UUID]:
    """A grief-support group in a new private channel. Four months ago six people joined through
    Kindred, then seven, then two (the ones to protect), then none; the worker counted the channel at
    each month's end: 6, 13, 15, 15."""
    slack.add_channel(GRIEF, members=[BOT_USER_ID])
    entry = make_entry(session_factory, group_spec("Grief support", channel_id=GRIEF))
    people = iter(f"U0GRIEF{n:02d}" for n in range(100))
    for ago, joined in ((4, 6), (3, 7), (2, 2), (1, 0)):
        with session_factory.begin() as session:
            for _ in range(joined):  # what the Join button does, in that month
                person = next(people)
                slack.add_user(person)
                slack.channel_members[GRIEF].append(person)
                record_join(session=session, entry_id=entry.id, now=months_ago(ago))
        clock.now = months_ago(ago, day=27)
        make_worker().run_once()
    clock.now = utcnow()
    yield entry.id


def test_a_groups_member_count_minus_its_shown_joins_gives_away_no_hidden_month(
    grief_group: uuid.UUID, dashboard: Dashboard
) -> None:
    rows = engagement_rows(dashboard)
    ranges = hidden_join_ranges(rows, "Grief support", utcnow().date())
    assert ranges, "some joins are hidden"
    for span, (low, high) in ranges.items():
        assert high - low + 1 >= K, (span, low, high)
    # Still useful: the group's size and the months it grew in, as of the end of its latest step.
    shown = {(r[WHAT], r["When"]): r[HOW_MANY] for r in rows if r[HOW_MANY]}
    assert shown[(MEMBERS, f"end of {months_ago(3):%b %Y}")] == "13"
    assert shown[(JOINED, f"{months_ago(4):%b %Y}")] == "6"
    assert shown[(JOINED, f"{months_ago(3):%b %Y}")] == "7"


def test_the_member_count_attack_pins_a_hidden_month_from_a_weakened_page(
    grief_group: uuid.UUID, dashboard: Dashboard, monthly_joins_and_live_member_counts: None
) -> None:
    rows = engagement_rows(dashboard)
    ranges = hidden_join_ranges(rows, "Grief support", utcnow().date())
    two_months_ago = month_of(months_ago(2))
    assert ranges == {f"{two_months_ago}..{two_months_ago}": (2, 2)}  # the two who joined that month


def between_looks(before: Rows, after: Rows, group: str) -> int | None:
    """The member count now minus the member count at the last look: who came in meanwhile."""

    def count(rows: Rows) -> int | None:
        found = [r[HOW_MANY] for r in rows if r[WHAT] == MEMBERS and r["Which"] == group]
        return int(found[0]) if found and found[0] else None

    then, now = count(before), count(after)
    return None if then is None or now is None or then == now else now - then


def two_join_today(
    dashboard: Dashboard,
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    entry_id: uuid.UUID,
    make_worker: Callable[[], Worker],
) -> tuple[Rows, Rows]:
    """HR looks; two people press Join on the group in Slack and the worker counts the channel; HR looks
    again the same month."""
    before = engagement_rows(dashboard)
    requests = both_sides[0]
    for person in ("U0JOINSTODAY1", "U0JOINSTODAY2"):
        slack.add_user(person)
        reply = requests.block_action(ResourceAction.JOIN, str(entry_id), user_id=person)
        assert reply.status == 200, reply.text
    assert {"U0JOINSTODAY1", "U0JOINSTODAY2"} <= set(slack.channel_members[GRIEF])
    make_worker().run_once()
    return before, engagement_rows(dashboard)


def test_looking_twice_in_a_month_shows_nothing_of_who_joined_in_between(
    grief_group: uuid.UUID,
    dashboard: Dashboard,
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    make_worker: Callable[[], Worker],
) -> None:
    before, after = two_join_today(dashboard, both_sides, slack, grief_group, make_worker)
    assert before == after  # a month is shown once it is over, and never changes after
    assert between_looks(before, after, "Grief support") is None


def test_looking_twice_gives_away_two_joins_on_a_weakened_page(
    grief_group: uuid.UUID,
    dashboard: Dashboard,
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    make_worker: Callable[[], Worker],
    monthly_joins_and_live_member_counts: None,
) -> None:
    before, after = two_join_today(dashboard, both_sides, slack, grief_group, make_worker)
    this_month = [r for r in after if r[WHAT] == JOINED and r["When"] == f"{utcnow():%b %Y}"]
    assert this_month and this_month[0][HOW_MANY] == ""  # the page itself hides this month's two
    assert between_looks(before, after, "Grief support") == 2


# -- peer support: the meeting rate --------------------------------------------------------------------

PEERS = "C0PEERS"


def peer_round(
    people: int,
    session_factory: SessionFactory,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    *,
    skipping: int = 0,
    avoid: Mapping[str, frozenset[str]] | None = None,
) -> list[uuid.UUID]:
    """A weekly programme that `people` opted in to, the first `skipping` of them asking to skip the next
    round, some with don't-pair lists (`avoid`); the worker runs its first round. Its groups' ids."""
    everyone = [f"U0PEER{n:02d}" for n in range(people)]
    for person in everyone:
        slack.add_user(person)
    slack.add_channel(PEERS, members=[*everyone, BOT_USER_ID])
    with session_factory.begin() as session:
        programme = create_programme(
            session=session,
            workspace_id=WORKSPACE,
            spec=ProgrammeSpec(PEERS, Cadence.WEEKLY, 2, "10:00", "UTC"),
            created_by=HR_ADMIN,
            now=clock.now,
        )
        for person in everyone:  # what the preferences modal saves
            save_preferences(
                session=session,
                workspace_id=WORKSPACE,
                user_id=person,
                preferences=Preferences(
                    seeks=frozenset({SupportKind.EMOTIONAL}),
                    offers=frozenset({SupportKind.ADVICE}),
                    skip_next_round=person in everyone[:skipping],
                    avoid=(avoid or {}).get(person, frozenset()),
                ),
                programme_ids=[programme.id],
                now=clock.now,
                today=clock.now.date(),
            )
    with session_factory() as session:
        first_slot = session.scalars(select(Programme.next_round_at)).one()
    assert first_slot is not None
    clock.now = first_slot + timedelta(minutes=1)
    worker.run_once()
    with session_factory() as session:
        return list(session.scalars(select(Group.id).order_by(Group.id)))


def we_met(requests: SlackRequests, session_factory: SessionFactory, groups: Sequence[uuid.UUID]) -> None:
    """One person of each group presses "We met" on the introduction."""
    for group_id in groups:
        with session_factory() as session:
            member = session.scalars(
                select(GroupMember.user_id).where(GroupMember.group_id == group_id)
            ).first()
        reply = requests.block_action(PairingAction.WE_MET, str(group_id), user_id=str(member))
        assert reply.status == 200, reply.text


def met_read(rows: Rows) -> tuple[int, int] | None:
    """The people who met in the round, as far as its row tells (None: not counted yet)."""
    [row] = [r for r in rows if r[WHAT] == PAIRED]
    return people_range(row[MET])


def close_the_round(session_factory: SessionFactory, worker: Worker, clock: Clock) -> None:
    with session_factory() as session:
        closes_at = session.scalars(select(PairingRound.closes_at)).one()
    clock.now = closes_at + timedelta(minutes=1)
    worker.run_once()


@pytest.fixture
def seven_pairs(
    session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock
) -> list[uuid.UUID]:
    groups = peer_round(14, session_factory, slack, worker, clock)
    assert len(groups) == 7
    return groups


def looks_while_it_runs(
    dashboard: Dashboard, requests: SlackRequests, session_factory: SessionFactory, groups: list[uuid.UUID]
) -> tuple[Rows, Rows]:
    """Three pairs say they met and HR looks; a fourth pair does and HR looks again."""
    we_met(requests, session_factory, groups[:3])
    first = engagement_rows(dashboard)
    we_met(requests, session_factory, groups[3:4])
    return first, engagement_rows(dashboard)


def test_a_running_rounds_meetings_say_nothing_of_who_just_met(
    seven_pairs: list[uuid.UUID],
    dashboard: Dashboard,
    both_sides: tuple[SlackRequests, Dashboard],
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> None:
    requests = both_sides[0]
    first, second = looks_while_it_runs(dashboard, requests, session_factory, seven_pairs)
    assert met_read(first) is None and met_read(second) is None
    close_the_round(session_factory, worker, clock)
    closed = engagement_rows(dashboard)
    assert met_read(closed) == (5, 9)  # counted once, at the close, in steps: eight met
    we_met(requests, session_factory, seven_pairs[4:])  # late clicks change nothing shown
    assert engagement_rows(dashboard) == closed


def test_a_running_rounds_meetings_give_away_one_pair_on_a_weakened_page(
    seven_pairs: list[uuid.UUID],
    dashboard: Dashboard,
    both_sides: tuple[SlackRequests, Dashboard],
    session_factory: SessionFactory,
    meetings_counted_live: None,
) -> None:
    first, second = looks_while_it_runs(dashboard, both_sides[0], session_factory, seven_pairs)
    before, after = met_read(first), met_read(second)
    assert before is not None and after is not None and before[0] == before[1] and after[0] == after[1]
    assert after[0] - before[0] == 2  # exactly the two people who met between the looks


@pytest.fixture
def five_pairs_one_met(
    session_factory: SessionFactory,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    both_sides: tuple[SlackRequests, Dashboard],
) -> None:
    """Ten people in five pairs; one pair met; the round closed."""
    groups = peer_round(10, session_factory, slack, worker, clock)
    assert len(groups) == 5
    we_met(both_sides[0], session_factory, groups[:1])
    close_the_round(session_factory, worker, clock)


@pytest.mark.usefixtures("five_pairs_one_met")
def test_few_who_met_leave_at_least_the_minimum_possible_counts(dashboard: Dashboard) -> None:
    [row] = [r for r in engagement_rows(dashboard) if r[WHAT] == PAIRED]
    assert row[MET] == f"fewer than {K}" and people_range(row[MET]) == (0, K - 1)  # two, of 0 to 4
    # Nor those who did not meet: paired (10 to 14) minus met (0 to 4), 6 to 14.
    paired, met = people_range(row[HOW_MANY]), people_range(row[MET])
    assert paired == (10, 14) and met is not None
    assert paired[1] - met[0] - (paired[0] - met[1]) + 1 >= K


# -- peer support: the share of those who opted in that were paired ------------------------------------


def possible_not_paired(rows: Rows) -> list[int]:
    """Every number of people who may have opted in to the round and not been paired, from its shown
    number paired and number who opted in."""
    [row] = [r for r in rows if r[WHAT] == PAIRED]
    paired, opted_in = people_range(row[HOW_MANY]), people_range(row[OPTED_IN])
    assert paired is not None and opted_in is not None
    return sorted(
        {
            o - t
            for o in range(opted_in[0], opted_in[1] + 1)
            for t in range(paired[0], paired[1] + 1)
            if t <= o
        }
    )


@pytest.fixture
def one_skips(session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock) -> None:
    """Eleven people opted in; one asked to skip this round, so ten are paired."""
    groups = peer_round(11, session_factory, slack, worker, clock, skipping=1)
    assert len(groups) == 5


@pytest.mark.usefixtures("one_skips")
def test_the_counts_beside_each_other_do_not_say_how_few_were_not_paired(dashboard: Dashboard) -> None:
    rows = engagement_rows(dashboard)
    [row] = [r for r in rows if r[WHAT] == PAIRED]
    assert row[HOW_MANY] == row[OPTED_IN] == "at least 10"
    possible = possible_not_paired(rows)
    assert 1 in possible and len(possible) >= K, possible
    assert "11" not in {value for r in rows for value in r.values()}  # nor how many opted in


@pytest.mark.usefixtures("one_skips")
def test_the_paired_share_gives_away_the_one_not_paired_on_a_weakened_page(
    dashboard: Dashboard, participation_rates_as_before: None
) -> None:
    rows = engagement_rows(dashboard)
    assert possible_not_paired(rows) == [1]  # ten of eleven


@pytest.fixture
def five_skip(session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock) -> None:
    """Fifteen people opted in; five skip this round, so ten are paired."""
    groups = peer_round(15, session_factory, slack, worker, clock, skipping=5)
    assert len(groups) == 5


@pytest.mark.usefixtures("five_skip")
def test_hr_still_reads_how_many_were_paired_of_how_many_opted_in(dashboard: Dashboard) -> None:
    [row] = [r for r in engagement_rows(dashboard) if r[WHAT] == PAIRED]
    assert row[HOW_MANY] == "at least 10" and row[OPTED_IN] == "at least 15"


# -- HR's App Home: how many opted in ------------------------------------------------------------------


def app_home_of_hr(both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn) -> str:
    """HR (a workspace admin in Slack) opens Kindred's App Home: every text Slack was asked to show."""
    slack.add_user(HR_ADMIN, is_admin=True)
    reply = both_sides[0].event(
        {"type": "app_home_opened", "user": HR_ADMIN, "channel": "D0HOME", "tab": "home"}
    )
    assert reply.status == 200, reply.text
    published = [c for c in slack.calls_to("views.publish") if c.args.get("user_id") == HR_ADMIN]
    view = published[-1].args["view"]
    return json.dumps(json.loads(view) if isinstance(view, str) else view)


def opted_in_shown(home: str) -> int | None:
    import re

    found = re.search(r"(?<!than )(?<!\d)(\d+) opted in", home)  # not "fewer than 5 opted in"
    return int(found[1]) if found else None


def preview_counts(both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn) -> tuple[int, ...]:
    """HR presses "Preview next round" on the programme: the numbers of people the preview gives (who
    would take part, who could not be placed)."""
    import re

    shown = preview_text(both_sides, slack)
    people = re.findall(r"at least \*(\d+)\* people would|could not be placed: at least \*(\d+)\*", shown)
    return tuple(int(a or b) for a, b in people)


def preview_text(both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn) -> str:
    """HR presses "Preview next round" on the programme: every text of the preview."""
    with both_sides[1].client.application.extensions[EXTENSION].session_factory() as session:
        programme_id = session.scalars(select(Programme.id)).one()
    slack.add_user(HR_ADMIN, is_admin=True)
    reply = both_sides[0].block_action(
        PairingAction.PREVIEW_PROGRAMME,
        str(programme_id),
        user_id=HR_ADMIN,
        view=view_payload("", type="home"),
    )
    assert reply.status == 200, reply.text
    shown = json.dumps(slack.calls_to("views.update")[-1].args["view"])
    assert "next round were matched now" in shown, shown
    return shown


@pytest.fixture
def three_opted_in(
    session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock
) -> None:
    groups = peer_round(3, session_factory, slack, worker, clock)
    assert len(groups) == 1


@pytest.mark.usefixtures("three_opted_in")
def test_the_app_home_does_not_say_how_few_opted_in_any_more_than_the_dashboard(
    both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn, dashboard: Dashboard
) -> None:
    [row] = [r for r in engagement_rows(dashboard) if r[WHAT] == PAIRED]
    assert row[HOW_MANY] == f"fewer than {K}"  # the dashboard does not say how few either
    home = app_home_of_hr(both_sides, slack)
    assert f"fewer than {K} opted in" in home and opted_in_shown(home) is None


@pytest.mark.usefixtures("three_opted_in")
def test_the_next_rounds_preview_does_not_say_how_few_would_take_part(
    both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn
) -> None:
    assert preview_counts(both_sides, slack) == ()


@pytest.mark.usefixtures("three_opted_in")
def test_the_preview_gives_away_how_few_take_part_when_weakened(
    both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn, opted_in_counts_as_before: None
) -> None:
    counts = preview_counts(both_sides, slack)
    assert counts and sum(counts) == 3  # everyone who opted in is placed or left out


@pytest.mark.usefixtures("three_opted_in")
def test_the_app_home_gives_away_how_few_opted_in_when_weakened(
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    dashboard: Dashboard,
    opted_in_counts_as_before: None,
) -> None:
    [row] = [r for r in engagement_rows(dashboard) if r[WHAT] == PAIRED]
    assert row[HOW_MANY] == f"fewer than {K}"
    home = app_home_of_hr(both_sides, slack)
    assert opted_in_shown(home) == 3, home


# -- peer support: every surface together, round after round -----------------------------------------


def skip_the_next_round(requests: SlackRequests, person: str, session_factory: SessionFactory) -> None:
    """Someone ticks "Skip my next round" in the preferences modal, in Slack."""
    with session_factory() as session:
        programme_id = str(session.scalars(select(Programme.id)).one())
    form = preferences_form(
        [programme_id], **{PreferencesBlock.SKIP_NEXT: {PairingAction.FIELD: checkboxes([SKIP_OPTION])}}
    )
    reply = save_preferences_in_slack(requests, person, form)
    assert reply.status == 200 and reply.text == "", reply.text


def next_round(session_factory: SessionFactory, worker: Worker, clock: Clock) -> list[uuid.UUID]:
    """The worker runs the programme's next round at its time; that round's groups, pairs first."""
    with session_factory() as session:
        slot = session.scalars(select(Programme.next_round_at)).one()
    assert slot is not None
    clock.now = slot + timedelta(minutes=1)
    worker.run_once()
    with session_factory() as session:
        number = session.scalar(select(func.max(PairingRound.number)))
        return list(
            session.scalars(
                select(Group.id)
                .join(PairingRound)
                .where(PairingRound.number == number)
                .order_by(Group.size, Group.id)
            )
        )


def close_every_round(session_factory: SessionFactory, worker: Worker, clock: Clock) -> None:
    with session_factory() as session:
        last = session.scalar(select(func.max(PairingRound.closes_at)))
    assert last is not None
    clock.now = max(clock.now, last) + timedelta(minutes=1)
    worker.run_once()


@dataclass
class Seen:
    """Everything HR read of a programme's rounds: each round's row of the engagement page (its CSV), the
    App Home's opted-in count once each round was matched, and the preview's "would take part" just
    before a round, where HR looked."""

    rows: Rows
    homes: list[tuple[int, int]]
    previews: dict[int, tuple[int, int]]


def home_range(home: str) -> tuple[int, int]:
    shown = opted_in_shown(home)
    if shown is None:
        assert f"fewer than {K} opted in" in home, home
        return 0, K - 1
    return shown, shown + K - 1


@pytest.fixture
def fourteen_then_one_skips(
    session_factory: SessionFactory,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    both_sides: tuple[SlackRequests, Dashboard],
    dashboard: Dashboard,
) -> Callable[[], Seen]:
    """Fourteen people opt in. Round 1 pairs all fourteen (seven pairs; three meet). Then one asks to skip,
    and round 2 pairs thirteen (two pairs meet). Nobody else joins or leaves. HR looks at everything, every
    time: the App Home after each match, the preview before round 2, the engagement page at the end."""
    requests = both_sides[0]
    homes: list[tuple[int, int]] = []
    first = peer_round(14, session_factory, slack, worker, clock)
    assert len(first) == 7
    homes.append(home_range(app_home_of_hr(both_sides, slack)))
    we_met(requests, session_factory, first[:3])
    close_every_round(session_factory, worker, clock)
    skip_the_next_round(requests, "U0PEER00", session_factory)
    previews = {2: _placed(preview_counts(both_sides, slack))}
    second = next_round(session_factory, worker, clock)
    assert len(second) == 6  # five pairs and a group of three
    homes.append(home_range(app_home_of_hr(both_sides, slack)))
    we_met(requests, session_factory, second[:2])
    close_every_round(session_factory, worker, clock)
    return lambda: Seen(engagement_rows(dashboard), homes, previews)


def _placed(counts: tuple[int, ...]) -> tuple[int, int]:
    """The preview's "at least N people would take part" (its first number), as a range."""
    return (counts[0], counts[0] + K - 1) if counts else (0, K - 1)


def pairing_ranges(seen: Seen) -> dict[str, tuple[int, int]]:
    """The least and greatest value of every count HR does not see exactly, from everything it saw.

    The attacker is as strong as the programme allows: its channel is quiet, so nobody opted in or out
    between the rounds (HR sees who is in the channel) and the number who opted in is one number, O. Each
    round's row bounds O, the number paired (T) and the number who met (M), and a share who met shown
    beside them ("at least 5 (55%)", on a weakened page) is M / T to the percent; the App Home bounds O;
    the preview bounds T. Every whole-number solution is tried. Counts: opted in (O), paired (T), not
    paired (O - T), met (M), paired but not met (T - M), and the change in the number paired from one
    round to the next.
    """
    rounds = [r for r in seen.rows if r[WHAT] == PAIRED]
    top = 200  # far beyond this programme's size: the search stops there, ruling nothing out below

    def within(text: str, *more: tuple[int, int] | None) -> set[int]:
        low, high = 0, top
        for found in (people_range(text), *more):
            if found is not None:
                low, high = max(low, found[0]), min(high, found[1])
        return set(range(low, high + 1))

    opted_in = within("", *seen.homes, *(people_range(r[OPTED_IN]) for r in rounds))
    paired_and_met: list[set[tuple[int, int]]] = []
    for n, row in enumerate(rounds, start=1):
        met, _, share = row[MET].partition(" (")
        paired_and_met.append(
            {
                (t, m)
                for t in within(row[HOW_MANY], seen.previews.get(n))
                for m in within(met)
                if m <= t and (not share or (t > 0 and f"{m / t:.0%}" == share.removesuffix(")")))
            }
        )
    # O is possible when every round has a number paired of at most O.
    opted_in = {o for o in opted_in if all(any(t <= o for t, _m in round_) for round_ in paired_and_met)}
    found: dict[str, set[int]] = {"opted in": opted_in}
    for n, round_ in enumerate(paired_and_met, start=1):
        round_ = {(t, m) for t, m in round_ if t <= max(opted_in)}
        found[f"round {n}: paired"] = {t for t, _m in round_}
        found[f"round {n}: not paired"] = {o - t for o in opted_in for t, _m in round_ if t <= o}
        found[f"round {n}: met"] = {m for _t, m in round_}
        found[f"round {n}: paired, not met"] = {t - m for t, m in round_}
        if n > 1:
            found[f"round {n}: change in the number paired"] = {
                t - s for t in found[f"round {n}: paired"] for s in found[f"round {n - 1}: paired"]
            }
    return {what: (min(values), max(values)) for what, values in found.items()}


def test_every_surface_every_round_together_pin_no_pairing_count(
    fourteen_then_one_skips: Callable[[], Seen],
) -> None:
    seen = fourteen_then_one_skips()
    assert seen.homes == [(10, 14), (10, 14)] and seen.previews == {2: (10, 14)}
    ranges = pairing_ranges(seen)
    narrow = {what: (low, high) for what, (low, high) in ranges.items() if high - low + 1 < K}
    assert narrow == {}, ranges
    # What HR still reads: both rounds "at least 10" paired, of "at least 10" opted in; some met.
    rows = [r for r in seen.rows if r[WHAT] == PAIRED]
    assert [(r[HOW_MANY], r[OPTED_IN], r[MET]) for r in rows] == [
        ("at least 10", "at least 10", "at least 5"),
        ("at least 10", "at least 10", "fewer than 5"),
    ]


def test_the_app_home_beside_exact_counts_pins_who_skipped_on_a_weakened_page(
    fourteen_then_one_skips: Callable[[], Seen], pairing_counts_as_before: None
) -> None:
    seen = fourteen_then_one_skips()
    rows = [r for r in seen.rows if r[WHAT] == PAIRED]
    # The page alone hides the not paired (the share is blank: fewer than the minimum either side)...
    assert [(r[HOW_MANY], r[OPTED_IN]) for r in rows] == [("14", ""), ("13", "")]
    ranges = pairing_ranges(seen)
    # ... but "at least 10 opted in" on the App Home, beside 14 paired, says fourteen opted in and all
    # were paired; and beside the next round's 13, that exactly one of them did not take part.
    assert ranges["opted in"] == (14, 14)
    assert ranges["round 1: not paired"] == (0, 0) and ranges["round 2: not paired"] == (1, 1)
    assert ranges["round 2: change in the number paired"] == (-1, -1)


@pytest.fixture
def eleven_paired_six_met(
    session_factory: SessionFactory,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    both_sides: tuple[SlackRequests, Dashboard],
    dashboard: Dashboard,
) -> Callable[[], Seen]:
    """Twelve people opt in; one skips, so eleven are paired (four pairs and a group of three); three of
    the pairs meet, and the round closes. HR looks at the App Home after the match and at the page."""
    groups = peer_round(12, session_factory, slack, worker, clock, skipping=1)
    home = home_range(app_home_of_hr(both_sides, slack))
    with session_factory() as session:
        pairs = list(session.scalars(select(Group.id).where(Group.id.in_(groups), Group.size == 2)))
    assert len(groups) == 5 and len(pairs) == 4
    we_met(both_sides[0], session_factory, pairs[:3])
    close_the_round(session_factory, worker, clock)
    return lambda: Seen(engagement_rows(dashboard), [home], {})


def test_counts_in_steps_without_a_rate_pin_neither_the_round_nor_who_was_not_paired(
    eleven_paired_six_met: Callable[[], Seen],
) -> None:
    seen = eleven_paired_six_met()
    [row] = [r for r in seen.rows if r[WHAT] == PAIRED]
    assert (row[HOW_MANY], row[OPTED_IN], row[MET]) == ("at least 10", "at least 10", "at least 5")
    assert not any("%" in value for r in seen.rows for value in r.values())
    ranges = pairing_ranges(seen)
    assert {what: r for what, r in ranges.items() if r[1] - r[0] + 1 < K} == {}, ranges


def test_a_meeting_rate_beside_counts_in_steps_gives_them_back_on_a_weakened_page(
    eleven_paired_six_met: Callable[[], Seen], meeting_rates_beside_steps: None
) -> None:
    seen = eleven_paired_six_met()
    [row] = [r for r in seen.rows if r[WHAT] == PAIRED]
    assert (row[HOW_MANY], row[MET]) == ("at least 10", "at least 5 (55%)")
    ranges = pairing_ranges(seen)
    # 55% of 10 to 14 can only be 6 of 11: the round's counts exactly, and beside "at least 10 opted in"
    # the not paired to 0 to 3.
    assert ranges["round 1: paired"] == (11, 11) and ranges["round 1: met"] == (6, 6)
    assert ranges["round 1: paired, not met"] == (5, 5) and ranges["round 1: not paired"] == (0, 3)


# -- HR looks twice: before and after one person opts in -----------------------------------------------


def one_more_opts_in(requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory) -> None:
    """Someone new joins the programme's channel and opts in, through the preferences modal in Slack."""
    with session_factory() as session:
        programme_id = str(session.scalars(select(Programme.id)).one())
    person = "U0PEERNEW"
    slack.add_user(person)
    slack.channel_members[PEERS].append(person)
    reply = save_preferences_in_slack(requests, person, preferences_form([programme_id]))
    assert reply.status == 200 and reply.text == "", reply.text
    with session_factory() as session:
        assert session.scalar(select(Membership).where(Membership.user_id == person)) is not None


Look = tuple[int | None, tuple[int, ...]]


def hr_looks(both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn) -> Look:
    """What HR reads of how many there are: the App Home's opted-in count, the next round's preview."""
    return opted_in_shown(app_home_of_hr(both_sides, slack)), preview_counts(both_sides, slack)


def moved(before: Look, after: Look) -> list[int]:
    """How far each number HR read moved between two looks (a number hidden at either look: nothing)."""
    pairs = [(before[0], after[0]), *zip(before[1], after[1], strict=False)]
    return [abs(now - then) for then, now in pairs if then is not None and now is not None]


def looks_around_one_opt_in(
    people: int,
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> tuple[Look, Look]:
    peer_round(people, session_factory, slack, worker, clock)
    before = hr_looks(both_sides, slack)
    one_more_opts_in(both_sides[0], slack, session_factory)
    return before, hr_looks(both_sides, slack)


@pytest.mark.parametrize("people", [11, 9])  # within a step, and across one
def test_two_looks_around_one_opt_in_never_differ_by_fewer_than_the_minimum(
    people: int,
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> None:
    before, after = looks_around_one_opt_in(people, both_sides, slack, session_factory, worker, clock)
    assert before[0] is not None and before[1], before  # both surfaces give a number to compare
    assert all(step == 0 or step >= K for step in moved(before, after)), (before, after)
    # Still useful: at least the step the count is in.
    assert after[0] == (people + 1) // K * K


def test_two_looks_give_away_the_one_who_opted_in_when_weakened(
    both_sides: tuple[SlackRequests, Dashboard],
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
    opted_in_counts_as_before: None,
) -> None:
    before, after = looks_around_one_opt_in(11, both_sides, slack, session_factory, worker, clock)
    assert (before[0], after[0]) == (11, 12)  # the App Home: exactly one opted in
    assert moved(before, after) == [1, 1]  # and the preview: one more would take part


# -- the next round's preview: pairs meeting again -----------------------------------------------------


@pytest.fixture
def one_pair_must_meet_again(
    session_factory: SessionFactory, slack: SlackStandIn, worker: Worker, clock: Clock
) -> None:
    """Six people; one of them will meet nobody but one other (a don't-pair list of the other four), so
    the first round pairs those two, and the next one can only pair them again: one repeat, the rest
    free to meet someone new."""
    others = frozenset(f"U0PEER{n:02d}" for n in range(2, 6))
    groups = peer_round(6, session_factory, slack, worker, clock, avoid={"U0PEER00": others})
    assert len(groups) == 3


def repeats_read(preview: str) -> list[int]:
    """Every number of pairs meeting again that the preview's words allow, up to twice the minimum."""
    import re

    said = re.search(r"Pairs meeting again within the repeat window: ([^\\]*)", preview)
    assert said, preview
    words = said[1]
    if words.startswith("none"):
        return [0]
    exactly = re.match(r"\*(\d+)\*", words)
    if exactly:
        return [int(exactly[1])]
    at_least = re.match(r"at least \*(\d+)\*", words)
    if at_least:
        return list(range(int(at_least[1]), int(at_least[1]) + K))
    assert words.startswith(f"some, fewer than {K}"), words
    return list(range(1, K))


@pytest.mark.usefixtures("one_pair_must_meet_again")
def test_the_preview_says_pairs_meet_again_but_not_that_it_is_one(
    both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn
) -> None:
    possible = repeats_read(preview_text(both_sides, slack))
    # HR learns that repeats happen (so it can widen the programme or the window), not how many.
    assert possible == [1, 2, 3, 4], possible


@pytest.mark.usefixtures("one_pair_must_meet_again")
def test_the_preview_gives_away_the_one_pair_meeting_again_when_weakened(
    both_sides: tuple[SlackRequests, Dashboard], slack: SlackStandIn, repeats_counted_as_before: None
) -> None:
    assert repeats_read(preview_text(both_sides, slack)) == [1]
