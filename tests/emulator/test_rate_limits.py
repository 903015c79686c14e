"""Opt-in rate limits per (host, user, tier) with Retry-After."""

from __future__ import annotations

from qlikreconcile.emulator.rate_limits import tier_for
from tests.emulator.conftest import make_emu


def test_tier_table() -> None:
    assert tier_for("GET", "/api/v1/spaces") == "1"
    assert tier_for("PATCH", "/api/v1/spaces/{spaceId}") == "2"
    assert tier_for("POST", "/api/v1/reloads") == "reloads"


async def test_tier2_limit_answers_429_with_retry_after() -> None:
    emu = make_emu(rate_limits=True)
    async with await emu.authed() as c:
        space = (await c.post("/api/v1/spaces", json={"name": "RL", "type": "shared"})).json()
        url = f"/api/v1/spaces/{space['id']}"
        for _ in range(99):
            r = await c.put(url, json={"description": "x"})
            assert r.status_code == 200
        r = await c.put(url, json={"description": "x"})
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "60"
        assert r.json()["errors"][0]["code"] == "HTTP-429"
        assert (await c.get(url)).status_code == 200  # tier 1 is a separate budget
        emu.clock.advance(61)
        assert (await c.put(url, json={"description": "y"})).status_code == 200


async def test_off_by_default() -> None:
    emu = make_emu()
    async with await emu.authed() as c:
        app_id = (await c.post("/api/v1/apps", json={})).json()["attributes"]["id"]
        for _ in range(60):
            r = await c.post("/api/v1/reloads", json={"appId": app_id})
            assert r.status_code == 201
            emu.clock.advance(1)
