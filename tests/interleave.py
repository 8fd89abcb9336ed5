"""Interleavings made at the database boundary: run a competing change just before (or after) a statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def on_statement(
    engine: Engine, hook: Callable[[str, Any], None], *, when: str = "before_cursor_execute"
) -> Iterator[None]:
    """Call `hook(statement, parameters)` for every statement the engine runs while inside, `when`
    ("before_cursor_execute" or "after_cursor_execute"): a test commits its competing change there."""

    def listener(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        hook(statement, parameters)

    event.listen(engine, when, listener)
    try:
        yield
    finally:
        event.remove(engine, when, listener)
