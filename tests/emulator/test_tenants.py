"""Tenant creation on the register host, licence signatures, patch, deactivate/reactivate."""

from __future__ import annotations

import httpx

from qlikreconcile.emulator import SOURCE_HOST
from tests.emulator.conftest import Emu

REGISTER = "register.eu.qlikcloud.com"


async def _license(source: httpx.AsyncClient) -> str:
    return str((await source.get("/api/v1/licenses/overview")).json()["licenseKey"])


async def test_create_tenant_variants(emu: Emu, source: httpx.AsyncClient) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        assert (await reg.post("/api/v1/tenants", json={})).status_code == 400
        forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
        r = await reg.post("/api/v1/tenants", json={"licenseKey": forged})
        assert r.status_code == 403
        assert r.json()["errors"][0]["status"] == "403"
        generated = await reg.post("/api/v1/tenants", json={"licenseKey": key})
        assert generated.status_code == 201
        assert generated.json()["hostnames"][0].endswith(".eu.qlikcloud.com")
        assert generated.json()["datacenter"] == "eu-west-1"
        r = await reg.post(
            "/api/v1/tenants", json={"licenseKey": key, "hostnames": ["globex.eu.qlikcloud.com"]}
        )
        assert r.status_code == 201
        assert r.json()["name"] == "globex"
        dup = await reg.post(
            "/api/v1/tenants", json={"licenseKey": key, "hostnames": ["globex.eu.qlikcloud.com"]}
        )
        assert dup.status_code == 409
        wrong_region = await reg.post(
            "/api/v1/tenants", json={"licenseKey": key, "hostnames": ["x.us.qlikcloud.com"]}
        )
        assert wrong_region.status_code == 400
        tid = r.json()["id"]
        assert (await reg.get(f"/api/v1/tenants/{tid}")).status_code == 200
    # Tenant creation is a register-host call only.
    assert (await source.post("/api/v1/tenants", json={"licenseKey": key})).status_code == 404


async def test_patch_deactivate_reactivate(emu: Emu, source: httpx.AsyncClient) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        tenant = (
            await reg.post("/api/v1/tenants", json={"licenseKey": key, "name": "initech"})
        ).json()
        host = tenant["hostnames"][0]
        tid = tenant["id"]
        async with await emu.authed(host) as own:
            patch = [
                {"op": "replace", "path": "/name", "value": "Initech Inc"},
                {"op": "replace", "path": "/enableAppOpeningFeedback", "value": True},
            ]
            assert (await own.patch(f"/api/v1/tenants/{tid}", json=patch)).status_code == 204
            got = (await own.get(f"/api/v1/tenants/{tid}")).json()
            assert got["name"] == "Initech Inc"
            assert got["enableAppOpeningFeedback"] is True
            bad = [{"op": "add", "path": "/name", "value": "x"}]
            assert (await own.patch(f"/api/v1/tenants/{tid}", json=bad)).status_code == 400
            url = f"/api/v1/tenants/{tid}/actions/deactivate"
            r = await reg.post(url, headers={"qlik-confirm-hostname": "wrong.eu.qlikcloud.com"})
            assert r.status_code == 412
            r = await reg.post(
                url, headers={"qlik-confirm-hostname": host}, json={"purgeAfterDays": 10}
            )
            assert r.status_code == 200
            assert r.json()["status"] == "disabled"
            assert r.json()["estimatedPurgeDate"]
            assert (await own.get("/api/v1/spaces")).status_code == 403
            async with emu.client(host) as anon:
                r = await anon.post("/oauth/token", json={"grant_type": "client_credentials"})
                assert r.status_code == 403
            url = f"/api/v1/tenants/{tid}/actions/reactivate"
            r = await reg.post(url, headers={"qlik-confirm-hostname": host}, json={})
            assert r.status_code == 200
            assert (await own.get("/api/v1/spaces")).status_code == 200
    # The source tenant cannot see another tenant by id.
    assert (await source.get(f"/api/v1/tenants/{tid}")).status_code == 404
    assert SOURCE_HOST not in host


async def test_purged_after_the_estimated_purge_date(emu: Emu, source: httpx.AsyncClient) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        body = {"licenseKey": key, "hostnames": ["purged.eu.qlikcloud.com"]}
        tenant = (await reg.post("/api/v1/tenants", json=body)).json()
        path = f"/api/v1/tenants/{tenant['id']}"
        confirm = {"qlik-confirm-hostname": "purged.eu.qlikcloud.com"}
        r = await reg.post(
            f"{path}/actions/deactivate", headers=confirm, json={"purgeAfterDays": 10}
        )
        assert r.json()["estimatedPurgeDate"]
    emu.clock.advance(10 * 86400 + 1)
    async with await emu.authed(REGISTER) as reg:
        assert (await reg.get(path)).json()["status"] == "deleted"
        again = await reg.post(f"{path}/actions/reactivate", headers=confirm, json={})
        assert again.status_code == 403
        assert again.json()["errors"][0]["code"] == "TENANTS-11"
