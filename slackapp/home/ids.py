"""Ids of the App Home's own actions, and of its long lists, shared by views, listeners and tests."""

from enum import StrEnum


class HomeAction(StrEnum):
    # A list's "Previous" and "Next" (ids differ: they sit in one actions block); value is a `PageTurn`.
    PREVIOUS_PAGE = "home_previous_page"
    NEXT_PAGE = "home_next_page"


class HomeList(StrEnum):
    """The admin section's lists that can grow without bound, each shown a page at a time."""

    PULSES = "pulses"
    ADMINS = "admins"
    PROGRAMMES = "programmes"
    RESOURCES = "resources"
