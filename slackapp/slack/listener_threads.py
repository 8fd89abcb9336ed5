"""The thread pool Bolt runs listeners on, carrying the request id into each listener's thread."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

# Set by `OnRequestThread` for the one hand-off that follows it (the listener's, on the same thread).
_next_on_this_thread: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "next_listener_on_this_thread", default=False
)


class ContextCarryingExecutor(ThreadPoolExecutor):
    """Runs each task in a copy of the submitting thread's context, so its log lines keep the request id.

    A listener marked with `OnRequestThread` runs at once on the submitting thread instead.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if _next_on_this_thread.get():
            _next_on_this_thread.set(False)
            return _run_here(fn, *args, **kwargs)
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)


def _run_here(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
    future: Future[Any] = Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except BaseException as error:  # as a pool thread would: kept in the future, not raised here
        future.set_exception(error)
    return future


class OnRequestThread(Middleware):
    """Listener middleware: run this listener on the request's own thread, not on Bolt's listener pool.

    Only for a listener whose last step is `ack()` (a modal submission that answers with a view): Bolt's
    request thread waits for that ack anyway, so handing the listener to another thread and polling for
    the ack every 10 ms adds work and nothing else (measured in benchmarks/checkin_intake).
    """

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        runner = req.context.get("listener_runner")
        response = next()
        if runner is None or not runner.process_before_response:  # else it runs here anyway
            # Marked only once the chain has returned: Bolt's very next step is to hand the listener to
            # the executor, which takes the mark off. Nothing that raises can leave it set for a later
            # request on this thread.
            _next_on_this_thread.set(True)
        return response
