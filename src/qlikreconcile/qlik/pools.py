"""Connection pools per Qlik host, and a cap on the requests in flight across all of them.

Each Qlik Cloud tenant is its own host, so one shared pool serves a fleet badly: httpcore scans
every connection of a pool (and asks each idle one's socket whether it is still readable) for
every request it assigns, and queued requests multiply that scan. A fleet read with one pool of
hundreds of connections spent most of its CPU there. :class:`HostPools` gives each host a small
pool of its own, so a scan only sees that host's few connections, and closes the pools of hosts
read earlier (least recently used first, never one with a request in flight) so sockets do not
pile up over a fleet of thousands. :class:`InFlight` caps the requests sent at once, so requests
wait in one cheap semaphore instead of in a pool's queue.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Protocol, runtime_checkable

import httpx

from qlikreconcile.qlik.aiohttp_pool import AiohttpPool

PER_HOST_CONNECTIONS = 2
"""Connections to one host, fewer than the reads one tenant runs at once (five to seven): a
request that waits for a kept-alive connection of its host waits about one round trip, while a
new connection costs its handshakes (TCP and TLS: two round trips and the most CPU of any
request). A fleet read is bound by the client's CPU, with many tenants read at once, so a tenant
read a round trip or two longer costs no wall time. Measured on a served 1,000-tenant plan: 8
connections -> 4 took about 10% less CPU, 4 -> 2 about 9% less again, 1 was slower
(``bench/README.md``)."""

MAX_OPEN_HOSTS = 256
"""Host pools kept open; beyond this the least recently used idle ones are closed."""

MAX_IN_FLIGHT = 128
"""Requests sent at once across the fleet by default (see :class:`InFlight`)."""


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds: once per process, not once per host.
    return httpx.create_ssl_context()


def host_pool(
    connections: int = PER_HOST_CONNECTIONS, *, origin: str | None = None
) -> httpx.AsyncBaseTransport:
    """One host's connections (every one may be kept alive), through aiohttp: it costs about
    half the CPU per request of httpx's own transport (:mod:`.aiohttp_pool`). ``origin``: see
    :class:`.AiohttpPool`."""
    return AiohttpPool(connections=connections, verify=_tls, origin=origin)


class _Counted(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed (the request is then done)."""

    def __init__(self, stream: httpx.AsyncByteStream, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._done is not None:
                self._done()
                self._done = None


class HostPools(httpx.AsyncBaseTransport):
    """One transport per host (the request's ``Host``), made by ``factory`` on first use."""

    def __init__(
        self,
        factory: Callable[[], httpx.AsyncBaseTransport] = host_pool,
        *,
        max_open: int = MAX_OPEN_HOSTS,
    ) -> None:
        self._factory = factory
        self._max_open = max_open
        self._pools: OrderedDict[str, httpx.AsyncBaseTransport] = OrderedDict()
        self._busy: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The Host header, not the URL: a loopback transport sends every host to one address.
        key = request.headers.get("host") or request.url.netloc.decode("ascii")
        # Everything up to the first await is one step, so no other request sees a half state.
        closing: list[httpx.AsyncBaseTransport] = []
        pool = self._pools.get(key)
        if pool is None:
            closing = self._evict_idle()
            pool = self._pools[key] = self._factory()
        else:
            self._pools.move_to_end(key)
        self._busy[key] = self._busy.get(key, 0) + 1

        def done() -> None:
            self._busy[key] -= 1

        for idle in closing:
            await idle.aclose()
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            done()
            raise
        if isinstance(response.stream, httpx.ByteStream):
            done()  # the body was read whole (every aiohttp answer): the request is over
        else:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _Counted(response.stream, done)
        return response

    async def release(self, host: str) -> None:
        """Close ``host``'s connections now, unless a request to it is in flight.

        For a host a run is done with (a tenant whose read is over): its idle connections would
        otherwise stay open until evicted, each with its TLS state and buffers, a few hundred
        hosts' worth at a time. A later request to it opens a pool again.
        """
        key = host.lower()
        if self._busy.get(key):
            return
        self._busy.pop(key, None)
        pool = self._pools.pop(key, None)
        if pool is not None:
            await pool.aclose()

    def _evict_idle(self) -> list[httpx.AsyncBaseTransport]:
        """Take out the least recently used idle pools beyond the cap (room for one more)."""
        extra = len(self._pools) + 1 - self._max_open
        if extra <= 0:
            return []
        keys = [k for k in self._pools if not self._busy.get(k)][:extra]
        for key in keys:
            self._busy.pop(key, None)
        return [self._pools.pop(key) for key in keys]

    async def aclose(self) -> None:
        pools = list(self._pools.values())
        self._pools.clear()
        self._busy.clear()
        for pool in pools:
            await pool.aclose()


@runtime_checkable
class Releasing(Protocol):
    """A transport that can close one host's connections (:meth:`HostPools.release`)."""

    async def release(self, host: str) -> None: ...


class InFlight:
    """At most ``limit`` requests sent at once (a semaphore the client holds per attempt)."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def __aenter__(self) -> None:
        await self._slots.acquire()

    async def __aexit__(self, *_: object) -> None:
        self._slots.release()
