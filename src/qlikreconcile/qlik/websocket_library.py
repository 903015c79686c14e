"""Engine websockets through the ``websockets`` library (Qlik Cloud, or a served emulator).

Kept apart from :mod:`.websocket` so that importing a session does not import the library (tens
of milliseconds): a plan with nothing to count on the engine never opens a socket.

Proxies: the library's own lookup (websockets 15 and later): ``WSS_PROXY``, else ``HTTPS_PROXY``
(or lower-case), ``NO_PROXY`` honoured, as the REST connections do (:mod:`.aiohttp_pool`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidProxy,
    InvalidProxyStatus,
    InvalidStatus,
)

from qlikreconcile.errors import EngineError
from qlikreconcile.qlik.websocket import WebSocket

OPEN_TIMEOUT_SECONDS = 15.0
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Engine answers about a few objects are small; this bounds a runaway answer."""


PROXY_INVALID = (
    "the proxy the environment names is not a proxy address: "
    "fix WSS_PROXY / HTTPS_PROXY (http://HOST:PORT) or exempt the host in NO_PROXY"
)

SOCKS_MISSING = (
    "the environment names a SOCKS proxy, which needs the python-socks package: "
    "pip install python-socks, or name an HTTP proxy"
)


class LibraryWebSocket:
    """A ``websockets`` client connection as a :class:`WebSocket`."""

    def __init__(self, conn: ClientConnection, url: str) -> None:
        self._conn = conn
        self._url = url

    async def send_text(self, text: str) -> None:
        try:
            await self._conn.send(text)
        except ConnectionClosed as exc:
            raise EngineError(f"connection closed ({exc.rcvd})", url=self._url) from None

    async def receive_text(self) -> str:
        try:
            message = await self._conn.recv()
        except ConnectionClosed as exc:
            raise EngineError(f"connection closed ({exc.rcvd})", url=self._url) from None
        return message if isinstance(message, str) else message.decode("utf-8")

    async def close(self) -> None:
        await self._conn.close()


async def connect(uri: str, shown: str, headers: Mapping[str, str], **kwargs: Any) -> WebSocket:
    try:
        conn = await websockets.connect(
            uri,
            additional_headers=dict(headers),
            open_timeout=OPEN_TIMEOUT_SECONDS,
            max_size=MAX_MESSAGE_BYTES,
            **kwargs,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise EngineError(f"session refused ({status})", url=shown, status=status) from None
    except InvalidProxyStatus as exc:
        status = exc.response.status_code
        raise EngineError(f"the proxy refused the tunnel ({status})", url=shown) from None
    except InvalidProxy:  # its message repeats the proxy's address, credentials included
        raise EngineError(PROXY_INVALID, url=shown) from None
    except ImportError:  # the library's SOCKS support is an extra we do not install
        raise EngineError(SOCKS_MISSING, url=shown) from None
    except (InvalidHandshake, OSError, TimeoutError) as exc:
        raise EngineError(f"no session ({type(exc).__name__})", url=shown) from None
    return LibraryWebSocket(conn, shown)
