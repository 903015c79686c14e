"""Rate limits per (host, tier): Qlik's numbers over a 5-minute window, and a tier-wide pause
after a 429, so a fleet-wide apply waits instead of storming."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import RateLimitError
from qlikreconcile.qlik.ratelimit import TIER_PER_MINUTE, WINDOW_SECONDS, RateLimiter, tier_for

if TYPE_CHECKING:
    from conftest import Emulator

OTHER = "register.eu.qlikcloud.com"


@pytest.mark.parametrize(
    ("method", "path", "tier"),
    [
        ("GET", "/api/v1/spaces", "1"),
        ("GET", "/api/v1/reloads", "1"),
        ("HEAD", "/api/v1/apps/x", "1"),
        ("POST", "/api/v1/reloads", "reloads"),
        ("POST", "/api/v1/reloads/abc/actions/cancel", "reloads"),
        ("POST", "/api/v1/groups/actions/filter", "filter"),
        ("POST", "/api/v1/apps/import", "2"),
        ("POST", "/api/v1/apps/abc/publish", "2"),
        ("PUT", "/api/v1/apps/abc/publish", "2"),
        ("PATCH", "/api/v1/spaces/abc", "2"),
        ("DELETE", "/api/v1/apps/abc", "2"),
        ("POST", "/oauth/token", "2"),
        ("post", "/api/v1/reloads/", "reloads"),
    ],
)
def test_tier_table(method: str, path: str, tier: str) -> None:
    assert tier_for(method, path) == tier


def test_numbers_are_qliks() -> None:
    assert dict(TIER_PER_MINUTE) == {"1": 1000, "2": 100, "reloads": 50, "filter": 200}
    assert WINDOW_SECONDS == 300.0


class Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_burst_of_five_minutes_worth_then_waiting() -> None:
    clock = Time()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(250):  # POST /reloads: 50 a minute, over five minutes
        assert await limiter.acquire("acme", "reloads") == 0.0
        clock.now += 0.1
    assert limiter.wait_seconds("acme", "reloads") == pytest.approx(275.0)
    assert limiter.wait_seconds("acme", "2") == 0.0  # other tiers have their own budget
    assert limiter.wait_seconds("globex", "reloads") == 0.0  # and other hosts
    assert await limiter.acquire("acme", "reloads") == pytest.approx(275.0)
    clock.now += 0.05
    assert limiter.wait_seconds("acme", "reloads") == pytest.approx(0.05)


async def test_pause_holds_back_the_whole_tier_of_one_host() -> None:
    clock = Time()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.pause("acme", "2", 13.0)
    limiter.pause("acme", "2", 2.0)  # a shorter pause never shortens a longer one
    assert limiter.wait_seconds("acme", "2") == 13.0
    assert limiter.wait_seconds("acme", "1") == 0.0
    assert limiter.wait_seconds("globex", "2") == 0.0
    assert await limiter.acquire("acme", "2") == 13.0
    assert clock.slept == [13.0]


async def test_a_429_pauses_the_tier_for_the_next_request(emulator: Emulator) -> None:
    """One real 429 on a host makes its next same-tier request wait; other tiers do not."""
    async with emulator.session(max_retries=0) as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")  # token first
        await emulator.admin("POST", "/_emulator/faults", json={"429": 1.0, "retry-after": 7})
        with pytest.raises(RateLimitError):
            await source.get_json("/api/v1/spaces")
        await emulator.admin("POST", "/_emulator/faults", json={})
        emulator.sleeps.clear()
        await source.post_json("/api/v1/spaces", {"name": "tier two", "type": "shared"})
        assert emulator.sleeps == []  # tier 2 is not paused
        await source.get_json("/api/v1/items")
        assert emulator.sleeps == [pytest.approx(7.0)]  # tier 1 waited out the Retry-After
        assert session.stats.host(SOURCE_HOST).throttled == 1
        assert session.stats.rate_limited == 1


async def test_retry_after_429_is_counted_and_succeeds(emulator: Emulator) -> None:
    async with emulator.session() as session:
        source = session.client(SOURCE_HOST)
        await source.get_json("/api/v1/spaces")
        await emulator.admin(
            "POST",
            "/_emulator/faults",
            json={"once": {"GET /api/v1/spaces": "429"}, "retry-after": 3},
        )
        spaces = await source.get_json("/api/v1/spaces")
        assert spaces["data"]
        assert session.stats.rate_limited == 1
        assert session.stats.retries == 1
        assert sum(emulator.sleeps) >= 3.0
