"""Where requests to real Qlik URLs actually go.

The client always addresses real Qlik URLs (``https://acme.eu.qlikcloud.com/api/v1/...``); the
transport decides the destination (architecture §6):

* default (``None``): the internet, through httpx's own transport;
* :func:`asgi_transport`: the emulator in-process, no sockets; the ASGI app sees the original
  ``Host`` and scheme, so it routes by tenant host exactly as over the network;
* :class:`LoopbackTransport`: a served emulator (``qlikreconcile emulator serve``) on a loopback
  port; every request is sent to ``base_url`` with the original ``Host`` header kept and
  ``X-Forwarded-Proto: https`` (uvicorn trusts it from 127.0.0.1, so links it builds stay https).
"""

from __future__ import annotations

import functools
from typing import Any, cast

import httpx

from qlikreconcile.qlik.pools import HostPools, Releasing, host_pool
from qlikreconcile.qlik.websocket import ASGIApp, Opener, asgi_opener, loopback_opener

__all__ = ["ASGIApp", "LoopbackTransport", "asgi_transport"]


class _InProcessTransport(httpx.ASGITransport):
    """``httpx.ASGITransport`` that fails like a socket when the app drops the connection.

    An app that raises ``ConnectionError`` (the emulator's injected reset and dropped response)
    becomes the network error httpx raises over a real connection: ``ReadError`` for a reset,
    ``RemoteProtocolError`` for a connection closed without a complete response.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app=cast(Any, app))
        self.open_websocket: Opener = asgi_opener(app)
        """Engine sockets go to the same app (:mod:`.websocket`)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionResetError as exc:
            raise httpx.ReadError("connection reset by peer", request=request) from exc
        except ConnectionError as exc:
            raise httpx.RemoteProtocolError(
                "server disconnected without sending a complete response", request=request
            ) from exc


def asgi_transport(app: ASGIApp) -> httpx.AsyncBaseTransport:
    """A transport that hands each request to ``app`` in-process, keeping ``Host`` and scheme.

    Connection-level failures of the app surface as httpx network errors, as over a socket.
    """
    return _InProcessTransport(app)


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Send ``https://HOST/path`` to ``base_url`` (``http://127.0.0.1:PORT``) as ``Host: HOST``.

    Only loopback destinations are accepted: this transport exists for the served emulator, and
    it must never carry a tenant's bearer token to another machine.
    """

    def __init__(self, base_url: str, *, inner: httpx.AsyncBaseTransport | None = None) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in {"http", "https"} or url.host not in _LOOPBACK_HOSTS:
            raise ValueError(f"LoopbackTransport needs an http(s) loopback URL, got {base_url!r}")
        self.base_url = url
        # A pool per Qlik host, as on the internet (the served emulator stands for every host);
        # by default its connections go to base_url themselves, so no URL is rewritten here.
        origin = str(url.copy_with(path="", query=None)).rstrip("/")
        self._rewrite = inner is not None
        # Not `inner or ...`: pools are sized, so an empty HostPools is falsy.
        self._inner = (
            inner if inner is not None else HostPools(functools.partial(host_pool, origin=origin))
        )
        self.open_websocket: Opener = loopback_opener(url)
        """Engine sockets go to the same loopback port (:mod:`.websocket`)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        original = request.url
        # httpx set Host from the original URL when the request was built; keep it.
        request.headers.setdefault("Host", original.netloc.decode("ascii"))
        request.headers["X-Forwarded-Proto"] = original.scheme
        if not self._rewrite:
            return await self._inner.handle_async_request(request)
        request.url = original.copy_with(
            scheme=self.base_url.scheme, host=self.base_url.host, port=self.base_url.port
        )
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            request.url = original
        return response

    async def release(self, host: str) -> None:
        """Close ``host``'s connections (see :meth:`.HostPools.release`)."""
        if isinstance(self._inner, Releasing):
            await self._inner.release(host)

    async def aclose(self) -> None:
        await self._inner.aclose()
