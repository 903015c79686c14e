"""One HTTP session for a whole fleet: a single ``httpx.AsyncClient`` shared by every host.

:class:`QlikSession` owns the connection pools (one per host, :mod:`.pools`), the cap on
requests in flight, the OAuth token cache (tokens per host), the retry
policy, the rate limiter (budgets per host and tier, :mod:`.ratelimit`) and the request counters;
:meth:`QlikSession.client` hands out one cached
:class:`~qlikreconcile.qlik.client.QlikClient` per host. Use it as an async context manager::

    async with QlikSession(credentials=creds, transport=asgi_transport(app)) as session:
        spaces = [s async for s in session.client("acme.eu.qlikcloud.com").paginate(
            "/api/v1/spaces")]

The transport, clock and sleep are injected (style habit 10): tests pass the emulator's ASGI app
and a fake sleep; production passes nothing and reaches Qlik Cloud.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx

from qlikreconcile.qlik import versions
from qlikreconcile.qlik.auth import ClientCredentialsAuth, Credentials, TokenCache
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.httpx_client import LeanAsyncClient
from qlikreconcile.qlik.pools import MAX_IN_FLIGHT, HostPools, InFlight, Releasing
from qlikreconcile.qlik.ratelimit import RateLimiter
from qlikreconcile.qlik.retry import RequestStats, RetryPolicy
from qlikreconcile.qlik.websocket import Opener, open_network

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
"""Explicit per-phase timeouts; generous read/write: app import/export bodies can be large."""


USER_AGENT = "qlikreconcile"


class QlikSession:
    """Async context manager owning one ``httpx.AsyncClient`` shared by all hosts."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        clock: Callable[[], float] = time.time,
        max_retries: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        retry_policy: RetryPolicy | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        rate_limits: bool = True,
        api_version: str = versions.DEFAULT_API_VERSION,
    ) -> None:
        self.credentials = credentials
        self.tokens = TokenCache(clock=clock)
        self.policy = retry_policy or RetryPolicy(max_retries=max_retries, sleep=sleep)
        self.stats = RequestStats()
        self.limiter = RateLimiter(clock=clock, sleep=self.policy.sleep) if rate_limits else None
        self._clients: dict[str, QlikClient] = {}
        # The engine's websockets go where the transport sends requests (see .transport).
        self._open_socket: Opener = getattr(transport, "open_websocket", None) or open_network
        self.api_version = api_version
        self.deprecations = versions.DeprecationLog()
        self.in_flight = InFlight(max_in_flight)
        # Default: the internet, through a small connection pool per tenant host.
        self._transport = transport if transport is not None else HostPools()
        self._http = LeanAsyncClient(
            transport=self._transport,
            timeout=timeout or DEFAULT_TIMEOUT,
            auth=ClientCredentialsAuth(credentials, self.tokens),
            follow_redirects=False,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                versions.HEADER: api_version,
            },
        )

    def __repr__(self) -> str:
        return f"QlikSession(client_id={self.credentials.client_id!r}, hosts={len(self._clients)})"

    def client(self, host: str) -> QlikClient:
        """The client of ``host`` (e.g. ``acme.eu.qlikcloud.com``), created once and cached."""
        key = _normalise_host(host)
        found = self._clients.get(key)
        if found is None:
            found = QlikClient(
                key,
                http=self._http,
                policy=self.policy,
                stats=self.stats.host(key),
                limiter=self.limiter,
                deprecations=self.deprecations,
                open_socket=self._open_socket,
                in_flight=self.in_flight,
            )
            self._clients[key] = found
        return found

    async def release(self, host: str) -> None:
        """Close ``host``'s idle connections: this run is done with it for now (a later request
        opens new ones). Transports without per-host pools (the emulator in-process) keep all."""
        if isinstance(self._transport, Releasing):
            await self._transport.release(_normalise_host(host))

    async def aclose(self) -> None:
        """Close the connection pool (and the transport)."""
        await self._http.aclose()

    async def __aenter__(self) -> QlikSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _normalise_host(host: str) -> str:
    """Lower-case host[:port]; accepts a pasted ``https://host/`` too."""
    text = host.strip()
    if "://" in text:
        text = httpx.URL(text).netloc.decode("ascii")
    text = text.rstrip("/").lower()
    if not text or "/" in text:
        raise ValueError(f"not a host name: {host!r}")
    return text
