"""The session's ``httpx.AsyncClient``, without per-response work a Qlik client never needs.

A fleet plan is bound by the client's CPU per request (``bench/README.md``), and httpx's client
does some work on every response whatever it holds: it hands each one to its cookie jar, which
builds ``urllib`` request and response stand-ins to look for ``Set-Cookie``. Qlik's REST API
authenticates with bearer tokens and sets no cookie the client needs, but a cookie a server does
set is still kept: the jar is only skipped for an answer without ``Set-Cookie``.
"""

from __future__ import annotations

from typing import Any

import httpx
from httpx._types import CookieTypes


class _SetCookieOnly(httpx.Cookies):
    """httpx's cookie jar, consulted only for answers that set a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class LeanAsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose cookie jar looks only at answers with ``Set-Cookie``."""

    def __init__(self, *, cookies: CookieTypes | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lean_cookies: httpx.Cookies = _SetCookieOnly(cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._lean_cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._lean_cookies = _SetCookieOnly(cookies)
