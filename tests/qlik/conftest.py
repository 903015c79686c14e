"""Fixtures for the client tests: the real emulator in-process, a shared fake clock, no waiting.

Test modules take everything through fixtures (and import :class:`Emulator` for annotations only),
so they work whether or not ``tests/qlik`` is a package.

The emulator and the client share one :class:`FakeClock`; the client's injected ``sleep`` moves
that clock instead of waiting, so ``Retry-After`` and token expiry play out instantly while the
emulator sees the time pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app
from qlikreconcile.qlik import Credentials, QlikClient, QlikSession, asgi_transport

START = 1_750_000_000.0
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret-0f3c9a"  # distinctive, so a leak is unmistakable


class FakeClock:
    """Epoch seconds that only move when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Emulator:
    """One in-process emulator, its clock, and the waits the client asked for."""

    app: Any
    clock: FakeClock
    config: EmulatorConfig
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(seconds)

    def session(self, *, secret: str = CLIENT_SECRET, max_retries: int = 5) -> QlikSession:
        return QlikSession(
            credentials=Credentials(client_id=CLIENT_ID, client_secret=SecretStr(secret)),
            transport=asgi_transport(self.app),
            clock=self.clock,
            sleep=self.sleep,
            max_retries=max_retries,
        )

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call an ``/_emulator`` admin endpoint (no auth) and return its JSON."""
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{SOURCE_HOST}") as c:
            response = await c.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    async def requests(self, *, host: str | None = None) -> list[dict[str, Any]]:
        """The emulator's request log (optionally for one host)."""
        log: list[dict[str, Any]] = (await self.admin("GET", "/_emulator/requests"))["data"]
        return [r for r in log if host is None or r.get("host") == host]

    async def clear_requests(self) -> None:
        await self.admin("DELETE", "/_emulator/requests")


def make_emulator(**overrides: Any) -> Emulator:
    clock = FakeClock()
    config = EmulatorConfig(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=clock, **overrides
    )
    return Emulator(app=create_app(config=config), clock=clock, config=config)


@pytest.fixture
def emulator() -> Emulator:
    return make_emulator()


@pytest.fixture
async def session(emulator: Emulator) -> AsyncIterator[QlikSession]:
    async with emulator.session() as qlik:
        yield qlik


@pytest.fixture
def source(session: QlikSession) -> QlikClient:
    return session.client(SOURCE_HOST)
