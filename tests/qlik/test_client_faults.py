"""The client against the emulator's injected faults: what is retried, what is not, and the caps."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import httpx
import pytest
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import ApiError, RateLimitError, TransportError
from qlikreconcile.qlik import Credentials, QlikSession, RetryPolicy, asgi_transport
from qlikreconcile.qlik.session import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from conftest import Emulator


def test_timeouts_are_explicit_for_every_phase() -> None:
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read) == (10.0, 60.0)
    assert (DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool) == (60.0, 30.0)


@pytest.mark.parametrize("fault", ["reset", "drop", "500-before", "500-after", "429"])
async def test_reads_are_retried_through_every_fault(emulator: Emulator, fault: str) -> None:
    async with emulator.session() as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await emulator.admin(
            "POST", "/_emulator/faults", json={"once": {"GET /api/v1/items": fault}}
        )
        await source.get_json("/api/v1/items")
        assert session.stats.retries == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [("reset", TransportError), ("drop", TransportError), ("500-after", ApiError)],
)
async def test_creates_are_never_repeated_blindly(
    emulator: Emulator, fault: str, error: type[Exception]
) -> None:
    async with emulator.session() as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await emulator.clear_requests()
        faults = {"once": {"POST /api/v1/spaces": fault}}
        await emulator.admin("POST", "/_emulator/faults", json=faults)
        with pytest.raises(error):
            await source.post_json("/api/v1/spaces", {"name": "once", "type": "shared"})
        posts = [r for r in await emulator.requests() if r["method"] == "POST"]
        assert len(posts) == 1
        assert session.stats.retries == 0


async def test_a_429_is_retried_even_for_a_create(emulator: Emulator) -> None:
    async with emulator.session() as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        faults = {"once": {"POST /api/v1/spaces": "429"}, "retry-after": 2}
        await emulator.admin("POST", "/_emulator/faults", json=faults)
        await source.post_json("/api/v1/spaces", {"name": "after 429", "type": "shared"})
        assert session.stats.rate_limited == 1


async def test_attempts_are_capped(emulator: Emulator) -> None:
    async with emulator.session(max_retries=3) as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await emulator.clear_requests()
        await emulator.admin("POST", "/_emulator/faults", json={"500": 1.0})
        with pytest.raises(ApiError) as caught:
            await source.get_json("/api/v1/items")
        assert caught.value.status == 500
        assert len(await emulator.requests()) == 4


async def test_total_time_is_capped(emulator: Emulator) -> None:
    policy = RetryPolicy(max_retries=50, max_total=20.0, sleep=emulator.sleep, rng=random.Random(1))
    credentials = Credentials(
        client_id=emulator.config.client_id,
        client_secret=SecretStr(emulator.config.client_secret),
    )
    async with QlikSession(
        credentials=credentials,
        transport=asgi_transport(emulator.app),
        clock=emulator.clock,
        retry_policy=policy,
    ) as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await emulator.admin("POST", "/_emulator/faults", json={"429": 1.0, "retry-after": 6})
        with pytest.raises(RateLimitError):
            await source.get_json("/api/v1/items")
        assert session.stats.retries <= 3
        assert sum(emulator.sleeps) <= 20.0 + 6.0


async def test_a_dropped_connection_becomes_a_network_error(emulator: Emulator) -> None:
    async with httpx.AsyncClient(transport=asgi_transport(emulator.app)) as plain:
        await emulator.admin("POST", "/_emulator/faults", json={"reset": 1.0})
        with pytest.raises(httpx.ReadError):
            await plain.get(f"https://{SOURCE_HOST}/api/v1/spaces")
        await emulator.admin("POST", "/_emulator/faults", json={"drop": 1.0})
        with pytest.raises(httpx.RemoteProtocolError):
            await plain.get(f"https://{SOURCE_HOST}/api/v1/spaces")
