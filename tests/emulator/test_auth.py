"""OAuth client credentials, host scoping, unknown hosts, disabled tenants."""

from __future__ import annotations

import base64

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST, Quirks
from tests.emulator.conftest import Emu, make_emu

CREDS = {"client_id": "emulator-client", "client_secret": "emulator-secret"}


async def test_api_without_token_is_401(emu: Emu) -> None:
    async with emu.client() as c:
        r = await c.get("/api/v1/spaces")
        assert r.status_code == 401
        assert r.json()["errors"][0]["code"] == "HTTP-401"
        r = await c.get("/api/v1/spaces", headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401


async def test_token_json_form_and_basic(emu: Emu) -> None:
    async with emu.client() as c:
        r = await c.post("/oauth/token", json={**CREDS, "grant_type": "client_credentials"})
        body = r.json()
        assert r.status_code == 200
        assert body["token_type"] == "bearer"
        assert body["expires_at"].endswith("Z")
        assert "expires_in" not in body
        r = await c.post("/oauth/token", data={**CREDS, "grant_type": "client_credentials"})
        assert r.status_code == 200
        basic = base64.b64encode(b"emulator-client:emulator-secret").decode()
        r = await c.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200
        r = await c.post(
            "/oauth/token", json={**CREDS, "client_secret": "x", "grant_type": "client_credentials"}
        )
        assert r.status_code == 401
        assert r.json()["errors"][0]["title"] == "Invalid client credentials"
        r = await c.post("/oauth/token", json={**CREDS, "grant_type": "password"})
        assert r.status_code == 400


async def test_expires_in_quirk_switch() -> None:
    emu = make_emu(quirks=Quirks(token_includes_expires_in=True))
    async with emu.client() as c:
        r = await c.post("/oauth/token", json={**CREDS, "grant_type": "client_credentials"})
        assert r.json()["expires_in"] == 21600


async def test_tokens_are_scoped_to_their_host(emu: Emu) -> None:
    token = await emu.token("register.eu.qlikcloud.com")
    async with emu.client() as c:
        r = await c.get("/api/v1/spaces", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


async def test_token_expiry(emu: Emu, source: httpx.AsyncClient) -> None:
    assert (await source.get("/api/v1/spaces")).status_code == 200
    emu.clock.advance(21600)
    assert (await source.get("/api/v1/spaces")).status_code == 401


async def test_expired_tokens_leave_the_state(emu: Emu) -> None:
    first = await emu.token()
    emu.clock.advance(3600)
    second = await emu.token()
    emu.clock.advance(21600 - 3600)  # the first has expired, the second not yet
    third = await emu.token()
    async with emu.client() as c:
        kept = set((await c.get("/_emulator/state")).json()["tokens"])
    assert kept == {second, third}, first
    emu.clock.advance(21600)
    fourth = await emu.token()
    async with emu.client() as c:
        assert set((await c.get("/_emulator/state")).json()["tokens"]) == {fourth}


@pytest.mark.parametrize("host", ["nobody.eu.qlikcloud.com", "qlikcloud.com", "x.qlikcloud.com"])
async def test_unknown_host_is_404_everywhere(emu: Emu, host: str) -> None:
    async with emu.client(host) as c:
        for method, path in [("POST", "/oauth/token"), ("GET", "/api/v1/spaces"), ("GET", "/x")]:
            r = await c.request(method, path)
            assert r.status_code == 404
            assert r.json()["errors"][0]["code"] == "HTTP-404"


async def test_users_me_and_roles(source: httpx.AsyncClient) -> None:
    r = await source.get("/api/v1/users/me")
    assert r.status_code == 301
    user = (await source.get(r.headers["Location"])).json()
    assert user["name"] == "emulator-client (bot)"
    roles = (await source.get("/api/v1/roles")).json()["data"]
    assert "TenantAdmin" in {x["name"] for x in roles}
    me = await source.get("/api/v1/tenants/me")
    assert me.status_code == 302
    tenant = (await source.get(me.headers["Location"])).json()
    assert tenant["hostnames"] == [SOURCE_HOST]


async def test_unknown_route_and_method(source: httpx.AsyncClient) -> None:
    r = await source.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == "HTTP-404"
    r = await source.delete("/api/v1/spaces")
    assert r.status_code == 405


async def test_malformed_json_is_400(source: httpx.AsyncClient) -> None:
    r = await source.post(
        "/api/v1/spaces", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "HTTP-400"
