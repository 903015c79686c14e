"""When and how long the client retries a request.

Rules (architecture §5: retries live in ``qlik/`` only):

* A request that certainly never reached Qlik's API may always be retried: a refused connection,
  a connect or pool timeout, or a failure at the token endpoint (the call itself was not sent).
* A genuine 429 may always be retried after ``Retry-After``: Qlik did not process the request.
  The 429 that ``POST /reloads`` returns for a pending reload is not a rate limit and is never
  retried (:func:`qlikreconcile.qlik.quirks.is_pending_reload`).
* Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE by default, or ``idempotent=True``) are also
  retried on 500/502/503/504, read/write timeouts and dropped connections.
* Non-idempotent requests are never retried on 5xx or timeouts: the change may have been made. The
  caller settles such a failure by re-reading (a lost create is looked up, never sent twice:
  :mod:`qlikreconcile.qlik.kinds.adopt`).

Waits are exponential with full jitter, at least ``Retry-After`` when Qlik sends one; attempts and
total time are capped (the time cap counts the injected sleeps, so it holds in virtual time too).
``sleep`` and the random source are injectable so tests do not wait. Rate limits per (host, tier)
are applied before every attempt by the client (:mod:`.ratelimit`).

The loop also keeps the per-host counters (:class:`RequestStats`): attempts, retries and 429s.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik import quirks

logger = logging.getLogger(__name__)

T = TypeVar("T")

IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES: frozenset[int] = frozenset({500, 502, 503, 504})

# httpx errors raised before any byte of the request reached the server.
_NOT_SENT: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
_TRANSIENT: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


def is_idempotent(method: str, idempotent: bool | None = None) -> bool:
    """Whether a request may be repeated without changing the outcome."""
    return idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS


def _is_token_call(exc: ApiError | TransportError) -> bool:
    return httpx.URL(exc.url).path == quirks.TOKEN_PATH


def should_retry(exc: BaseException, *, idempotent: bool) -> bool:
    """The retry decision for one failed attempt (see the module docstring)."""
    if isinstance(exc, ApiError):
        if exc.status == 429:
            return not quirks.is_pending_reload(exc)
        if exc.status in RETRYABLE_STATUSES:
            return idempotent or _is_token_call(exc)
        return False
    if isinstance(exc, TransportError):
        cause = exc.__cause__
        if isinstance(cause, _NOT_SENT) or _is_token_call(exc):
            return True
        return idempotent and isinstance(cause, _TRANSIENT)
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"HTTP {exc.status}" + (f" {exc.code}" if exc.code else "")
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else type(exc).__name__


def _describe_failed(exc: BaseException, method: str, url: str) -> str:
    """What failed, naming the request that did when it is not the one retried.

    A call's token request (``POST /oauth/token``) runs inside the call; its errors carry the
    token URL, and the log must say that request failed, not the call it was authenticating.
    """
    failed = (getattr(exc, "method", method), getattr(exc, "url", url))
    if failed == (method, url):
        return _describe(exc)
    return f"{failed[0]} {failed[1]} failed with {_describe(exc)}"


@dataclass
class HostStats:
    """Counters for one host: HTTP attempts, retries, 429 answers seen, waits for the local
    rate limit (count and seconds), and creates settled by adopting what a lost answer made."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    throttled: int = 0
    throttled_seconds: float = 0.0
    adopted: int = 0


@dataclass
class RequestStats:
    """Counters per host, for reports and benchmarks."""

    hosts: dict[str, HostStats] = field(default_factory=dict)

    def host(self, host: str) -> HostStats:
        """The (created on first use) counters of ``host``."""
        return self.hosts.setdefault(host, HostStats())

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.hosts.values())

    @property
    def retries(self) -> int:
        return sum(s.retries for s in self.hosts.values())

    @property
    def rate_limited(self) -> int:
        return sum(s.rate_limited for s in self.hosts.values())

    @property
    def throttled(self) -> int:
        return sum(s.throttled for s in self.hosts.values())

    @property
    def adopted(self) -> int:
        return sum(s.adopted for s in self.hosts.values())


@dataclass(frozen=True)
class RetryPolicy:
    """Limits and injectable effects of retrying.

    ``max_retries`` counts retries after the first attempt; ``max_total`` caps the seconds spent
    waiting and working; a single wait never exceeds ``max_wait`` unless ``Retry-After`` asks more.
    """

    max_retries: int = 5
    base_delay: float = 0.5
    max_wait: float = 30.0
    max_total: float = 300.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def wait_seconds(self, attempt: int, exc: BaseException | None) -> float:
        """Wait before retry number ``attempt`` (1-based) after ``exc``."""
        retry_after = exc.retry_after if isinstance(exc, ApiError) else None
        if retry_after is not None:
            # Honour Qlik's wait, spread a little so a fleet of tasks does not return in lockstep.
            return retry_after + self.rng.uniform(0.0, min(1.0, 0.1 * retry_after + 0.1))
        ceiling = min(self.max_wait, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0.0, ceiling)  # full jitter


async def call_with_retry(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    method: str,
    url: str,
    idempotent: bool,
    stats: HostStats | None = None,
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or the policy's budget is spent.

    The last exception is re-raised unchanged (a typed :class:`ApiError` or
    :class:`TransportError`). ``stats`` counts every attempt, retry and 429.
    """
    counters = stats if stats is not None else HostStats()
    # Nearly every request succeeds at once: it runs without any retry machinery. Only a
    # failure worth retrying builds tenacity's loop, which replays that failure as attempt 1.
    counters.requests += 1
    try:
        return await attempt()
    except Exception as exc:
        if isinstance(exc, ApiError) and exc.status == 429:
            counters.rate_limited += 1
        if not should_retry(exc, idempotent=idempotent):
            raise
        first: list[BaseException] = [exc]

    async def counted() -> T:
        if first:
            raise first.pop()
        counters.requests += 1
        try:
            return await attempt()
        except ApiError as exc:
            if exc.status == 429:
                counters.rate_limited += 1
            raise

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return policy.wait_seconds(state.attempt_number, exc)

    slept = [0.0]  # waits so far, through the injected sleep (virtual in tests)

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number > policy.max_retries:
            return True
        spent = max(state.seconds_since_start or 0.0, slept[0])
        return spent + (state.upcoming_sleep or 0.0) > policy.max_total

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if exc is None:
            return
        logger.info(
            "retrying %s %s after %s (retry %d of %d) in %.1fs",
            method,
            url,
            _describe_failed(exc, method, url),
            state.attempt_number,
            policy.max_retries,
            state.upcoming_sleep,
        )
        counters.retries += 1
        slept[0] += state.upcoming_sleep or 0.0

    retrying = AsyncRetrying(
        stop=stop,
        wait=wait,
        retry=retry_if_exception(lambda exc: should_retry(exc, idempotent=idempotent)),
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return await retrying(counted)
