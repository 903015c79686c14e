"""Opt-in rate limits per (host, user, tier) with Retry-After."""

from __future__ import annotations

from qlikreconcile.emulator.rate_limits import limit_for, tier_for
from tests.emulator.conftest import make_emu


def test_tier_table() -> None:
    assert tier_for("GET", "/api/v1/spaces") == "1"
    assert tier_for("PATCH", "/api/v1/spaces/{spaceId}") == "2"
    assert tier_for("POST", "/api/v1/reloads") == "special:POST /api/v1/reloads"
    assert limit_for(tier_for("POST", "/api/v1/reloads")) == 50
    assert limit_for(tier_for("POST", "/api/v1/users/actions/filter")) == 200
    assert limit_for("1") == 1000


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


async def test_reload_post_has_its_own_budget_of_50() -> None:
    emu = make_emu(rate_limits=True)
    async with await emu.authed() as c:
        apps = []
        for n in range(51):
            r = await c.post("/api/v1/apps", json={"attributes": {"name": f"A{n}"}})
            apps.append(r.json()["attributes"]["id"])
        for app_id in apps[:50]:
            assert (await c.post("/api/v1/reloads", json={"appId": app_id})).status_code == 201
        r = await c.post("/api/v1/reloads", json={"appId": apps[50]})
        assert r.status_code == 429
        assert r.json()["errors"][0]["code"] == "HTTP-429"
        assert int(r.headers["Retry-After"]) >= 1
        # Tier 2 (app creation) has its own budget: 51 used of 100.
        assert (await c.post("/api/v1/apps", json={})).status_code == 200


async def test_token_endpoint_is_tier_2() -> None:
    emu = make_emu(rate_limits=True)
    body = {
        "client_id": emu.config.client_id,
        "client_secret": emu.config.client_secret,
        "grant_type": "client_credentials",
    }
    async with emu.client() as c:
        for _ in range(100):
            assert (await c.post("/oauth/token", json=body)).status_code == 200
        r = await c.post("/oauth/token", json=body)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "60"
