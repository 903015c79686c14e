"""Running the client's coroutines to completion, on uvloop's event loop where it is installed.

uvloop is asyncio's loop written on libuv: the sockets and callbacks under each request cost less
CPU, and a fleet plan is bound by the client's CPU (a served 1,000-tenant plan took 0.93 of the
CPU on it, bench/README.md). Where it is not installed (Windows), asyncio's own loop runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``coro``'s result, from a new event loop closed afterwards (as :func:`asyncio.run`).

    The result leaves the main task through a box, not as the task's result: on its way out
    asyncio's runner renders repr(main task) (an Enum lookup of its SIGINT handler, which holds
    the task, fails with a message that repr's it), and a task's repr includes its result: a
    whole fleet's plan, a tenth of a second of CPU at a thousand tenants.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main())
    return box[0]
