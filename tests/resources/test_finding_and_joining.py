"""Employees find groups and help with /resources or the Home tab, filter and search, and join: a public
channel through Kindred, a private one by asking its contact. Every failure gets a clear message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from slackapp.database import SessionFactory
from slackapp.resources.ids import DirectoryBlock, ResourceAction, ResourceCallback
from slackapp.resources.models import ResourceJoinCount
from slackapp.resources.service import get_region
from slackapp.scheduler.worker import Worker
from tests.conftest import Clock
from tests.factories import WORKSPACE
from tests.interleave import on_statement
from tests.resource_factories import CONTACT, count, group_spec, make_entry, professional_spec, snapshot
from tests.slack_requests import SlackRequests, static_select, text, view_payload
from tests.slack_standin import SlackStandIn

PERSON = "U0PERSON"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(PERSON, tz="Europe/Dublin")
    slack.add_user(CONTACT)
    slack.add_channel("C0PARENTS", members=[CONTACT])


def next_call(slack: SlackStandIn, method: str, action: Callable[[], Any]) -> dict[str, Any]:
    seen = len(slack.calls_to(method))
    action()
    return slack.wait_for_call(method, count=seen + 1).args


def shown(args: dict[str, Any]) -> str:
    return json.dumps(args["view"], ensure_ascii=False)


def directory_modal(**state: dict[str, Any]) -> dict[str, Any]:
    return view_payload(ResourceCallback.DIRECTORY, state, json.dumps({"region": None}))


def test_resources_lists_groups_and_always_professional_help_filtered_by_kind_tag_and_words(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory, group_spec())
    make_entry(
        session_factory,
        group_spec("Grief circle", channel_id="C0GRIEF", support_kinds=("emotional",), tags=("grief",)),
    )
    make_entry(session_factory, professional_spec())

    everything = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=PERSON))
    )
    assert "Parents at Work" in everything and "Grief circle" in everything
    assert "Employee Assistance Programme" in everything and "+44 800 123 4567" in everything

    searched = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", "loss grief"))
    )
    assert "Parents at Work" not in searched  # "loss" is nowhere in it: every word must match
    searched = shown(next_call(slack, "views.open", lambda: slack_requests.command("/resources", "grief")))
    assert "Grief circle" in searched and "Parents at Work" not in searched
    assert "Employee Assistance Programme" in searched  # professional help is never filtered away

    by_kind = directory_modal(
        **{DirectoryBlock.KIND: {ResourceAction.FILTER_KIND: static_select("practical")}}
    )
    updated = next_call(
        slack,
        "views.update",
        lambda: slack_requests.block_action(
            ResourceAction.FILTER_KIND, view=by_kind, element=static_select("practical")
        ),
    )
    assert "Parents at Work" in shown(updated) and "Grief circle" not in shown(updated)
    assert updated["view_id"] == "V123"

    by_tag = {DirectoryBlock.TAG: {ResourceAction.FILTER_TAG: static_select("grief")}}
    reply = slack_requests.view_submission(ResourceCallback.DIRECTORY, by_tag, json.dumps({"region": None}))
    assert reply.json()["response_action"] == "update"
    assert "Grief circle" in json.dumps(reply.json()["view"]) and "Parents at Work" not in json.dumps(
        reply.json()["view"]
    )

    nothing = {DirectoryBlock.SEARCH: {ResourceAction.SEARCH: text("astronomy")}}
    reply = slack_requests.view_submission(ResourceCallback.DIRECTORY, nothing, json.dumps({"region": None}))
    assert "No group matches" in json.dumps(reply.json()["view"])


def test_professional_help_for_my_region_comes_first_from_my_time_zone_or_my_choice(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory, professional_spec("US helpline", regions=("US",)))
    make_entry(session_factory, professional_spec("Ireland helpline", regions=("Ireland", "Europe")))

    first = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=PERSON))
    )
    assert first.index("Ireland helpline") < first.index("US helpline")  # Europe/Dublin

    slack_requests.block_action(ResourceAction.CHOOSE_REGION, user_id=PERSON, element=static_select("US"))
    slack.wait_for_call("views.publish")
    with session_factory() as session:
        assert get_region(session=session, workspace_id=WORKSPACE, user_id=PERSON) == "US"
    home = json.dumps(slack.home_views[PERSON])
    assert home.index("US helpline") < home.index("Ireland helpline")

    # A region nobody serves is not stored.
    slack_requests.block_action(
        ResourceAction.CHOOSE_REGION, user_id=PERSON, element=static_select("Atlantis")
    )
    with session_factory() as session:
        assert get_region(session=session, workspace_id=WORKSPACE, user_id=PERSON) == "US"


@pytest.mark.parametrize(
    ("timezone", "first", "then"),
    [("Europe/London", "UK helpline", "US helpline"), ("America/New_York", "US helpline", "UK helpline")],
)
def test_my_country_from_my_time_zone_puts_its_help_line_first(
    timezone: str,
    first: str,
    then: str,
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
) -> None:
    # One line typed before countries were a list ("UK"), one picked from it ("US"), one for everyone.
    make_entry(session_factory, professional_spec("Everywhere line"))
    make_entry(session_factory, professional_spec("US helpline", regions=("US",)))
    make_entry(session_factory, professional_spec("UK helpline", regions=("UK",)))
    slack.add_user("U0TRAVELLER", tz=timezone)

    opened = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id="U0TRAVELLER"))
    )

    assert opened.index(first) < opened.index("Everywhere line") < opened.index(then)


def test_join_adds_me_to_a_public_group_channel_and_counts_the_join(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory)

    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )

    invite = slack.successful_calls_to("conversations.invite")[-1].args
    assert (invite["channel"], invite["users"]) == ("C0PARENTS", PERSON)
    assert PERSON in slack.channel_members["C0PARENTS"]
    assert "You've joined" in shown(notice)
    assert count(session_factory, ResourceJoinCount) == 1


@pytest.mark.parametrize(
    ("slack_says", "message"),
    [
        ("not_in_channel", "Kindred isn't a member of"),
        ("already_in_channel", "You're already in"),
        ("is_archived", "has been archived"),
        ("channel_not_found", "can't see"),
        ("ratelimited_forever", "try again"),
    ],
)
def test_when_slack_cannot_add_me_i_am_told_why_and_nothing_is_counted(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    slack_says: str,
    message: str,
) -> None:
    entry = make_entry(session_factory)
    slack.fail_next("conversations.invite", error=slack_says)

    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )

    assert message in shown(notice)
    assert count(session_factory, ResourceJoinCount) == 0


def test_already_a_member_is_answered_kindly_by_the_stand_in_too(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack.add_channel("C0PARENTS", members=[CONTACT, PERSON])
    entry = make_entry(session_factory)
    notice = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(ResourceAction.JOIN, str(entry.id), user_id=PERSON),
    )
    assert "already in <#C0PARENTS>" in shown(notice)


def test_ask_to_join_a_private_group_sends_the_contact_a_dm_without_a_reason_and_tells_me(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    before = snapshot(session_factory)

    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.ASK_TO_JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )

    [dm] = slack.successful_calls_to("chat.postMessage")
    assert dm.args["channel"] == CONTACT
    assert f"<@{PERSON}> would like to join" in dm.args["text"]
    assert "reason" not in json.dumps(dm.args["blocks"]).lower()
    assert "was sent to <@U0CONTACT>" in shown(notice)
    assert not slack.calls_to("conversations.invite")
    assert snapshot(session_factory) == before


def test_ask_to_join_that_cannot_be_delivered_says_so(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    slack.fail_next("chat.postMessage", error="user_not_found")
    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.ASK_TO_JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )
    assert "couldn't be sent" in shown(notice)


def test_joining_an_archived_or_unknown_entry_is_refused_clearly(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    for value in ("not-an-id", "6f1c0c1e-8d4b-4f55-9d5e-000000000000"):
        notice = next_call(
            slack,
            "views.push",
            lambda v=value: slack_requests.block_action(
                ResourceAction.JOIN, v, user_id=PERSON, view=directory_modal()
            ),
        )
        assert "no longer in the directory" in shown(notice)
    assert not slack.calls_to("conversations.invite")


def test_a_private_group_cannot_be_joined_directly(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )
    assert "Ask to join" in shown(notice)
    assert not slack.calls_to("conversations.invite")


def test_the_home_tab_shows_professional_help_and_a_way_to_browse(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory, professional_spec())
    slack_requests.event({"type": "app_home_opened", "user": PERSON, "channel": "D0HOME", "tab": "home"})
    slack.wait_for_call("views.publish")
    home = json.dumps(slack.home_views[PERSON])
    assert "Employee Assistance Programme" in home and ResourceAction.BROWSE in home

    opened = next_call(
        slack, "views.open", lambda: slack_requests.block_action(ResourceAction.BROWSE, user_id=PERSON)
    )
    assert opened["view"]["callback_id"] == ResourceCallback.DIRECTORY


def test_the_contact_adds_the_person_with_one_click_and_nobody_else_can(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=True))
    slack.add_user("U0NOSY")
    next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(
            ResourceAction.ASK_TO_JOIN, str(entry.id), user_id=PERSON, view=directory_modal()
        ),
    )
    [request] = slack.successful_calls_to("chat.postMessage")
    [button] = [e for b in request.args["blocks"] if b["type"] == "actions" for e in b["elements"]]

    refused = next_call(
        slack,
        "views.open",
        lambda: slack_requests.block_action(
            ResourceAction.ADD_REQUESTER, button["value"], user_id="U0NOSY", channel_id="D0NOSY"
        ),
    )
    assert "Only the group's contact" in shown(refused)
    assert not slack.calls_to("conversations.invite")

    welcome = next_call(
        slack,
        "chat.postMessage",
        lambda: slack_requests.block_action(
            ResourceAction.ADD_REQUESTER, button["value"], user_id=CONTACT, channel_id="D0CONTACT"
        ),
    )
    invite = slack.successful_calls_to("conversations.invite")[-1].args
    assert (invite["channel"], invite["users"]) == ("C0PARENTS", PERSON)
    assert welcome["channel"] == PERSON and "accepted" in json.dumps(welcome["blocks"])
    assert "You added" in json.dumps(slack.calls_to("response_url")[-1].args)
    assert count(session_factory, ResourceJoinCount) == 1


def test_a_group_whose_channel_was_archived_shows_unavailable_without_join_and_hr_is_told_once(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    clock: Clock,
) -> None:
    from slackapp.resources.models import ResourceEntry
    from tests.factories import HR_ADMIN

    entry = make_entry(session_factory)
    slack.add_channel("C0PARENTS", members=[CONTACT], is_archived=True)

    for _ in range(2):  # two daily checks: HR is told the first time only
        worker.run_once()
        clock.advance(days=1, seconds=1)

    told = [c.args for c in slack.successful_calls_to("chat.postMessage") if c.args["channel"] == HR_ADMIN]
    assert len(told) == 1 and "was archived" in told[0]["text"]
    with session_factory() as session:
        stored = session.get(ResourceEntry, entry.id)
        assert stored is not None and stored.channel_archived_at is not None
    opened = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=PERSON))
    )
    assert "Unavailable for now: its channel was archived" in opened
    assert ResourceAction.JOIN not in opened

    # Unarchived: the group is available again.
    slack.add_channel("C0PARENTS", members=[CONTACT], is_archived=False)
    worker.run_once()
    again = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=PERSON))
    )
    assert ResourceAction.JOIN in again and "Unavailable" not in again


@pytest.mark.parametrize("button", [ResourceAction.JOIN, ResourceAction.ASK_TO_JOIN])
def test_a_stale_join_button_on_a_group_whose_channel_was_archived_is_refused_kindly_and_asks_slack_nothing(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    session_factory: SessionFactory,
    worker: Worker,
    button: ResourceAction,
) -> None:
    entry = make_entry(session_factory, group_spec(needs_approval=button == ResourceAction.ASK_TO_JOIN))
    # The directory was opened while the channel was open: its buttons stay on screen.
    opened = shown(
        next_call(slack, "views.open", lambda: slack_requests.command("/resources", user_id=PERSON))
    )
    assert button in opened
    slack.add_channel("C0PARENTS", members=[CONTACT], is_archived=True)
    worker.run_once()  # the daily check finds the channel archived and tells HR
    before = snapshot(session_factory)
    posted = len(slack.calls_to("chat.postMessage"))

    notice = next_call(
        slack,
        "views.push",
        lambda: slack_requests.block_action(button, str(entry.id), user_id=PERSON, view=directory_modal()),
    )

    assert "has been archived, so nobody can join it right now, or ask <@U0CONTACT>" in shown(notice)
    assert not slack.calls_to("conversations.invite")
    assert len(slack.calls_to("chat.postMessage")) == posted  # no request to the contact either
    assert snapshot(session_factory) == before
    assert count(session_factory, ResourceJoinCount) == 0


def test_a_group_moved_to_another_channel_while_its_old_one_is_counted_keeps_its_new_channel_s_standing(
    slack: SlackStandIn, worker: Worker, engine: Engine, clock: Clock, session_factory: SessionFactory
) -> None:
    """HR moves a group from an archived channel to a new one while the worker is asking Slack about the
    old one. The worker then wrote what it learned about the old channel onto the entry: the group showed
    as unavailable, without a Join button, for a channel that is fine, and HR was told it was archived.
    HR's edit is made to commit after Slack answered, just before the worker writes, at the database."""
    from slackapp.resources.models import ResourceEntry
    from slackapp.resources.service import update_entry
    from tests.factories import HR_ADMIN

    entry = make_entry(session_factory)
    slack.add_channel("C0PARENTS", members=[CONTACT], is_archived=True)
    slack.add_channel("C0PARENTSNEW", members=[CONTACT, PERSON], is_archived=False)
    moved: list[bool] = []

    def hr_moves_it_first(statement: str, _parameters: Any) -> None:
        if moved or not statement.startswith(("UPDATE resource_entry", "INSERT INTO resource_member")):
            return
        moved.append(True)
        with session_factory.begin() as session:  # HR's edit, committed before the worker writes
            update_entry(
                session=session,
                workspace_id=WORKSPACE,
                entry_id=entry.id,
                spec=group_spec(channel_id="C0PARENTSNEW"),
                updated_by=HR_ADMIN,
                now=clock.now,
            )

    with on_statement(engine, hr_moves_it_first):
        worker.run_once()
    assert moved

    told = [c.args for c in slack.successful_calls_to("chat.postMessage") if c.args["channel"] == HR_ADMIN]
    assert told == []
    with session_factory() as session:
        stored = session.get(ResourceEntry, entry.id)
        assert stored is not None and stored.channel_id == "C0PARENTSNEW"
        assert stored.channel_archived_at is None
