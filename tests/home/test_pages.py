"""The App Home's lists a page at a time: pure tests of the paging and of what the Home remembers."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import ActionsBlock

from slackapp.home.ids import HomeAction, HomeList
from slackapp.home.pages import PAGE_SIZES, build_pager, page_of, page_turn, pages_metadata, pages_shown


def test_a_page_past_the_end_shows_the_last_page_and_a_short_list_has_no_pager() -> None:
    size = PAGE_SIZES[HomeList.PULSES]
    items = list(range(size * 2 + 3))
    last = page_of(items, HomeList.PULSES, 99)
    assert last.items == items[size * 2 :] and last.number == 2
    assert page_of(items, HomeList.PULSES, -4).items == items[:size]
    assert build_pager(HomeList.PULSES, page_of(items[:size], HomeList.PULSES), "check-ins") == []
    assert page_of([], HomeList.PULSES, 3).items == []


def test_the_pager_says_where_it_stands_and_offers_only_the_ways_that_lead_somewhere() -> None:
    size = PAGE_SIZES[HomeList.ADMINS]
    items = list(range(size * 3))
    first, middle = page_of(items, HomeList.ADMINS, 0), page_of(items, HomeList.ADMINS, 1)
    context, actions = build_pager(HomeList.ADMINS, middle, "Kindred admins")
    assert f"Kindred admins {size + 1}-{size * 2} of {size * 3}." in json.dumps(context.to_dict())
    assert isinstance(actions, ActionsBlock)
    ways = {e.action_id: json.loads(e.value) for e in actions.elements}
    assert ways == {
        HomeAction.PREVIOUS_PAGE: {"list": "admins", "page": 0},
        HomeAction.NEXT_PAGE: {"list": "admins", "page": 2},
    }
    first_actions = build_pager(HomeList.ADMINS, first, "Kindred admins")[1]
    assert isinstance(first_actions, ActionsBlock)
    assert [e.action_id for e in first_actions.elements] == [HomeAction.NEXT_PAGE]


def test_the_home_remembers_pages_and_ignores_anything_that_is_not_ours() -> None:
    remembered = pages_metadata({HomeList.PULSES: 2, HomeList.ADMINS: 0})
    assert remembered is not None
    home = {"type": "home", "private_metadata": remembered}
    assert pages_shown(home) == {HomeList.PULSES: 2}
    assert pages_metadata({}) is None and pages_metadata({HomeList.PULSES: 0}) is None
    assert pages_shown({"type": "modal", "private_metadata": remembered}) == {}
    assert pages_shown(None) == {}
    junk = {"pulses": "2", "nope": 3, "admins": -1, "programmes": 10**9, "resources": 4}
    junk_home = {"type": "home", "private_metadata": json.dumps({"pages": junk})}
    assert pages_shown(junk_home) == {HomeList.RESOURCES: 4}
    assert pages_shown({"type": "home", "private_metadata": "not json"}) == {}

    assert page_turn(json.dumps({"list": "programmes", "page": 3})) == (HomeList.PROGRAMMES, 3)
    for value in (None, "", "[]", '{"list": "nope", "page": 1}', '{"list": "pulses", "page": -1}', "{}"):
        assert page_turn(value) is None
