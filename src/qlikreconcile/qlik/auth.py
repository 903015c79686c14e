"""OAuth2 client credentials for Qlik Cloud, as an httpx ``Auth`` (doc §1).

One OAuth client (regional or organisation-level for OEM fleets) is exchanged for a separate
access token at each host it talks to: the source tenant, ``register.<region>.qlikcloud.com`` and
every customer tenant. Tokens are therefore cached per ``(host, client_id)``:

* :class:`TokenCache` holds them, knows when each expires (the field precedence lives in
  :func:`qlikreconcile.qlik.quirks.token_expiry`), and serialises fetches per host so a thousand
  concurrent calls to a new tenant cause one token request;
* :class:`ClientCredentialsAuth` asks the request's own host for a token (``POST /oauth/token``,
  JSON body), adds ``Authorization: Bearer``, and on a 401 drops the token and retries once.

Token requests travel through the same client and transport as API calls, so the emulator and a
served emulator see them too. Secrets and tokens are registered with :mod:`.redact`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from qlikreconcile.qlik import quirks, redact, versions
from qlikreconcile.qlik.api_errors import error_from_response

logger = logging.getLogger(__name__)

_MAX_REFRESH_MARGIN = 300.0  # refresh up to 5 minutes early ...
_REFRESH_FRACTION = 0.1  # ... but never earlier than 10% of the token's lifetime


@dataclass(frozen=True)
class Credentials:
    """An OAuth client's id and secret; the secret never shows in ``repr`` or ``str``."""

    client_id: str
    client_secret: SecretStr

    def __post_init__(self) -> None:
        redact.register_secret(self.client_secret.get_secret_value())


@dataclass(frozen=True)
class Token:
    """An access token and the epoch seconds at which it was issued and expires."""

    value: str
    issued_at: float
    expires_at: float

    def __repr__(self) -> str:
        return f"Token(value='{redact.MASK}', expires_at={self.expires_at})"

    def fresh(self, now: float) -> bool:
        """Still usable at ``now``, with a safety margin before expiry."""
        lifetime = max(0.0, self.expires_at - self.issued_at)
        margin = min(_MAX_REFRESH_MARGIN, _REFRESH_FRACTION * lifetime)
        return now < self.expires_at - margin


class TokenCache:
    """Access tokens per ``(host, client_id)``, with one in-flight fetch per key.

    ``clock`` returns epoch seconds (injected so tests can move time).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], Token] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def now(self) -> float:
        """The injected clock's current time."""
        return self._clock()

    def get(self, host: str, client_id: str) -> Token | None:
        """The cached token if it is still fresh, else ``None``."""
        token = self._tokens.get((host, client_id))
        return token if token is not None and token.fresh(self._clock()) else None

    def lock(self, host: str, client_id: str) -> asyncio.Lock:
        """The lock that serialises token fetches for one key."""
        return self._locks.setdefault((host, client_id), asyncio.Lock())

    def store(self, host: str, client_id: str, token: Token) -> None:
        """Remember ``token`` for the key, replacing (and un-registering) any older one."""
        old = self._tokens.get((host, client_id))
        if old is not None and old.value != token.value:
            redact.unregister_secret(old.value)
        redact.register_secret(token.value)
        self._tokens[(host, client_id)] = token

    def invalidate(self, host: str, client_id: str, value: str | None = None) -> None:
        """Forget the key's token (only if it still is ``value``, when given)."""
        token = self._tokens.get((host, client_id))
        if token is not None and (value is None or token.value == value):
            del self._tokens[(host, client_id)]

    def hosts(self) -> list[str]:
        """Hosts that currently hold a token (for reports and tests)."""
        return sorted({host for host, _ in self._tokens})


def _host_key(url: httpx.URL) -> str:
    return url.netloc.decode("ascii").lower()


class ClientCredentialsAuth(httpx.Auth):
    """Bearer tokens from ``https://{request host}/oauth/token`` (client-credentials grant)."""

    def __init__(self, credentials: Credentials, cache: TokenCache | None = None) -> None:
        self.credentials = credentials
        self.cache = cache if cache is not None else TokenCache()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:  # pragma: no cover
        raise RuntimeError("ClientCredentialsAuth is async only; use httpx.AsyncClient")

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        # The token call carries the API version of the call it authenticates, like every other.
        version = request.headers.get(versions.HEADER)
        return httpx.Request(
            "POST",
            request.url.copy_with(path=quirks.TOKEN_PATH, query=None, fragment=None),
            headers={versions.HEADER: version} if version else None,
            json={
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret.get_secret_value(),
                "grant_type": "client_credentials",
            },
        )

    def _read_token(self, request: httpx.Request, response: httpx.Response) -> Token:
        url = str(request.url)
        if response.status_code != 200:
            raise error_from_response(response, method="POST", url=url)
        try:
            body = response.json()
        except ValueError:
            body = None
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise error_from_response(response, method="POST", url=url)
        now = self.cache.now()
        return Token(value=value, issued_at=now, expires_at=quirks.token_expiry(body, now=now))

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        host = _host_key(request.url)
        client_id = self.credentials.client_id
        stale: str | None = None
        for attempt in range(2):
            token = self.cache.get(host, client_id)
            if token is None or token.value == stale:
                async with self.cache.lock(host, client_id):
                    token = self.cache.get(host, client_id)  # another task may have fetched it
                    if token is None or token.value == stale:
                        token_request = self._token_request(request)
                        logger.debug("fetching access token from %s", token_request.url)
                        token_response = yield token_request
                        await token_response.aread()
                        token = self._read_token(token_request, token_response)
                        self.cache.store(host, client_id, token)
            request.headers["Authorization"] = f"Bearer {token.value}"
            response = yield request
            if response.status_code != 401 or attempt == 1:
                return
            logger.info("access token for %s rejected (401); fetching a new one", host)
            self.cache.invalidate(host, client_id, token.value)
            stale = token.value
