"""Errors every feature's services raise for things a person can understand and fix."""

from __future__ import annotations

from collections.abc import Mapping


class InvalidInput(ValueError):
    """Input a person can fix; `errors` maps a field name to a message in their words."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


class NotFound(LookupError):
    """The thing asked for does not exist (or is not in this workspace); the message says so plainly.

    `title` heads the notice that tells the person, where one does.
    """

    def __init__(self, message: str = "", *, title: str = "Not found") -> None:
        super().__init__(message)
        self.title = title
