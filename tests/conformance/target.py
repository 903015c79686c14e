"""Where the conformance run goes: the emulator in-process, or a real Qlik Cloud tenant.

:class:`Run` records every response (for validation against the OpenAPI data) and collects
status mismatches as problems instead of stopping at the first, so a run against a real tenant
reports every assumption that does not hold.

Live mode needs ``QLIKRECONCILE_LIVE_HOST`` (``tenant.region.qlikcloud.com``),
``QLIKRECONCILE_LIVE_CLIENT_ID`` and ``QLIKRECONCILE_LIVE_CLIENT_SECRET`` (an OAuth M2M client
with TenantAdmin rights). It creates objects named ``qlikreconcile-conformance-*`` and deletes
them again; tenant creation and deactivation (register host) run against the emulator only.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from qlikreconcile.qlik import versions
from tests.conformance.openapi import Recorded

ENV_HOST = "QLIKRECONCILE_LIVE_HOST"
ENV_CLIENT_ID = "QLIKRECONCILE_LIVE_CLIENT_ID"
ENV_CLIENT_SECRET = "QLIKRECONCILE_LIVE_CLIENT_SECRET"
LIVE_ENV = (ENV_HOST, ENV_CLIENT_ID, ENV_CLIENT_SECRET)


def live_settings() -> tuple[str, str, str] | None:
    values = [os.environ.get(name, "").strip() for name in LIVE_ENV]
    if not all(values):
        return None
    host = values[0].removeprefix("https://").rstrip("/")
    return host, values[1], values[2]


@dataclass
class Target:
    """A place to run against. ``advance`` moves the emulator's clock or sleeps (live)."""

    name: str
    live: bool
    tenant_host: str
    register_host: str | None
    client_id: str
    client_secret: str
    transport: httpx.AsyncBaseTransport | None
    advance: Callable[[float], Awaitable[None]]
    prefix: str = "qlikreconcile-conformance"


def live_target() -> Target:
    settings = live_settings()
    assert settings is not None
    host, client_id, secret = settings
    return Target(
        name="live",
        live=True,
        tenant_host=host,
        register_host=None,
        client_id=client_id,
        client_secret=secret,
        transport=None,
        advance=asyncio.sleep,
        prefix=f"qlikreconcile-conformance-{secrets.token_hex(3)}",
    )


@dataclass
class Run:
    """One scripted run: clients per host, recorded exchanges, collected problems."""

    target: Target
    records: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    cleanup: list[tuple[str, str, str]] = field(default_factory=list)  # (host, method, path)

    def name(self, label: str) -> str:
        return f"{self.target.prefix}-{label}"

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        path = response.request.url.path
        if path.startswith("/_emulator"):
            return
        content_type = response.headers.get("content-type", "")
        body: Any = None
        if content_type.startswith("application/json") and response.content:
            body = response.json()
        self.records.append(
            Recorded(
                method=response.request.method,
                path=path,
                status=response.status_code,
                content_type=content_type,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                size=len(response.content),
            )
        )

    def client(self, host: str | None = None, *, token: str | None = None) -> httpx.AsyncClient:
        """A recording client for ``host`` (default: the tenant), with ``token`` if given."""
        kwargs: dict[str, Any] = {}
        if self.target.transport is not None:
            kwargs["transport"] = self.target.transport
        client = httpx.AsyncClient(
            base_url=f"https://{host or self.target.tenant_host}",
            headers={versions.HEADER: versions.DEFAULT_API_VERSION},
            event_hooks={"response": [self._record]},
            timeout=60.0,
            **kwargs,
        )
        if token:
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    def credentials(self, **extra: str) -> dict[str, str]:
        return {
            "client_id": self.target.client_id,
            "client_secret": self.target.client_secret,
            "grant_type": "client_credentials",
            **extra,
        }

    async def token(self, host: str | None = None) -> str:
        host = host or self.target.tenant_host
        if host not in self.tokens:
            async with self.client(host) as c:
                r = self.expect(await c.post("/oauth/token", json=self.credentials()), 200)
                self.tokens[host] = str(r.json()["access_token"])
        return self.tokens[host]

    async def authed(self, host: str | None = None) -> httpx.AsyncClient:
        return self.client(host, token=await self.token(host))

    def expect(self, response: httpx.Response, *statuses: int) -> httpx.Response:
        """Note a problem unless the status is one of ``statuses``; return the response."""
        if response.status_code not in statuses:
            request = response.request
            self.problems.append(
                f"{request.method} {request.url.path}?{request.url.query.decode()} -> "
                f"{response.status_code}, expected {'/'.join(map(str, statuses))}: "
                f"{response.text[:300]}"
            )
        return response

    def later(self, method: str, path: str, host: str | None = None) -> None:
        """Register a cleanup call (run in reverse order at the end, statuses not checked)."""
        self.cleanup.append((host or self.target.tenant_host, method, path))

    async def run_cleanup(self) -> None:
        while self.cleanup:
            host, method, path = self.cleanup.pop()
            async with self.client(host, token=await self.token(host)) as c:
                await c.request(method, path)

    async def wait_reload(self, c: httpx.AsyncClient, reload_id: str) -> dict[str, Any]:
        """Poll a reload until it ends (advancing the emulator's clock, or sleeping live)."""
        for _ in range(150):
            body: dict[str, Any] = (await c.get(f"/api/v1/reloads/{reload_id}")).json()
            if body.get("status") in ("SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"):
                return body
            await self.target.advance(2.0)
        self.problems.append(f"reload {reload_id} did not finish")
        return {}
