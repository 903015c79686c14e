"""One host's connections through aiohttp, behind httpx's transport interface.

httpx stays the client every module talks to (auth flow, URLs, headers, timeouts, the typed
errors :mod:`.retry` judges); only the connection layer below it is aiohttp's. A fleet plan is
bound by the client's CPU per request, and httpcore's pure-Python HTTP/1.1 connection and pool
cost about twice what aiohttp's C parser and its connector do (``bench/README.md``).

Each failure becomes the httpx exception the retry rules expect, and only a request that surely
never left is reported as one (``ConnectError``, ``ConnectTimeout``: retried even when not
idempotent); a connection lost after the request may have been sent is a ``RemoteProtocolError``
or ``ReadError`` (retried only when idempotent). Bodies are read whole, as httpx reads them for
a non-streaming call, and left encoded: httpx decodes ``Content-Encoding`` as before. Uploads
above :data:`LARGE_BODY` keep httpx's own transport and its write timeout.

Proxies: as httpx's client did, the environment's ``HTTPS_PROXY`` / ``HTTP_PROXY`` (or lower-case)
and ``NO_PROXY`` apply (credentials in the proxy URL included; an ``https://`` proxy URL and
``ALL_PROXY`` are not supported by aiohttp and are ignored). Each pool serves one host, so its
proxy is looked up once, when it opens (aiohttp's own ``trust_env`` looks it up again for every
request, in a thread). The served emulator's loopback route (``origin``) never uses a proxy.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:  # imported when the first pool is made: plan and apply only
    import aiohttp

LARGE_BODY = 1 << 20
"""Bodies above this (app imports) go through httpx's own transport: aiohttp has no write
timeout, and a peer that stops reading an upload must not hold it for ever (docs/robustness.md).
Such requests are few, so their CPU does not matter."""

# httpx builds every header a request carries; aiohttp must not add its own beside them.
_OWN_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


@functools.lru_cache(maxsize=64)
def _timeout(
    pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """httpx's timeouts as aiohttp's (one object per distinct set, not one per request)."""
    import aiohttp

    # connect: waiting for a pooled connection, then connecting; no write timeout in aiohttp.
    return aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=connect, sock_read=read)


def env_proxy(url: httpx.URL) -> tuple[str | None, dict[str, str] | None]:
    """The proxy the environment names for ``url``'s scheme and host, and its
    ``Proxy-Authorization`` header: ``(None, None)`` when there is none or ``NO_PROXY`` covers
    the host."""
    import yarl
    from aiohttp.helpers import get_env_proxy_for_url

    where = yarl.URL.build(scheme=url.scheme, host=url.host, port=url.port)
    try:
        proxy, auth = get_env_proxy_for_url(where)
    except LookupError:
        return None, None
    return str(proxy), ({"Proxy-Authorization": auth.encode()} if auth else None)


class AiohttpPool(httpx.AsyncBaseTransport):
    """Up to ``connections`` kept-alive connections (0: no cap), opened on first use.

    ``origin`` (``http://127.0.0.1:PORT``) sends every request there instead of to its URL's
    host, the request's own ``Host`` header kept: the served emulator's loopback route
    (:class:`~qlikreconcile.qlik.transport.LoopbackTransport`), without rebuilding each URL.
    ``verify`` makes the TLS context, called only when one is needed (loading the CA bundle
    takes tens of milliseconds, and a plain-http origin never needs it).
    """

    def __init__(
        self,
        *,
        connections: int,
        verify: Callable[[], ssl.SSLContext],
        origin: str | None = None,
    ) -> None:
        self._connections = connections
        self._verify = verify
        self._origin = origin
        self._session: aiohttp.ClientSession | None = None
        self._uploads: httpx.AsyncBaseTransport | None = None
        self._proxy: str | None = None
        self._proxy_headers: dict[str, str] | None = None

    def _open(self, url: httpx.URL) -> aiohttp.ClientSession:
        import aiohttp

        if self._session is None:
            if self._origin is None:
                self._proxy, self._proxy_headers = env_proxy(url)
            plain = self._origin is not None and self._origin.startswith("http:")
            connector = aiohttp.TCPConnector(
                limit=self._connections, limit_per_host=0, ssl=False if plain else self._verify()
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                skip_auto_headers=_OWN_HEADERS,
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies, if any
            )
        return self._session

    async def _large(self, request: httpx.Request) -> httpx.Response:
        """An upload through httpx's own transport, whose write timeout aiohttp lacks."""
        if self._uploads is None:
            limits = httpx.Limits(max_connections=2, max_keepalive_connections=0)
            proxy = None
            if self._origin is None:
                found, headers = env_proxy(request.url)
                proxy = httpx.Proxy(found, headers=headers) if found else None
            self._uploads = httpx.AsyncHTTPTransport(
                verify=self._verify(), limits=limits, proxy=proxy
            )
        original = request.url
        if self._origin:
            request.url = httpx.URL(self._origin + original.raw_path.decode("ascii"))
        try:
            return await self._uploads.handle_async_request(request)
        finally:
            request.url = original

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        body = await request.aread()
        if len(body) > LARGE_BODY:
            return await self._large(request)
        session = self._open(request.url)
        phases = request.extensions.get("timeout") or {}
        timeout = _timeout(phases.get("pool"), phases.get("connect"), phases.get("read"))
        url = request.url
        target = self._origin + url.raw_path.decode("ascii") if self._origin else str(url)
        try:
            async with session.request(
                request.method,
                target,
                headers=list(request.headers.multi_items()),
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
                proxy=self._proxy,
                proxy_headers=self._proxy_headers,
            ) as answer:
                response = httpx.Response(
                    answer.status,
                    headers=answer.raw_headers,
                    stream=httpx.ByteStream(await answer.read()),
                    extensions={"http_version": b"HTTP/1.1"},
                )
                # Read here, at once (a stream, not content=, so httpx adds no header of its
                # own): httpx's client then has nothing left to read through its async layers.
                response.read()
                return response
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except aiohttp.SocketTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientHttpProxyError as exc:  # the proxy refused: as httpx's client
            raise httpx.ProxyError(str(exc), request=request) from exc
        except aiohttp.ClientConnectorError as exc:  # refused, DNS, TLS: nothing was sent
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except aiohttp.ClientResponseError as exc:  # an answer aiohttp could not parse
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:  # reset and other socket errors mid-request
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out", request=request) from exc

    async def aclose(self) -> None:
        if self._uploads is not None:
            uploads, self._uploads = self._uploads, None
            await uploads.aclose()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
