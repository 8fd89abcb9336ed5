"""The thread pool Bolt runs listeners on, carrying the request id into each listener's thread."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class ContextCarryingExecutor(ThreadPoolExecutor):
    """Runs each task in a copy of the submitting thread's context, so its log lines keep the request id."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
