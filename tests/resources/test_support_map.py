"""My support map: privately, for each kind of support, how many people I could turn to and from where;
drawn back in my Home tab with gentle pointers at the gaps; cleared with one click; seen by nobody else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slackapp.database import SessionFactory
from slackapp.resources.ids import ResourceAction, ResourceCallback
from slackapp.resources.models import SupportMapEntry
from slackapp.resources.views import map_block_ids
from slackapp.support import SupportKind
from tests.resource_factories import count, group_spec, make_entry, professional_spec
from tests.slack_requests import SlackRequests, checkboxes, static_select
from tests.slack_standin import SlackStandIn

PERSON = "U0PERSON"
HR = "U0HR"


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(PERSON)
    slack.add_user(HR, is_admin=True)


def map_form(**lines: tuple[str | None, list[str]]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for kind in SupportKind:
        how, where = lines.get(kind.value, (None, []))
        how_block, from_block = map_block_ids(kind)
        values[how_block] = {ResourceAction.MAP_HOW_MANY: static_select(how)}
        values[from_block] = {ResourceAction.MAP_FROM_WHERE: checkboxes(where)}
    return values


def test_i_map_my_support_see_the_gaps_with_what_might_fill_them_and_clear_it_in_one_click(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    make_entry(session_factory, group_spec("Parents at Work", support_kinds=("belonging",)))
    make_entry(session_factory, professional_spec())
    slack_requests.block_action(ResourceAction.EDIT_SUPPORT_MAP, user_id=PERSON)
    assert slack.wait_for_call("views.open").args["view"]["callback_id"] == ResourceCallback.SUPPORT_MAP

    reply = slack_requests.view_submission(
        ResourceCallback.SUPPORT_MAP,
        map_form(emotional=("a_few", ["family", "friends"]), belonging=("none", [])),
        user_id=PERSON,
    )

    assert reply.text == ""
    slack.wait_for_call("views.publish")
    home = json.dumps(slack.home_views[PERSON])
    assert "*Someone to listen*: a few - family, friends" in home
    assert "*Belonging*: nobody" in home
    assert "Places to start" in home and "Parents at Work" in home and "/peers" in home
    assert count(session_factory, SupportMapEntry) == 2

    slack_requests.block_action(ResourceAction.CLEAR_SUPPORT_MAP, user_id=PERSON)
    slack.wait_for_call("views.publish", count=2)
    assert count(session_factory, SupportMapEntry) == 0
    assert "Map my support" in json.dumps(slack.home_views[PERSON])


def test_nobody_else_sees_my_map_not_even_an_admin(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    slack_requests.view_submission(
        ResourceCallback.SUPPORT_MAP, map_form(practical=("one", ["colleagues"])), user_id=PERSON
    )
    slack.wait_for_call("views.publish")
    slack_requests.event({"type": "app_home_opened", "user": HR, "channel": "D0HR", "tab": "home"})
    slack.wait_for_call("views.publish", count=2)
    assert "Practical help*: one person" in json.dumps(slack.home_views[PERSON])
    assert "one person" not in json.dumps(slack.home_views[HR])


def test_parts_of_life_without_a_number_are_explained_inline_and_nothing_is_saved(
    slack_requests: SlackRequests, session_factory: SessionFactory
) -> None:
    reply = slack_requests.view_submission(
        ResourceCallback.SUPPORT_MAP, map_form(advice=(None, ["family"])), user_id=PERSON
    )
    assert reply.json()["response_action"] == "errors"
    assert map_block_ids(SupportKind.ADVICE)[0] in reply.json()["errors"]
    assert count(session_factory, SupportMapEntry) == 0
