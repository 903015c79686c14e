"""WebSockets to Qlik's engine, sent where the HTTP transport sends requests.

The engine speaks JSON-RPC over ``wss://HOST/app/APPID`` (qlik-cloud-api.md §4.4, §5.2). A
session opens its sockets through an :data:`Opener` picked from its HTTP transport, so the
engine goes where REST calls go (architecture §6):

* the internet: :func:`open_network` (the ``websockets`` library, TLS, imported only when a
  socket is opened: :mod:`.websocket_library`);
* a served emulator on loopback: :func:`open_loopback` (``ws://127.0.0.1:PORT`` with the tenant's
  ``Host``, as :class:`~qlikreconcile.qlik.transport.LoopbackTransport` does for HTTP);
* the emulator in-process: :class:`AsgiWebSocket`, the ASGI websocket protocol without sockets.

A refused handshake raises :class:`~qlikreconcile.errors.EngineError` with the HTTP status.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Protocol

import httpx

from qlikreconcile.errors import EngineError


class WebSocket(Protocol):
    """A text websocket, whichever way it was opened."""

    async def send_text(self, text: str) -> None: ...

    async def receive_text(self) -> str: ...

    async def close(self) -> None: ...


Opener = Callable[[httpx.URL, Mapping[str, str]], Awaitable[WebSocket]]
"""Open a websocket to ``url`` (an ``https://HOST/...`` address) with these headers."""


async def open_network(url: httpx.URL, headers: Mapping[str, str]) -> WebSocket:
    """Qlik Cloud itself: ``wss://`` to the tenant."""
    from qlikreconcile.qlik.websocket_library import connect  # only when a socket is opened

    shown = str(url.copy_with(scheme="wss"))
    return await connect(shown, shown, headers)


def loopback_opener(base_url: httpx.URL) -> Opener:
    """A served emulator: the socket goes to ``base_url`` with the tenant's ``Host``."""

    async def open_loopback(url: httpx.URL, headers: Mapping[str, str]) -> WebSocket:
        # The tenant's host in the URI becomes the Host header; the TCP connection goes to the
        # loopback port (the host/port keywords override where the library connects), never
        # through a proxy the environment names for the tenant's host (a proxy is another
        # machine, and the library would look one up for the URI's host).
        uri = str(url.copy_with(scheme="ws", port=None))
        shown = str(url.copy_with(scheme="wss"))
        sent = {**headers, "X-Forwarded-Proto": "https"}
        from qlikreconcile.qlik.websocket_library import connect  # only when a socket is opened

        return await connect(uri, shown, sent, host=base_url.host, port=base_url.port, proxy=None)

    return open_loopback


ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[MutableMapping[str, Any]]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]
"""An ASGI 3 application (e.g. the emulator's Starlette app)."""


class AsgiWebSocket:
    """The ASGI websocket protocol spoken to an app in-process (the embedded emulator).

    The app sees the ``Host``, headers and path a socket to Qlik would carry; a denial response
    (``websocket.http.response``) or a close before accepting becomes a refused handshake.
    """

    def __init__(self, app: ASGIApp, url: httpx.URL, headers: Mapping[str, str]) -> None:
        self._app = app
        self._url = str(url.copy_with(scheme="wss"))
        self._inbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        raw = [(b"host", url.netloc)]
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self._scope: dict[str, Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "wss",
            "server": (url.host, url.port or 443),
            "client": ("127.0.0.1", 0),
            "root_path": "",
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "headers": raw,
            "subprotocols": [],
            "extensions": {"websocket.http.response": {}},
        }
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def _run(self) -> None:
        try:
            await self._app(self._scope, self._inbox.get, self._outbox.put)
        finally:
            await self._outbox.put({"type": "websocket.close", "code": 1006})

    async def connect(self) -> None:
        self._task = asyncio.create_task(self._run())
        await self._inbox.put({"type": "websocket.connect"})
        first = await self._outbox.get()
        if first["type"] == "websocket.accept":
            return
        self._closed = True
        status = 403
        if first["type"] == "websocket.http.response.start":
            status = int(first["status"])
            while True:
                body = await self._outbox.get()
                if body["type"] != "websocket.http.response.body" or not body.get("more_body"):
                    break
        await self._finish()
        raise EngineError(f"session refused ({status})", url=self._url, status=status)

    async def send_text(self, text: str) -> None:
        if self._closed:
            raise EngineError("connection closed", url=self._url)
        await self._inbox.put({"type": "websocket.receive", "text": text})

    async def receive_text(self) -> str:
        if self._closed:
            raise EngineError("connection closed", url=self._url)
        message = await self._outbox.get()
        if message["type"] == "websocket.send":
            text = message.get("text")
            return text if isinstance(text, str) else bytes(message.get("bytes") or b"").decode()
        self._closed = True
        raise EngineError(f"connection closed ({message.get('code', 1000)})", url=self._url)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._inbox.put({"type": "websocket.disconnect", "code": 1000})
        await self._finish()

    async def _finish(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=5)


def asgi_opener(app: ASGIApp) -> Opener:
    async def open_asgi(url: httpx.URL, headers: Mapping[str, str]) -> WebSocket:
        socket = AsgiWebSocket(app, url, headers)
        await socket.connect()
        return socket

    return open_asgi
