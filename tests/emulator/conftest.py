"""Fixtures for driving the emulator in-process through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app

START = 1_750_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Emu:
    """One emulator plus a shared ASGI transport; ``client(host)`` gives a client for a host."""

    app: Any
    clock: FakeClock
    config: EmulatorConfig
    transport: httpx.ASGITransport

    def client(self, host: str = SOURCE_HOST) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url=f"https://{host}")

    async def token(self, host: str = SOURCE_HOST) -> str:
        async with self.client(host) as c:
            r = await c.post(
                "/oauth/token",
                json={
                    "client_id": self.config.client_id,
                    "client_secret": self.config.client_secret,
                    "grant_type": "client_credentials",
                },
            )
            assert r.status_code == 200, r.text
            return str(r.json()["access_token"])

    async def authed(self, host: str = SOURCE_HOST) -> httpx.AsyncClient:
        client = self.client(host)
        client.headers["Authorization"] = f"Bearer {await self.token(host)}"
        return client


def make_emu(**overrides: Any) -> Emu:
    clock = FakeClock()
    state_file = overrides.pop("state_file", None)
    config = EmulatorConfig(clock=clock, **overrides)
    app = create_app(state_file=state_file, config=config)
    return Emu(app, clock, config, httpx.ASGITransport(app=app))


@pytest.fixture
def emu() -> Emu:
    return make_emu()


@pytest.fixture
async def source(emu: Emu) -> AsyncIterator[httpx.AsyncClient]:
    client = await emu.authed()
    async with client:
        yield client
