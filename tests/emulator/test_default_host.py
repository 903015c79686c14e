"""Any client works: non-Qlik Host headers reach the default tenant; OAuth discovery and revoke."""

from __future__ import annotations

import base64

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.emulator.config import ENV_DEFAULT_HOST, EmulatorConfig
from tests.emulator.conftest import Emu, make_emu


async def _token(client: httpx.AsyncClient, config: EmulatorConfig) -> str:
    r = await client.post(
        "/oauth/token",
        json={
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "grant_type": "client_credentials",
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost", "[::1]:8080", "10.0.0.7", "emu"])
async def test_non_qlik_hosts_reach_the_source_tenant(emu: Emu, host: str) -> None:
    async with httpx.AsyncClient(transport=emu.transport, base_url=f"http://{host}") as c:
        token = await _token(c, emu.config)
        c.headers["Authorization"] = f"Bearer {token}"
        me = await c.get("/api/v1/tenants/me")
        tenant = (await c.get(me.headers["Location"])).json()
        assert tenant["hostnames"] == [SOURCE_HOST]
        spaces = (await c.get("/api/v1/spaces")).json()
        # Links point back where the client came from.
        assert spaces["links"]["self"]["href"].startswith(f"http://{host}/api/v1/spaces")
    # The token belongs to the source tenant's host, so it also works there.
    async with emu.client() as c:
        r = await c.get("/api/v1/spaces", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200


async def test_default_host_can_point_at_another_tenant(emu: Emu) -> None:
    async with await emu.authed() as source:
        lic = (await source.get("/api/v1/licenses/overview")).json()
    register = "register.eu.qlikcloud.com"
    async with await emu.authed(register) as reg:
        created = await reg.post("/api/v1/tenants", json={"licenseKey": lic["licenseKey"]})
        assert created.status_code == 201
        own = created.json()["hostnames"][0]
    async with await emu.authed(own) as tenant_client:
        alias = [{"op": "replace", "path": "/hostnames/1", "value": "acme.eu.qlikcloud.com"}]
        path = f"/api/v1/tenants/{created.json()['id']}"
        assert (await tenant_client.patch(path, json=alias)).status_code == 204
    emu.config.default_host = "acme.eu.qlikcloud.com"
    async with httpx.AsyncClient(transport=emu.transport, base_url="http://127.0.0.1:1") as c:
        c.headers["Authorization"] = f"Bearer {await _token(c, emu.config)}"
        me = await c.get("/api/v1/tenants/me")
        tenant = (await c.get(me.headers["Location"])).json()
        assert tenant["hostnames"] == [own, "acme.eu.qlikcloud.com"]
    emu.config.default_host = "gone.eu.qlikcloud.com"
    async with httpx.AsyncClient(transport=emu.transport, base_url="http://127.0.0.1:1") as c:
        assert (await c.post("/oauth/token")).status_code == 404


def test_default_host_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DEFAULT_HOST, "acme.eu.qlikcloud.com")
    assert EmulatorConfig.from_env().default_host == "acme.eu.qlikcloud.com"


async def test_token_request_shapes() -> None:
    emu = make_emu()
    cid, secret = emu.config.client_id, emu.config.client_secret
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    async with emu.client() as c:
        form = {"client_id": cid, "client_secret": secret, "grant_type": "client_credentials"}
        assert (await c.post("/oauth/token", data=form)).status_code == 200
        # qlik-sdk: Basic credentials, grant_type and scope in a JSON body.
        r = await c.post(
            "/oauth/token",
            json={"grant_type": "client_credentials", "scope": "user_default"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200
        assert r.json()["scope"] == "user_default"
        bad = {**form, "client_secret": "nope"}
        r = await c.post("/oauth/token", json=bad)
        assert r.status_code == 401
        assert r.json()["errors"][0]["code"]
        r = await c.post("/oauth/token", json={**form, "grant_type": "password"})
        assert r.status_code == 400


async def test_discovery_revoke_and_csrf(emu: Emu) -> None:
    async with emu.client() as c:
        meta = (await c.get("/.well-known/oauth-authorization-server")).json()
        assert meta["token_endpoint"] == f"https://{SOURCE_HOST}/oauth/token"
        assert "client_credentials" in meta["grant_types_supported"]
        token = await _token(c, emu.config)
        auth = {"Authorization": f"Bearer {token}"}
        csrf = await c.get("/api/v1/csrf-token", headers=auth)
        assert csrf.status_code == 204
        assert csrf.headers["qlik-csrf-token"]
        revoke = await c.post(
            "/oauth/revoke", json={"token": token, "token_type_hint": "access_token"}
        )
        assert revoke.status_code == 200
        assert (await c.get("/api/v1/spaces", headers=auth)).status_code == 401
        assert (await c.post("/oauth/revoke", json={})).status_code == 400
