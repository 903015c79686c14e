"""The session's ``httpx.AsyncClient``, without per-request work a Qlik client never needs.

A fleet plan is bound by the client's CPU per request (``bench/README.md``), and httpx's client
does some work on every request whatever it holds. This subclass keeps httpx's API, flow (auth,
timeouts, transports, errors) and results, and skips two pieces of it:

* the cookie jar sees only answers that set a cookie: for any other answer httpx builds ``urllib``
  request and response stand-ins only to find no ``Set-Cookie`` (Qlik's REST API authenticates
  with bearer tokens; a cookie a server does set is still kept and sent back as before);
* a request without a body (GET, HEAD, DELETE: nearly every request of a plan) to an absolute
  URL is built with its headers in their final order at once, instead of through httpx's general
  path (URL merge, header merges and copies, body encoding, then the ``Host`` header inserted and
  every header normalised again). It carries the same headers, in the same order, and the same
  timeout: ``tests/qlik/test_httpx_client.py`` compares the two.

:func:`url_on` makes the URL of a path on a host without parsing it again (httpx's parser checks
every character of every URL: tens of microseconds per request); it is used only for paths and
queries made of characters the parser would keep as they are, and checks once per process that
the result equals what the parser makes, else it parses.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import httpx
from httpx._client import USE_CLIENT_DEFAULT, UseClientDefault
from httpx._types import (
    CookieTypes,
    HeaderTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    TimeoutTypes,
    URLTypes,
)

_BODILESS = frozenset({"GET", "HEAD", "DELETE"})
_NO_BODY = httpx.ByteStream(b"")  # immutable: one for every request without a body


# What httpx's parser keeps unchanged in a path / a query (urlencode's output: its %XX too).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_PLAIN_QUERY = re.compile(r"(?:[A-Za-z0-9._~=&+-]|%[0-9A-F]{2})*")


def url_on(origin: httpx.URL, path: str, query: str = "") -> httpx.URL:
    """``origin`` (``https://HOST``) with ``path`` and ``query`` (already encoded), as
    ``httpx.URL(f"{origin}{path}?{query}")`` would be, parsed only when it must be."""
    plain = _PLAIN_PATH.fullmatch(path) and "/." not in path  # the parser drops dot segments
    if plain and _PLAIN_QUERY.fullmatch(query) and _reuse_parse_result():
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = origin._uri_reference._replace(path=path, query=query or None)
        return url
    return httpx.URL(f"{origin}{path}?{query}" if query else f"{origin}{path}")


@functools.cache
def _reuse_parse_result() -> bool:
    """Whether this httpx's URL is what :func:`url_on` expects (checked once per process)."""
    origin = httpx.URL("https://acme.eu.qlikcloud.com:8443")
    try:
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = origin._uri_reference._replace(path="/a/b-c_d.e~", query="x=1&y=a+b")
        parsed = httpx.URL("https://acme.eu.qlikcloud.com:8443/a/b-c_d.e~?x=1&y=a+b")
        return url == parsed and str(url) == str(parsed) and url.raw_path == parsed.raw_path
    except Exception:  # another httpx: parse every URL, as before
        return False


class _SetCookieOnly(httpx.Cookies):
    """httpx's cookie jar, consulted only for answers that set a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class LeanAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` with a leaner path for the requests a Qlik client sends most."""

    def __init__(self, *, cookies: CookieTypes | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lean_cookies: httpx.Cookies = _SetCookieOnly(cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._lean_cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._lean_cookies = _SetCookieOnly(cookies)

    def build_request(
        self,
        method: str,
        url: URLTypes,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> httpx.Request:
        lean = (
            method in _BODILESS
            and isinstance(url, httpx.URL)
            and url.is_absolute_url
            and content is None
            and data is None
            and files is None
            and json is None
            and params is None
            and not headers
            and cookies is None
            and isinstance(timeout, UseClientDefault)
            and extensions is None
            and not self.params
            and not self._lean_cookies
        )
        if not lean:
            return super().build_request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                timeout=timeout,
                extensions=extensions,
            )
        assert isinstance(url, httpx.URL)
        # httpx's own order: Host first, then the client's headers (the request has none).
        raw = [(b"Host", url.netloc), *self.headers.raw]
        return httpx.Request(
            method,
            url,
            headers=raw,
            stream=_NO_BODY,
            extensions={"timeout": self.timeout.as_dict()},
        )
