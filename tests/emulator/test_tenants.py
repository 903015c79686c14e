"""Tenant creation on the register host, licence signatures, patch, deactivate/reactivate."""

from __future__ import annotations

import httpx

from qlikreconcile.emulator import SOURCE_HOST
from tests.emulator.conftest import Emu, make_emu

REGISTER = "register.eu.qlikcloud.com"


async def _license(source: httpx.AsyncClient) -> str:
    return str((await source.get("/api/v1/licenses/overview")).json()["licenseKey"])


async def test_create_tenant_takes_license_key_and_datacenter_only(
    emu: Emu, source: httpx.AsyncClient
) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        assert (await reg.post("/api/v1/tenants", json={})).status_code == 400
        forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
        r = await reg.post("/api/v1/tenants", json={"licenseKey": forged})
        assert r.status_code == 403
        assert r.json()["errors"][0]["status"] == "403"
        generated = await reg.post(
            "/api/v1/tenants", json={"licenseKey": key, "datacenter": "eu-west-1"}
        )
        assert generated.status_code == 201
        created = generated.json()
        label, region, *_ = created["hostnames"][0].split(".")
        assert region == "eu"
        assert len(label) == 12
        assert label.isalnum()
        assert created["name"] == label
        assert created["datacenter"] == "eu-west-1"
        other = (await reg.post("/api/v1/tenants", json={"licenseKey": key})).json()
        assert other["hostnames"][0] != created["hostnames"][0]
        # qlik-cli's --name/--hostnames are in no API schema (§14.2): rejected, nothing created.
        before = len((await source.get("/_emulator/state")).json()["tenants"])
        for extra in ({"name": "globex"}, {"hostnames": ["globex.eu.qlikcloud.com"]}):
            r = await reg.post("/api/v1/tenants", json={"licenseKey": key, **extra})
            assert r.status_code == 400
            assert r.json()["errors"][0]["code"] == "TENANTS-2"
            assert "PATCH" in r.json()["errors"][0]["detail"]
        after = len((await source.get("/_emulator/state")).json()["tenants"])
        assert after == before
        assert (await reg.get(f"/api/v1/tenants/{created['id']}")).status_code == 200
    # Tenant creation is a register-host call only.
    assert (await source.post("/api/v1/tenants", json={"licenseKey": key})).status_code == 404


async def test_created_tenant_ids_and_hosts_are_seeded() -> None:
    hosts = []
    for _ in range(2):
        emu = make_emu()
        async with await emu.authed() as src, await emu.authed(REGISTER) as reg:
            key = await _license(src)
            hosts.append((await reg.post("/api/v1/tenants", json={"licenseKey": key})).json())
    assert hosts[0]["hostnames"] == hosts[1]["hostnames"]
    assert hosts[0]["id"] == hosts[1]["id"]


async def test_alias_is_validated_and_then_served(emu: Emu, source: httpx.AsyncClient) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        first = (await reg.post("/api/v1/tenants", json={"licenseKey": key})).json()
        second = (await reg.post("/api/v1/tenants", json={"licenseKey": key})).json()
    own = first["hostnames"][0]
    path = f"/api/v1/tenants/{first['id']}"

    def alias(value: str) -> list[dict[str, str]]:
        return [{"op": "replace", "path": "/hostnames/1", "value": value}]

    async with await emu.authed(own) as client:
        for wrong in ("acme.us.qlikcloud.com", "acme.example.com", "-x-.eu.qlikcloud.com"):
            r = await client.patch(path, json=alias(wrong))
            assert r.status_code == 400, wrong
            assert r.json()["errors"][0]["code"] == "TENANTS-2"
        taken = await client.patch(path, json=alias(second["hostnames"][0]))
        assert taken.status_code == 400
        assert taken.json()["errors"][0]["code"] == "TENANTS-9"
        assert (await client.patch(path, json=alias("Acme.EU.qlikcloud.com"))).status_code == 204
        got = (await client.get(path)).json()
        assert got["hostnames"] == [own, "acme.eu.qlikcloud.com"]
    async with await emu.authed("acme.eu.qlikcloud.com") as via_alias:
        me = await via_alias.get("/api/v1/users/me")
        user = (await via_alias.get(me.headers["Location"])).json()
        assert user["tenantId"] == first["id"]
    async with await emu.authed(second["hostnames"][0]) as other:
        r = await other.patch(
            f"/api/v1/tenants/{second['id']}", json=alias("acme.eu.qlikcloud.com")
        )
        assert r.status_code == 400


async def test_patch_deactivate_reactivate(emu: Emu, source: httpx.AsyncClient) -> None:
    key = await _license(source)
    async with await emu.authed(REGISTER) as reg:
        tenant = (await reg.post("/api/v1/tenants", json={"licenseKey": key})).json()
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
        tenant = (await reg.post("/api/v1/tenants", json={"licenseKey": key})).json()
        path = f"/api/v1/tenants/{tenant['id']}"
        confirm = {"qlik-confirm-hostname": tenant["hostnames"][0]}
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
