"""The App Home's long lists, a page at a time, so the Home stays within Slack's 100 blocks.

Slack refuses a Home tab of more than 100 blocks (views.publish; slack_sdk's `View.to_dict()` refuses it
first). Everyone's part takes at most 23 blocks and the admin section's fixed parts 20 more; a list takes
at most a page of items (`PAGE_SIZES`; two blocks an item for check-ins and programmes, one for admins and
directory entries) and two blocks for Previous / Next: 18 + 8 + 12 + 12. So at most 93 blocks, however
much the workspace holds (tests/home/test_app_home.py publishes the largest Home there can be).

Which page of each list a person is on is kept in the Home's own `private_metadata`, so a button pressed
on page 3 (Pause, Remove, Restore…) redraws page 3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject

from slackapp.home.ids import HomeAction, HomeList
from slackapp.payloads import private_metadata

PAGE_SIZES = {HomeList.PULSES: 8, HomeList.ADMINS: 6, HomeList.PROGRAMMES: 5, HomeList.RESOURCES: 10}
LAST_PAGE = 10_000  # more than any list needs; anything larger in a payload is not ours

_LIST_NAMES = frozenset(home_list.value for home_list in HomeList)

T = TypeVar("T")

Pages = dict[HomeList, int]


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of one page of a list, and where they stand in it."""

    items: Sequence[T]
    number: int  # from 0
    first: int  # the index of items[0] in the whole list
    total: int
    last_number: int


def page_of(items: Sequence[T], home_list: HomeList, number: int = 0) -> Page[T]:
    """Page `number` of `items` (the last page if the list has shrunk since it was shown)."""
    size = PAGE_SIZES[home_list]
    last_number = max(0, (len(items) - 1) // size)
    number = min(max(number, 0), last_number)
    first = number * size
    return Page(
        items=items[first : first + size],
        number=number,
        first=first,
        total=len(items),
        last_number=last_number,
    )


def build_pager(home_list: HomeList, page: Page[Any], noun: str) -> list[Block]:
    """Where the page stands ("Check-ins 9-16 of 40.") and its Previous / Next; nothing for a single page.

    Args:
        noun: the list's items in the plural, as the admin says it ("check-ins").
    """
    if page.last_number == 0:
        return []
    buttons = []
    if page.number > 0:
        buttons.append(
            ButtonElement(
                text="Previous",
                action_id=HomeAction.PREVIOUS_PAGE,
                value=_page_value(home_list, page.number - 1),
            )
        )
    if page.number < page.last_number:
        buttons.append(
            ButtonElement(
                text="Next", action_id=HomeAction.NEXT_PAGE, value=_page_value(home_list, page.number + 1)
            )
        )
    shown = f"{page.first + 1}-{page.first + len(page.items)}"
    return [
        ContextBlock(elements=[MarkdownTextObject(text=f"{noun.capitalize()} {shown} of {page.total}.")]),
        ActionsBlock(block_id=f"pages:{home_list}", elements=buttons),
    ]


def _page_value(home_list: HomeList, number: int) -> str:
    return json.dumps({"list": home_list.value, "page": number})


def page_turn(value: object) -> tuple[HomeList, int] | None:
    """The list and page a Previous / Next button asks for, or None when its value is not one of ours."""
    try:
        asked = json.loads(str(value))
        home_list, number = HomeList(asked["list"]), asked["page"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(number, int) or not 0 <= number <= LAST_PAGE:
        return None
    return home_list, number


def pages_shown(view: Mapping[str, Any] | None) -> Pages:
    """The page of each list in the App Home a button was pressed in (none for a modal or a message)."""
    if not view or view.get("type") != "home":
        return {}
    shown = private_metadata(dict(view)).get("pages")
    if not isinstance(shown, dict):
        return {}
    pages: Pages = {}
    for name, number in shown.items():
        if name in _LIST_NAMES and isinstance(number, int) and 0 < number <= LAST_PAGE:
            pages[HomeList(name)] = number
    return pages


def pages_metadata(pages: Mapping[HomeList, int]) -> str | None:
    """The Home's `private_metadata` remembering `pages`; None when every list is on its first page."""
    kept = {home_list.value: number for home_list, number in pages.items() if number > 0}
    return json.dumps({"pages": kept}) if kept else None
