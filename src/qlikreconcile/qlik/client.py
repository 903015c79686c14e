"""The per-tenant-host REST client: one :class:`QlikClient` talks to one Qlik Cloud host.

Contract for callers (``qlik/kinds``, ``qlik/discover``):

* paths are ``/api/v1/...`` on this host, or absolute ``https://`` URLs **on this host** (pagination
  links, ``Location`` headers); a URL on another host is refused so a token never leaks;
* any status outside ``expected`` raises the typed :class:`~qlikreconcile.errors.ApiError`
  subclass with Qlik's ``code``/``title``/``detail``/``trace_id``; no answer raises
  :class:`~qlikreconcile.errors.TransportError`; exception text never holds tokens or bodies;
* retries follow :mod:`.retry` (idempotent calls on 5xx/timeouts; every call on a real 429);
* every attempt first takes its place in the (host, tier) budget of :mod:`.ratelimit`, and a
  real 429 pauses the whole tier of this host for ``Retry-After``.

Instances are made and cached by :class:`~qlikreconcile.qlik.session.QlikSession`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Collection, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from qlikreconcile.errors import ApiError, EngineError, NotFoundError, TransportError
from qlikreconcile.qlik import quirks
from qlikreconcile.qlik.api_errors import error_from_response, json_or_none, transport_error
from qlikreconcile.qlik.auth import ClientCredentialsAuth
from qlikreconcile.qlik.httpx_client import url_on
from qlikreconcile.qlik.pools import InFlight
from qlikreconcile.qlik.ratelimit import RateLimiter, tier_for
from qlikreconcile.qlik.retry import (
    HostStats,
    RetryPolicy,
    call_with_retry,
    is_idempotent,
)
from qlikreconcile.qlik.versions import DeprecationLog
from qlikreconcile.qlik.websocket import Opener, WebSocket

logger = logging.getLogger(__name__)

Params = Mapping[str, str | int | bool]
DEFAULT_EXPECTED: tuple[int, ...] = (200, 201, 202, 204)
DEFAULT_PAGE_LIMIT = 100
_MAX_REDIRECTS = 5


def _query(params: Params | None) -> dict[str, str | int]:
    # httpx would send True as "true" anyway; be explicit so Qlik always sees lower-case booleans.
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in (params or {}).items()}


class QlikClient:
    """REST calls to one tenant (or register) host, sharing the session's ``httpx.AsyncClient``."""

    def __init__(
        self,
        host: str,
        *,
        http: httpx.AsyncClient,
        policy: RetryPolicy,
        stats: HostStats,
        limiter: RateLimiter | None = None,
        deprecations: DeprecationLog | None = None,
        open_socket: Opener | None = None,
        in_flight: InFlight | None = None,
    ) -> None:
        self.host = host.lower()
        self._origin = httpx.URL(self.base_url)
        self._open_socket = open_socket
        self._deprecations = deprecations
        self._http = http
        self._policy = policy
        self._stats = stats
        self._limiter = limiter
        self._in_flight = in_flight or InFlight()

    def __repr__(self) -> str:
        return f"QlikClient(host={self.host!r})"

    @property
    def base_url(self) -> str:
        """``https://{host}`` — the root every path is resolved against."""
        return f"https://{self.host}"

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of ``path`` (refusing absolute URLs on other hosts)."""
        if path.startswith(("https://", "http://")):
            url = httpx.URL(path)
            if url.netloc.decode("ascii").lower() != self.host:
                raise ValueError(f"{path!r} is not on host {self.host!r}")
            return url.copy_with(scheme="https")
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        return httpx.URL(self.base_url + path)

    def _url_with(self, path: str, params: Params | None) -> httpx.URL:
        """:meth:`url` with ``params`` merged into its query."""
        query = _query(params)
        if "?" not in path and path.startswith("/"):
            # No URL parse per request where none is needed (httpx_client.url_on); the query
            # encoded as httpx encodes one (quote_plus).
            return url_on(self._origin, path, urlencode(query) if query else "")
        url = self.url(path)
        return url.copy_merge_params(query) if query else url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
        timeout_seconds: float | None = None,
    ) -> httpx.Response:
        """Send one logical request (with retries); return the response if its status is expected.

        ``timeout_seconds`` overrides the session's timeout for this call (large imports).
        """
        method = method.upper()
        url = self._url_with(path, params)
        shown = str(url)
        send_headers = dict(headers or {})
        if content is not None and not any(k.lower() == "content-type" for k in send_headers):
            send_headers["Content-Type"] = "application/octet-stream"
        extra: dict[str, Any] = {}
        if timeout_seconds is not None:
            extra["timeout"] = timeout_seconds

        tier = tier_for(method, url.path)

        async def attempt() -> httpx.Response:
            await self._throttle(tier)
            started = time.monotonic()
            try:
                async with self._in_flight:
                    response = await self._http.request(
                        method, url, json=json, content=content, headers=send_headers, **extra
                    )
            except httpx.HTTPError as exc:
                raise transport_error(exc, method=method, url=shown) from exc
            except ApiError as exc:  # raised by the auth flow: the token call failed
                self._note(exc)
                raise
            logger.debug(
                "%s %s -> %d (%.3fs)",
                method,
                shown,
                response.status_code,
                time.monotonic() - started,
            )
            if self._deprecations is not None and "deprecation" in response.headers:
                self._deprecations.note(method, url.path, response.headers)
            if response.status_code not in expected:
                raise self._note(error_from_response(response, method=method, url=shown))
            return response

        return await call_with_retry(
            attempt,
            policy=self._policy,
            method=method,
            url=shown,
            idempotent=is_idempotent(method, idempotent),
            stats=self._stats,
        )

    async def _throttle(self, tier: str) -> None:
        if self._limiter is None:
            return
        waited = await self._limiter.acquire(self.host, tier)
        if waited > 0:
            self._stats.throttled += 1
            self._stats.throttled_seconds += waited

    def _note(self, exc: ApiError) -> ApiError:
        """A real 429 pauses its whole tier on this host for ``Retry-After`` seconds."""
        if self._limiter is not None and quirks.is_rate_limit(exc) and exc.retry_after:
            tier = tier_for(exc.method, httpx.URL(exc.url).path)
            self._limiter.pause(self.host, tier, exc.retry_after)
        return exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        return json_or_none(response, method=method)

    async def get_json(self, path: str, *, params: Params | None = None) -> Any:
        """GET ``path`` and return the decoded JSON body."""
        return await self._json("GET", path, params=params)

    async def post_json(
        self,
        path: str,
        body: Any = None,
        *,
        params: Params | None = None,
        idempotent: bool | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
    ) -> Any:
        """POST a JSON body; return the decoded JSON answer (``None`` when empty)."""
        return await self._json(
            "POST", path, json=body, params=params, idempotent=idempotent, expected=expected
        )

    async def put_json(
        self,
        path: str,
        body: Any = None,
        *,
        params: Params | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
    ) -> Any:
        """PUT a JSON body; return the decoded JSON answer (``None`` when empty, e.g. 204)."""
        return await self._json("PUT", path, json=body, params=params, expected=expected)

    async def patch_json(
        self,
        path: str,
        body: Any,
        *,
        params: Params | None = None,
        idempotent: bool | None = None,
        expected: Collection[int] = DEFAULT_EXPECTED,
    ) -> Any:
        """PATCH with a JSON body (Qlik patch arrays go as ``application/json``).

        Not retried on 5xx/timeouts unless ``idempotent=True`` (an all-``replace`` patch is).
        """
        return await self._json(
            "PATCH", path, json=body, params=params, idempotent=idempotent, expected=expected
        )

    async def delete(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> None:
        """DELETE ``path``; with ``missing_ok`` a 404 counts as already deleted."""
        try:
            await self.request("DELETE", path, params=params, headers=headers)
        except NotFoundError:
            if not missing_ok:
                raise

    async def paginate(
        self, path: str, *, params: Params | None = None, data_key: str = "data"
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a cursor-paginated list, following ``links.next.href``.

        ``limit`` defaults to 100 (the documented maximum of most list endpoints).
        """
        query: dict[str, str | int | bool] = dict(params or {})
        query.setdefault("limit", DEFAULT_PAGE_LIMIT)
        body = await self.get_json(path, params=query)
        seen: set[str] = set()
        while True:
            items = body.get(data_key) if isinstance(body, dict) else None
            for item in items or []:
                yield item
            links = body.get("links") if isinstance(body, dict) else None
            nxt = links.get("next") if isinstance(links, dict) else None
            href = nxt.get("href") if isinstance(nxt, dict) else None
            if not isinstance(href, str) or not href or href in seen:
                return
            seen.add(href)
            body = await self.get_json(href)

    async def get_all(self, path: str, *, params: Params | None = None) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated list (:meth:`paginate`), as one list."""
        return [item async for item in self.paginate(path, params=params)]

    async def _follow(self, response: httpx.Response, *, foreign: bool = False) -> httpx.Response:
        """Follow redirects by hand (httpx does not follow by default).

        Same-host targets get the bearer token; with ``foreign`` an https target on another host
        (a signed storage URL) is fetched *without* credentials, otherwise it is refused.
        """
        expected = (200, *quirks.REDIRECT_STATUSES)
        for _ in range(_MAX_REDIRECTS):
            if response.status_code not in quirks.REDIRECT_STATUSES:
                return response
            target = response.request.url.join(response.headers.get("location", ""))
            if target.netloc.decode("ascii").lower() == self.host or not foreign:
                response = await self.request("GET", str(target), expected=expected)
            else:
                response = await self._get_without_auth(target, expected=expected)
        raise ApiError(
            "too many redirects",
            status=response.status_code,
            method="GET",
            url=str(response.request.url),
        )

    async def _get_without_auth(
        self, url: httpx.URL, *, expected: Collection[int]
    ) -> httpx.Response:
        if url.scheme != "https":
            raise ValueError(f"refusing to follow a redirect to non-https {url.host!r}")
        shown = str(url.copy_with(query=None))  # signed URLs carry their signature in the query

        async def attempt() -> httpx.Response:
            try:
                async with self._in_flight:
                    response = await self._http.request("GET", url, auth=None)
            except httpx.HTTPError as exc:
                raise transport_error(exc, method="GET", url=shown) from exc
            if response.status_code not in expected:
                raise error_from_response(response, method="GET", url=shown)
            return response

        return await call_with_retry(
            attempt,
            policy=self._policy,
            method="GET",
            url=shown,
            idempotent=True,
            stats=self._stats,
        )

    async def get_following_redirect(self, path: str, *, params: Params | None = None) -> Any:
        """GET a redirecting endpoint (``users/me`` 301, ``tenants/me`` 302) and return its JSON."""
        response = await self.request(
            "GET", path, params=params, expected=(200, *quirks.REDIRECT_STATUSES)
        )
        final = await self._follow(response)
        return json_or_none(final, method="GET", url=str(final.request.url))

    async def download(self, location: str) -> bytes:
        """Bytes behind an export ``Location`` (temp-contents), following same-host redirects."""
        target = quirks.resolve_export_location(location)
        response = await self.request("GET", target, expected=(200, *quirks.REDIRECT_STATUSES))
        return (await self._follow(response, foreign=True)).content

    async def fetch_export(
        self, path: str, *, params: Params | None = None, timeout_seconds: float | None = None
    ) -> bytes:
        """POST an export request (e.g. ``/api/v1/apps/{id}/export``) and return the file bytes.

        Accepts each answer variant in :mod:`.quirks`: 201 or 3xx with ``Location``, or 200 with
        the file in the body. Repeating an export is harmless, so it is retried as idempotent.
        """
        expected = (quirks.EXPORT_BODY_STATUS, *quirks.EXPORT_LOCATION_STATUSES)
        response = await self.request(
            "POST",
            path,
            params=params,
            idempotent=True,
            expected=expected,
            timeout_seconds=timeout_seconds,
        )
        location = response.headers.get("location")
        if response.status_code == quirks.EXPORT_BODY_STATUS and not location:
            return response.content
        if not location:
            raise ApiError(
                "export answered without a Location header",
                status=response.status_code,
                method="POST",
                url=str(response.request.url),
            )
        return await self.download(location)

    async def host_exists(self) -> bool:
        """Whether a tenant answers at this host (probes ``GET /api/v1/users/me``).

        ``False`` for the answers :func:`quirks.is_absent_host_error` recognises; other errors
        propagate.
        """
        try:
            await self.get_following_redirect("/api/v1/users/me")
        except (ApiError, TransportError) as exc:
            if quirks.is_absent_host_error(exc):
                return False
            raise
        return True

    async def engine_socket(self, path: str) -> WebSocket:
        """A websocket to the engine at ``path`` (``/app/APPID``) with this host's bearer token.

        The token is the one REST calls use (Qlik accepts an OAuth access token on the engine's
        handshake); when none is cached, one authenticated call fetches it.
        """
        url = self.url(path)
        if self._open_socket is None:
            raise EngineError("this session has no route to the engine", url=str(url))
        token = self._cached_token()
        if token is None:
            await self.get_following_redirect("/api/v1/users/me")
            token = self._cached_token()
        if token is None:
            raise EngineError("no access token for the engine", url=str(url))
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "qlikreconcile"}
        return await self._open_socket(url, headers)

    def _cached_token(self) -> str | None:
        auth = self._http.auth
        if not isinstance(auth, ClientCredentialsAuth):
            return None
        token = auth.cache.get(self.host, auth.credentials.client_id)
        return token.value if token is not None else None
