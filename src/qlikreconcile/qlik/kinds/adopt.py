"""Creates that must not happen twice: an ambiguous failure is settled by looking the object up.

A request that creates something (tenant, space, group, assignment, connection, app import,
publish, reload) is never repeated blindly. The client retries it only when it certainly did not
reach Qlik (refused connection, a real 429). When the answer is lost instead (a 5xx, a read
timeout, a dropped connection) the change may or may not have been made, so
:func:`create_once` asks the handler's ``find``: a read that recognises what this very call would
have made (by name and ownership marker, or against what existed just before the call). Found:
it is adopted. Not found: the create is sent again after a backoff, a bounded number of times.

A 409 (the object already exists) is settled the same way: ``find`` only returns what carries our
marker, so a customer's object of the same name is never adopted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from qlikreconcile.errors import ApiError, ConflictError, TransportError
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.retry import should_retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ATTEMPTS = 4


def is_ambiguous(exc: BaseException) -> bool:
    """A failure after which a non-idempotent request may or may not have taken effect."""
    return should_retry(exc, idempotent=True) and not should_retry(exc, idempotent=False)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"HTTP {exc.status}"
    cause = exc.__cause__
    return f"no answer ({type(cause).__name__ if cause else type(exc).__name__})"


async def create_once(
    env: HandlerEnv,
    *,
    host: str,
    what: str,
    create: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    attempts: int = DEFAULT_ATTEMPTS,
) -> T:
    """Run ``create``; after an ambiguous failure or a 409, adopt what ``find`` recognises.

    ``what`` names the call in logs (``create space 'Acme build'``); ``host`` is where the
    adoption is counted. Raises the last error when every attempt failed and nothing was found.
    """
    last: ApiError | TransportError | None = None
    for attempt in range(1, attempts + 1):
        try:
            return await create()
        except ConflictError as exc:
            last = exc
        except (ApiError, TransportError) as exc:
            if not is_ambiguous(exc):
                raise
            last = exc
        found = await find()
        if found is not None:
            logger.info("%s: %s, adopting what it created", what, _describe(last))
            env.session.stats.host(host).adopted += 1
            return found
        if isinstance(last, ConflictError):
            raise last
        if attempt < attempts:
            wait = env.session.policy.wait_seconds(attempt, last)
            logger.info(
                "%s: %s and nothing was created; again in %.1fs", what, _describe(last), wait
            )
            await env.pause(wait)
    assert last is not None
    raise last
