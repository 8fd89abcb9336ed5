"""Long lists a page at a time, so a view stays within Slack's 100 blocks: the App Home's admin lists,
and (with their own ids) the lists of the `/resources` directory modal.

Slack refuses a Home tab of more than 100 blocks (views.publish; slack_sdk's `View.to_dict()` refuses it
first). Everyone's part takes at most 28 blocks (5 of them the person's open check-ins; a manager's
dashboard link is one more, but only for someone without the admin section) and the admin section's fixed
parts 20 more; a list takes at most a page of items (`PAGE_SIZES`; two blocks an item for check-ins and
programmes, one for admins and directory entries) and two blocks for Previous / Next: 18 + 8 + 12 + 12.
So at most 98 blocks, however much the workspace holds (tests/home/test_app_home.py publishes the
largest Home there can be).

Which page of each list a person is on is kept in the Home's own `private_metadata`, so a button pressed
on page 3 (Pause, Remove, Restore…) redraws page 3.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject

from slackapp.home.ids import HomeAction, HomeList
from slackapp.payloads import private_metadata

PAGE_SIZES = {HomeList.PULSES: 8, HomeList.ADMINS: 6, HomeList.PROGRAMMES: 5, HomeList.RESOURCES: 10}
LAST_PAGE = 10_000  # more than any list needs; anything larger in a payload is not ours

T = TypeVar("T")
L = TypeVar("L", bound=StrEnum)  # the lists a view pages through, e.g. `HomeList`

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
    """Page `number` of one of the Home's lists (the last page if the list has shrunk since it was shown)."""
    return slice_page(items, PAGE_SIZES[home_list], number)


def slice_page(items: Sequence[T], size: int, number: int = 0) -> Page[T]:
    """Page `number` of `items`, `size` a page (the last page if the list has shrunk since it was shown)."""
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
    """Where a Home list's page stands ("Check-ins 9-16 of 40.") and its Previous / Next.

    Args:
        noun: the list's items in the plural, as the admin says it ("check-ins").
    """
    return build_page_buttons(
        page,
        noun,
        block_id=f"pages:{home_list}",
        previous_action=HomeAction.PREVIOUS_PAGE,
        next_action=HomeAction.NEXT_PAGE,
        value_of=lambda number: page_value(home_list, number),
    )


def build_page_buttons(
    page: Page[Any],
    noun: str,
    *,
    block_id: str,
    previous_action: str,
    next_action: str,
    value_of: Callable[[int], str],
) -> list[Block]:
    """Where the page stands ("Groups 11-20 of 35.") and its Previous / Next; nothing for a single page.

    Args:
        noun: the list's items in the plural, as the reader says it ("groups").
        block_id: the buttons' block, one per list in a view (Previous and Next of one list share it).
        previous_action, next_action: the buttons' action ids, which say whose listener turns the page.
        value_of: a button's value, for the page number it leads to (see `page_value`).
    """
    if page.last_number == 0:
        return []
    buttons = []
    if page.number > 0:
        buttons.append(
            ButtonElement(text="Previous", action_id=previous_action, value=value_of(page.number - 1))
        )
    if page.number < page.last_number:
        buttons.append(ButtonElement(text="Next", action_id=next_action, value=value_of(page.number + 1)))
    shown = f"{page.first + 1}-{page.first + len(page.items)}"
    return [
        ContextBlock(elements=[MarkdownTextObject(text=f"{noun.capitalize()} {shown} of {page.total}.")]),
        ActionsBlock(block_id=block_id, elements=buttons),
    ]


def page_value(list_name: StrEnum, number: int) -> str:
    """A Previous / Next button's value: which list, and which page of it."""
    return json.dumps({"list": list_name.value, "page": number})


def page_turn(value: object) -> tuple[HomeList, int] | None:
    """The Home list and page a Previous / Next button asks for, or None when its value is not ours."""
    return read_page_turn(value, HomeList)


def read_page_turn(value: object, lists: type[L]) -> tuple[L, int] | None:
    """The list (one of `lists`) and page a Previous / Next button asks for, or None if not one of ours."""
    try:
        asked = json.loads(str(value))
        list_name, number = lists(asked["list"]), asked["page"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(number, int) or not 0 <= number <= LAST_PAGE:
        return None
    return list_name, number


def pages_shown(view: Mapping[str, Any] | None) -> Pages:
    """The page of each list in the App Home a button was pressed in (none for a modal or a message)."""
    if not view or view.get("type") != "home":
        return {}
    return read_pages(private_metadata(dict(view)).get("pages"), HomeList)


def read_pages(shown: object, lists: type[L]) -> dict[L, int]:
    """The pages a view remembers (`{"groups": 2}`) for its `lists`; anything else is left out."""
    if not isinstance(shown, dict):
        return {}
    names = {list_name.value for list_name in lists}
    return {
        lists(name): number
        for name, number in shown.items()
        if name in names and isinstance(number, int) and 0 < number <= LAST_PAGE
    }


def pages_metadata(pages: Mapping[HomeList, int]) -> str | None:
    """The Home's `private_metadata` remembering `pages`; None when every list is on its first page."""
    kept = pages_kept(pages)
    return json.dumps({"pages": kept}) if kept else None


def pages_kept(pages: Mapping[L, int]) -> dict[str, int]:
    """`pages` as a view's metadata keeps them: by list name, first pages left out."""
    return {list_name.value: number for list_name, number in pages.items() if number > 0}
