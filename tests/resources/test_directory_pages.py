"""The `/resources` directory shows a page of each list at a time, so the modal is always one Slack accepts
and every entry is a Previous / Next away, filters kept, however many entries HR lists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slackapp.database import SessionFactory
from slackapp.resources.ids import DirectoryBlock, DirectoryList, ResourceAction
from slackapp.resources.models import EntryKind
from slackapp.resources.service import DirectoryFilter, list_entries
from slackapp.resources.views import build_directory
from tests.factories import WORKSPACE
from tests.resource_factories import CONTACT, group_spec, make_entry, professional_spec
from tests.slack_requests import SlackRequests, static_select
from tests.slack_standin import SlackStandIn

PERSON = "U0PERSON"
PROFESSIONAL, GROUPS = 60, 35
REGIONS = (("Europe",), ("Americas",), ("UK", "Europe"), (), ("Asia-Pacific",))


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(PERSON, tz="Europe/Dublin")
    slack.add_user(CONTACT)
    slack.add_channel("C0PARENTS", members=[CONTACT])


def a_long_directory(session_factory: SessionFactory) -> tuple[set[str], set[str]]:
    """60 professional-help entries and 35 groups, each as long as the entry form allows."""
    professional, groups = set(), set()
    for n in range(PROFESSIONAL):
        entry = make_entry(
            session_factory,
            professional_spec(
                f"Helpline {n:02}",
                description="Confidential counselling, day and night. " * 24,
                regions=REGIONS[n % len(REGIONS)],
                tags=tuple(f"tag{n}-{i}" for i in range(10)),
            ),
        )
        professional.add(entry.name)
    for n in range(GROUPS):
        entry = make_entry(
            session_factory,
            group_spec(
                f"Group {n:02}",
                description="Parents and carers swapping tips and cover. " * 22,
                support_kinds=("practical",) if n % 2 else ("emotional",),
            ),
        )
        groups.add(entry.name)
    return professional, groups


def assert_within_slacks_limits(view: dict[str, Any]) -> None:
    """What Slack checks of a modal: at most 100 blocks, and each block and element within its limits."""
    blocks = view["blocks"]
    assert len(blocks) <= 100, f"Slack refuses a modal of {len(blocks)} blocks"
    assert len(view.get("private_metadata", "")) <= 3000
    assert len(view["title"]["text"]) <= 24
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
        element = block.get("element") or {}
        assert len(element.get("options", [])) <= 100


def names_on(view: dict[str, Any], prefix: str) -> list[str]:
    names = []
    for block in view["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if block["type"] == "section" and text.startswith(f"*{prefix}"):
            names.append(text[1 : text.index("*", 1)])
    return names


def page_button(view: dict[str, Any], directory_list: DirectoryList, action: ResourceAction) -> str | None:
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action and json.loads(element["value"])["list"] == directory_list:
                return str(element["value"])
    return None


def open_directory(slack_requests: SlackRequests, slack: SlackStandIn, text: str = "") -> dict[str, Any]:
    slack_requests.command("/resources", text, user_id=PERSON)
    opened = slack.calls_to("views.open")[-1]
    assert opened.ok and opened.response is not None
    view: dict[str, Any] = opened.response["view"]
    assert_within_slacks_limits(view)
    return view


def turn(
    slack_requests: SlackRequests,
    slack: SlackStandIn,
    view: dict[str, Any],
    value: str,
    action: ResourceAction,
) -> dict[str, Any]:
    """Press a list's Previous or Next in the modal as it is now; the modal as Slack then shows it."""
    updates = len(slack.calls_to("views.update"))
    slack_requests.block_action(action, value, user_id=PERSON, view=view)
    [update] = slack.calls_to("views.update")[updates:]
    assert update.ok and update.args["view_id"] == view["id"] and update.args["hash"] == view["hash"]
    assert update.response is not None
    updated: dict[str, Any] = update.response["view"]
    assert_within_slacks_limits(updated)
    return updated


def walk(
    slack_requests: SlackRequests, slack: SlackStandIn, view: dict[str, Any], directory_list: DirectoryList
) -> tuple[list[list[str]], dict[str, Any]]:
    """Every page of one list by Next, from where the modal is: the names on each, and the last view."""
    prefix = "Helpline" if directory_list is DirectoryList.PROFESSIONAL else "Group"
    pages = [names_on(view, prefix)]
    while (value := page_button(view, directory_list, ResourceAction.NEXT_PAGE)) is not None:
        view = turn(slack_requests, slack, view, value, ResourceAction.NEXT_PAGE)
        pages.append(names_on(view, prefix))
    return pages, view


def test_every_one_of_60_helplines_and_35_groups_is_a_next_away_and_every_view_is_one_slack_accepts(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    professional, groups = a_long_directory(session_factory)
    first = open_directory(slack_requests, slack)
    # Professional help for the person's region (Europe, from their time zone) is on the first page.
    assert all(int(name.split()[-1]) % len(REGIONS) in (0, 2) for name in names_on(first, "Helpline")), (
        names_on(first, "Helpline")
    )
    assert "Professional help 1-10 of 60." in json.dumps(first)

    pages, last = walk(slack_requests, slack, first, DirectoryList.PROFESSIONAL)
    assert len(pages) == 6 and all(len(page) == 10 for page in pages)
    assert {name for page in pages for name in page} == professional
    assert sum(len(page) for page in pages) == PROFESSIONAL  # none shown twice
    # The groups stay on their first page while the person pages through professional help.
    assert names_on(last, "Group") == names_on(first, "Group")

    group_pages, end = walk(slack_requests, slack, last, DirectoryList.GROUPS)
    assert [len(page) for page in group_pages] == [10, 10, 10, 5]
    assert {name for page in group_pages for name in page} == groups
    assert names_on(end, "Helpline") == pages[-1]  # professional help stays on its last page
    assert "Groups 31-35 of 35." in json.dumps(end)

    back = page_button(end, DirectoryList.GROUPS, ResourceAction.PREVIOUS_PAGE)
    assert back is not None
    previous = turn(slack_requests, slack, end, back, ResourceAction.PREVIOUS_PAGE)
    assert names_on(previous, "Group") == group_pages[-2]


def test_paging_keeps_the_filters_it_was_drawn_with_and_a_new_filter_starts_the_groups_again(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    _, groups = a_long_directory(session_factory)
    practical = {name for name in groups if int(name.split()[-1]) % 2}
    view = open_directory(slack_requests, slack)
    value = page_button(view, DirectoryList.PROFESSIONAL, ResourceAction.NEXT_PAGE)
    assert value is not None
    on_page_two = turn(slack_requests, slack, view, value, ResourceAction.NEXT_PAGE)
    helplines = names_on(on_page_two, "Helpline")

    # Choosing a kind of support: matching groups from their first page; professional help stays put.
    state = {DirectoryBlock.KIND: {ResourceAction.FILTER_KIND: static_select("practical")}}
    chosen = {**on_page_two, "state": {"values": state}}
    updates = len(slack.calls_to("views.update"))
    slack_requests.block_action(
        ResourceAction.FILTER_KIND, user_id=PERSON, view=chosen, element=static_select("practical")
    )
    [update] = slack.calls_to("views.update")[updates:]
    assert update.response is not None
    filtered = update.response["view"]
    assert_within_slacks_limits(filtered)
    assert names_on(filtered, "Helpline") == helplines
    assert "Groups 1-10 of 17." in json.dumps(filtered)

    # Paging through them keeps the filter, though Slack sends no input state with the click.
    group_pages, _ = walk(slack_requests, slack, filtered, DirectoryList.GROUPS)
    assert {name for page in group_pages for name in page} == practical

    # So are the words searched for with `/resources group 1`.
    searched = open_directory(slack_requests, slack, "group 1")
    group_pages, _ = walk(slack_requests, slack, searched, DirectoryList.GROUPS)
    assert len(group_pages) == 2
    assert {name for page in group_pages for name in page} == {name for name in groups if "1" in name}


def test_a_page_turn_that_is_not_ours_or_past_the_end_still_shows_a_valid_directory(
    slack_requests: SlackRequests, slack: SlackStandIn, session_factory: SessionFactory
) -> None:
    a_long_directory(session_factory)
    view = open_directory(slack_requests, slack)
    for value in ('{"list": "groups", "page": 9999}', '{"list": "nope", "page": 1}', "not json"):
        shown = turn(slack_requests, slack, view, value, ResourceAction.NEXT_PAGE)
        view = shown
    assert "Groups 31-35 of 35." in json.dumps(view)  # past the end: the last page
    # A page turn from anywhere but a modal changes nothing.
    updates = len(slack.calls_to("views.update"))
    slack_requests.block_action(ResourceAction.NEXT_PAGE, '{"list": "groups", "page": 1}', user_id=PERSON)
    assert len(slack.calls_to("views.update")) == updates


def test_the_largest_directory_builds_within_limits_on_every_page_without_slack(
    session_factory: SessionFactory,
) -> None:
    a_long_directory(session_factory)
    with session_factory() as session:
        entries = list_entries(session=session, workspace_id=WORKSPACE)
    professional = [e for e in entries if e.kind is EntryKind.PROFESSIONAL]
    groups = [e for e in entries if e.kind is not EntryKind.PROFESSIONAL]
    for number in range(7):
        view = build_directory(
            professional=professional,
            groups=groups,
            tags=[f"tag{n}" for n in range(300)],
            wanted=DirectoryFilter(text="x" * 100, tag="t" * 30),
            region="R" * 60,
            pages={DirectoryList.PROFESSIONAL: number, DirectoryList.GROUPS: number},
        ).to_dict()  # slack_sdk refuses a view Slack would refuse
        assert_within_slacks_limits(view)
        assert len(view["blocks"]) <= 40
