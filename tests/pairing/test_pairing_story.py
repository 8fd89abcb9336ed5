"""The peer-support story through signed requests to /slack/events and the Web API stand-in.

HR starts a programme in the App Home; Kindred announces it; nine people opt in (from the announcement,
from `/peers`, from the App Home); rounds introduce them in group DMs; people pause, skip, meet, follow
up and leave.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from slackapp.database import SessionFactory, utcnow
from slackapp.pairing.ids import (
    ANNOUNCEMENT_EVENT,
    CROSS_TEAM_OPTION,
    INTRODUCTION_EVENT,
    SKIP_OPTION,
    PairingAction,
    PairingCallback,
    PreferencesBlock,
    ProgrammeBlock,
)
from slackapp.pairing.models import Group, GroupMember, Membership, PairingRound, Profile, Programme
from slackapp.scheduler.worker import Worker
from slackapp.support import SupportKind
from tests.conftest import Clock
from tests.factories import weekday_ahead
from tests.slack_requests import (
    EndpointResponse,
    SlackRequests,
    checkboxes,
    conversation,
    datepicker,
    static_select,
    text,
    timepicker,
    users,
    view_payload,
)
from tests.slack_standin import BOT_USER_ID, SlackStandIn

HR = "U0HRADMIN"
PEERS_CHANNEL = "C0PEERS"
PEOPLE = [f"U0PEER{n:02d}" for n in range(1, 10)]
OUTSIDER = "U0OUTSIDER"  # not in the programme's channel


@pytest.fixture
def workspace(slack: SlackStandIn) -> None:
    slack.add_user(HR, is_admin=True, tz="Europe/London")
    for person in [*PEOPLE, OUTSIDER]:
        slack.add_user(person, tz="Europe/London")
    slack.add_channel(PEERS_CHANNEL, members=[HR, *PEOPLE, BOT_USER_ID], name="peer-support")


def programme_form(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    field = PairingAction.FIELD
    # The first round is two to three days away, so moving the clock 8 days passes exactly one round,
    # and 7 more days one more.
    weekday = weekday_ahead(3)
    values: dict[str, dict[str, Any]] = {
        ProgrammeBlock.CHANNEL: {field: conversation(PEERS_CHANNEL)},
        ProgrammeBlock.CADENCE: {field: static_select("weekly")},
        ProgrammeBlock.WEEKDAY: {field: static_select(str(weekday))},
        ProgrammeBlock.LOCAL_TIME: {field: timepicker("10:00")},
        ProgrammeBlock.TIMEZONE: {field: text("Europe/London")},
        ProgrammeBlock.REPEAT_WINDOW: {field: static_select("6")},
        ProgrammeBlock.OPTIONS: {field: checkboxes([CROSS_TEAM_OPTION])},
    }
    values.update(overrides)
    return values


def preferences_form(
    programme_ids: list[str],
    *,
    seeks: list[str] = ("emotional",),  # type: ignore[assignment]
    offers: list[str] = ("advice", "practical"),  # type: ignore[assignment]
    **overrides: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    field = PairingAction.FIELD
    values: dict[str, dict[str, Any]] = {
        PreferencesBlock.PROGRAMMES: {field: checkboxes(programme_ids)},
        PreferencesBlock.SEEKS: {field: checkboxes(seeks)},
        PreferencesBlock.OFFERS: {field: checkboxes(offers)},
        PreferencesBlock.TOPICS: {field: text(None)},
        PreferencesBlock.PAUSED_UNTIL: {field: datepicker(None)},
        PreferencesBlock.SKIP_NEXT: {field: checkboxes([])},
        PreferencesBlock.AVOID: {field: users([])},
    }
    values.update(overrides)
    return values


def save_preferences(slack_requests: SlackRequests, person: str, form: dict[str, Any]) -> EndpointResponse:
    return slack_requests.view_submission(PairingCallback.PREFERENCES, form, "{}", user_id=person)


def start_programme(slack_requests: SlackRequests, session_factory: SessionFactory) -> Programme:
    saved = slack_requests.view_submission(PairingCallback.PROGRAMME_FORM, programme_form(), "{}", user_id=HR)
    assert saved.status == 200 and saved.text == ""
    with session_factory() as session:
        return session.scalars(select(Programme)).one()


def groups_of_round(session_factory: SessionFactory, number: int) -> list[tuple[str, ...]]:
    with session_factory() as session:
        rows = session.execute(
            select(GroupMember.group_id, GroupMember.user_id)
            .join(Group, Group.id == GroupMember.group_id)
            .join(PairingRound, PairingRound.id == Group.round_id)
            .where(PairingRound.number == number)
        ).all()
    by_group: dict[object, list[str]] = {}
    for group_id, user_id in rows:
        by_group.setdefault(group_id, []).append(user_id)
    return sorted(tuple(sorted(members)) for members in by_group.values())


def introductions(slack: SlackStandIn) -> list[dict[str, Any]]:
    return [
        call.args
        for call in slack.successful_calls_to("chat.postMessage")
        if (call.args.get("metadata") or {}).get("event_type") == INTRODUCTION_EVENT
    ]


def pairs(groups: list[tuple[str, ...]]) -> set[tuple[str, str]]:
    return {pair for group in groups for pair in itertools.combinations(group, 2)}


@pytest.mark.usefixtures("workspace")
def test_nine_people_opt_in_meet_pause_skip_and_leave(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    worker: Worker,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    programme = start_programme(slack_requests, session_factory)
    programme_id = str(programme.id)

    # The worker announces the programme in its channel, with a button to opt in.
    clock.advance(seconds=1)
    worker.run_once()
    announcement = slack.successful_calls_to("chat.postMessage")[0].args
    assert announcement["channel"] == PEERS_CHANNEL
    assert announcement["metadata"]["event_type"] == ANNOUNCEMENT_EVENT
    assert PairingAction.JOIN in json.dumps(announcement["blocks"])

    # Nine people opt in: from the announcement, from /peers and from the App Home.
    for n, person in enumerate(PEOPLE):
        if n % 3 == 0:
            slack_requests.block_action(
                PairingAction.JOIN, programme_id, user_id=person, channel_id=PEERS_CHANNEL
            )
            modal = slack.calls_to("views.open")[-1].args["view"]
            assert modal["callback_id"] == PairingCallback.PREFERENCES
            assert programme_id in json.dumps(modal["blocks"][0]["element"]["initial_options"])
        elif n % 3 == 1:
            assert slack_requests.command("/peers", user_id=person).status == 200
            assert slack.calls_to("views.open")[-1].args["view"]["callback_id"] == PairingCallback.PREFERENCES
        else:
            slack_requests.block_action(
                PairingAction.OPEN_PREFERENCES, user_id=person, view=view_payload("", type="home")
            )
        kinds = ["emotional", "practical", "advice", "belonging"]
        form = preferences_form([programme_id], seeks=[kinds[n % 4]], offers=[kinds[(n + 1) % 4]])
        saved = save_preferences(slack_requests, person, form)
        assert saved.status == 200 and saved.text == "", saved.text

    # Round one: three pairs and one trio, everyone exactly once, introduced in a group DM each.
    clock.advance(days=8)
    worker.run_once()
    first = groups_of_round(session_factory, 1)
    assert sorted(len(g) for g in first) == [2, 2, 2, 3]
    assert Counter(p for g in first for p in g) == Counter(PEOPLE)
    opened = [call.args["users"] for call in slack.successful_calls_to("conversations.open")]
    assert sorted(tuple(sorted(u.split(","))) for u in opened) == first
    intros = introductions(slack)
    assert len(intros) == 4
    assert all(PairingAction.WE_MET in json.dumps(i["blocks"]) for i in intros)
    assert any("can offer" in json.dumps(i["blocks"]) for i in intros)

    # One group says they met; the click is recorded once and said in the thread.
    group_id = intros[0]["metadata"]["event_payload"]["key"]
    dm = intros[0]["channel"]
    with session_factory() as session:
        member = session.scalars(
            select(GroupMember.user_id).where(GroupMember.group_id == uuid.UUID(group_id))
        ).first()
    for _ in range(2):
        slack_requests.block_action(PairingAction.WE_MET, group_id, user_id=str(member), channel_id=dm)
    thanks = [c for c in slack.successful_calls_to("chat.postMessage") if "says you met" in c.args["text"]]
    assert len(thanks) == 1
    # Someone outside the group cannot mark it.
    slack_requests.block_action(PairingAction.WE_MET, group_id, user_id=OUTSIDER, channel_id=dm)
    assert "isn't one of yours" in slack.calls_to("chat.postEphemeral")[-1].args["text"]

    # One person pauses until a date, another skips the next round.
    paused, skipping = PEOPLE[0], PEOPLE[1]
    later = (clock.now + timedelta(days=30)).date().isoformat()
    field = PairingAction.FIELD
    assert (
        save_preferences(
            slack_requests,
            paused,
            preferences_form([programme_id], **{PreferencesBlock.PAUSED_UNTIL: {field: datepicker(later)}}),
        ).text
        == ""
    )
    assert (
        save_preferences(
            slack_requests,
            skipping,
            preferences_form(
                [programme_id], **{PreferencesBlock.SKIP_NEXT: {field: checkboxes([SKIP_OPTION])}}
            ),
        ).text
        == ""
    )

    # Round two leaves both out: two pairs and a trio of the other seven, and no pair from round one.
    clock.advance(days=7)
    worker.run_once()
    second = groups_of_round(session_factory, 2)
    assert sorted(len(g) for g in second) == [2, 2, 3]
    assert Counter(p for g in second for p in g) == Counter(p for p in PEOPLE if p not in (paused, skipping))
    assert not pairs(first) & pairs(second)
    assert len(introductions(slack)) == 7
    with session_factory() as session:
        skipper = session.get(Profile, ("T0KINDRED", skipping))
        assert skipper is not None and skipper.skip_next_round is False  # skipped once, as asked

    # The midway nudge went to the groups of round one that had not said they met.
    nudges = [c for c in slack.successful_calls_to("chat.postMessage") if "gentle nudge" in c.args["text"]]
    assert len(nudges) == 3
    assert dm not in {n.args["channel"] for n in nudges}

    # Leaving deletes the person's preferences, memberships and pairing history.
    leaver = PEOPLE[2]
    slack_requests.block_action(
        PairingAction.SHOW_HELD, user_id=leaver, view=view_payload(PairingCallback.PREFERENCES)
    )
    held = json.dumps(slack.calls_to("views.push")[-1].args["view"])
    assert "Would welcome" in held and "Your introductions" in held
    left = slack_requests.block_action(
        PairingAction.LEAVE, user_id=leaver, view=view_payload(PairingCallback.PREFERENCES, view_id="VPREFS")
    )
    assert left.status == 200
    assert "deleted" in json.dumps(slack.calls_to("views.update")[-1].args["view"])
    with session_factory() as session:
        assert session.get(Profile, ("T0KINDRED", leaver)) is None
        for table in (Membership, GroupMember):
            count = session.scalar(select(func.count()).select_from(table).where(table.user_id == leaver))
            assert count == 0
    slack_requests.block_action(
        PairingAction.SHOW_HELD, user_id=leaver, view=view_payload(PairingCallback.PREFERENCES)
    )
    assert "holds no pairing data" in json.dumps(slack.calls_to("views.push")[-1].args["view"])


@pytest.mark.usefixtures("workspace")
def test_two_workers_at_once_introduce_nobody_twice(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    make_worker: Any,
    clock: Clock,
    session_factory: SessionFactory,
) -> None:
    programme_id = str(start_programme(slack_requests, session_factory).id)
    for person in PEOPLE:
        assert save_preferences(slack_requests, person, preferences_form([programme_id])).text == ""
    clock.advance(days=8)
    workers = [make_worker() for _ in range(2)]
    start = threading.Barrier(len(workers))

    def run(worker: Worker) -> None:
        start.wait()
        for _ in range(3):
            worker.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PairingRound)) == 1
    groups = groups_of_round(session_factory, 1)
    assert Counter(p for g in groups for p in g) == Counter(PEOPLE)
    keys = [i["metadata"]["event_payload"]["key"] for i in introductions(slack)]
    assert len(keys) == len(groups) == len(set(keys))


@pytest.mark.usefixtures("workspace")
def test_joining_needs_the_channel_and_a_kind_of_support_and_bad_input_changes_nothing(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    programme_id = str(start_programme(slack_requests, session_factory).id)
    field = PairingAction.FIELD

    outsider = save_preferences(slack_requests, OUTSIDER, preferences_form([programme_id]))
    nothing_chosen = save_preferences(
        slack_requests, PEOPLE[0], preferences_form([programme_id], seeks=[], offers=[])
    )
    myself = save_preferences(
        slack_requests,
        PEOPLE[1],
        preferences_form([programme_id], **{PreferencesBlock.AVOID: {field: users([PEOPLE[1]])}}),
    )
    past = save_preferences(
        slack_requests,
        PEOPLE[2],
        preferences_form(
            [programme_id], **{PreferencesBlock.PAUSED_UNTIL: {field: datepicker("2020-01-01")}}
        ),
    )

    assert "Join <#C0PEERS> first" in outsider.json()["errors"][PreferencesBlock.PROGRAMMES]
    assert nothing_chosen.json()["errors"] == {
        PreferencesBlock.SEEKS: "Choose at least one kind of support you'd welcome or could offer."
    }
    assert PreferencesBlock.AVOID in myself.json()["errors"]
    assert PreferencesBlock.PAUSED_UNTIL in past.json()["errors"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Profile)) == 0
        assert session.scalar(select(func.count()).select_from(Membership)) == 0


@pytest.mark.usefixtures("workspace")
def test_only_admins_set_up_programmes_and_bad_fields_are_shown_inline(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    refused = slack_requests.view_submission(
        PairingCallback.PROGRAMME_FORM, programme_form(), "{}", user_id=PEOPLE[0]
    )
    assert "Only Kindred admins" in json.dumps(refused.json())
    slack_requests.block_action(
        PairingAction.NEW_PROGRAMME, user_id=PEOPLE[0], view=view_payload("", type="home")
    )
    assert "Only Kindred admins" in json.dumps(slack.calls_to("views.open")[-1].args["view"])

    field = PairingAction.FIELD
    bad = slack_requests.view_submission(
        PairingCallback.PROGRAMME_FORM,
        programme_form(**{ProgrammeBlock.TIMEZONE: {field: text("Mars/Olympus")}}),
        "{}",
        user_id=HR,
    )
    assert bad.json() == {
        "response_action": "errors",
        "errors": {ProgrammeBlock.TIMEZONE: "Choose a time zone from the list, like Europe/London."},
    }
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Programme)) == 0

    programme_id = str(start_programme(slack_requests, session_factory).id)
    for action in (PairingAction.PAUSE_PROGRAMME, PairingAction.DELETE_PROGRAMME):
        slack_requests.block_action(
            action, programme_id, user_id=PEOPLE[0], view=view_payload("", type="home")
        )
    with session_factory() as session:
        kept = session.scalars(select(Programme)).one()
        assert kept.paused is False

    slack_requests.block_action(
        PairingAction.PAUSE_PROGRAMME, programme_id, user_id=HR, view=view_payload("", type="home")
    )
    with session_factory() as session:
        paused = session.scalars(select(Programme)).one()
        assert paused.paused is True and paused.next_round_at is None
    slack_requests.block_action(
        PairingAction.DELETE_PROGRAMME, programme_id, user_id=HR, view=view_payload("", type="home")
    )
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Programme)) == 0


@pytest.mark.usefixtures("workspace")
def test_hr_previews_the_next_round_in_counts_with_no_one_named_beside_a_need_and_runs_it_now(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> None:
    programme_id = str(start_programme(slack_requests, session_factory).id)
    for n, person in enumerate(PEOPLE[:4]):
        seeks, offers = (["emotional"], ["advice"]) if n % 2 else (["advice"], ["emotional"])
        save_preferences(slack_requests, person, preferences_form([programme_id], seeks=seeks, offers=offers))

    slack_requests.block_action(
        PairingAction.PREVIEW_PROGRAMME, programme_id, user_id=HR, view=view_payload("", type="home")
    )

    shown = slack.calls_to("views.update")[-1].args["view"]
    preview = json.dumps(shown)
    assert "fewer than 5 people would take part" in preview and "*4* people" not in preview
    # No user ID at all, so none beside a kind of support (nor a don't-pair choice).
    assert not re.search(r"\bU[0-9A-Z]{6,}", preview)
    assert not any(kind.label.lower() in preview.lower() for kind in SupportKind)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PairingRound)) == 0

    # The same preview runs the round now; a second click starts nothing more.
    assert shown["callback_id"] == PairingCallback.RUN_NOW
    for _ in range(2):
        reply = slack_requests.view_submission(
            PairingCallback.RUN_NOW, {}, shown["private_metadata"], user_id=HR
        )
        assert reply.status == 200
    assert "being matched already" in json.dumps(reply.json())
    clock.now = utcnow() + timedelta(seconds=1)  # the worker's clock catches up with the click
    worker.run_once()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PairingRound)) == 1
        groups = session.scalars(select(Group)).all()
        members = {
            g.id: sorted(session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == g.id)))
            for g in groups
        }
    assert len(groups) == 2 and all(g.introduced_at is not None for g in groups)
    assert sorted(m for group in members.values() for m in group) == sorted(PEOPLE[:4])

    # Someone who isn't a Kindred admin can't run a round.
    refused = slack_requests.view_submission(
        PairingCallback.RUN_NOW, {}, shown["private_metadata"], user_id=PEOPLE[0]
    )
    assert refused.status == 200
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PairingRound)) == 1


@pytest.mark.usefixtures("workspace")
def test_hr_edits_and_resumes_a_programme_and_the_app_home_shows_it(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    programme_id = str(start_programme(slack_requests, session_factory).id)
    home = json.dumps(slack.home_views[HR]["blocks"])
    assert "New programme" in home and "<#C0PEERS>" in home and "fewer than 5 opted in" in home

    slack_requests.block_action(
        PairingAction.EDIT_PROGRAMME, programme_id, user_id=HR, view=view_payload("", type="home")
    )
    form = slack.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == PairingCallback.PROGRAMME_FORM
    field = PairingAction.FIELD
    edited = slack_requests.view_submission(
        PairingCallback.PROGRAMME_FORM,
        programme_form(
            **{
                ProgrammeBlock.CADENCE: {field: static_select("monthly")},
                ProgrammeBlock.REPEAT_WINDOW: {field: static_select("3")},
                ProgrammeBlock.OPTIONS: {field: checkboxes([])},
            }
        ),
        form["private_metadata"],
        user_id=HR,
    )
    assert edited.status == 200 and edited.text == ""
    for action in (PairingAction.PAUSE_PROGRAMME, PairingAction.RESUME_PROGRAMME):
        slack_requests.block_action(action, programme_id, user_id=HR, view=view_payload("", type="home"))

    with session_factory() as session:
        programme = session.scalars(select(Programme)).one()
    assert programme.cadence.value == "monthly" and programme.repeat_window == 3
    assert programme.prefer_cross_team is False
    assert programme.paused is False and programme.next_round_at is not None

    # Someone in the channel sees how to join on their App Home.
    slack_requests.event({"type": "app_home_opened", "user": PEOPLE[0], "tab": "home"})
    assert "Join peer support" in json.dumps(slack.home_views[PEOPLE[0]]["blocks"])


@pytest.mark.usefixtures("workspace")
@pytest.mark.parametrize("metadata", ["{{{", json.dumps({"programme_id": "not-an-id"}), json.dumps([1, 2])])
def test_a_garbled_programme_form_makes_no_second_programme(
    slack_requests: SlackRequests, session_factory: SessionFactory, metadata: str
) -> None:
    """An edit form whose record of the programme it edits is unreadable (tampered, or garbled on the way)
    is refused with a notice; it read as a new form and made a second programme."""
    programme = start_programme(slack_requests, session_factory)
    reply = slack_requests.view_submission(
        PairingCallback.PROGRAMME_FORM, programme_form(), metadata, user_id=HR
    )
    assert reply.json()["response_action"] == "update"
    assert "out of date" in json.dumps(reply.json()["view"])
    with session_factory() as session:
        assert [p.id for p in session.scalars(select(Programme))] == [programme.id]
