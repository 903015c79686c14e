"""The whole OEM flow against the emulator, as the reconciler will drive it."""

from __future__ import annotations

import httpx

from tests.emulator.conftest import Emu

REGISTER = "register.eu.qlikcloud.com"


async def _poll(emu: Emu, client: httpx.AsyncClient, reload_id: str) -> dict[str, object]:
    for _ in range(10):
        r = await client.get(f"/api/v1/reloads/{reload_id}")
        assert r.status_code == 200
        body: dict[str, object] = r.json()
        if body["status"] in ("SUCCEEDED", "FAILED", "CANCELED"):
            return body
        emu.clock.advance(0.3)
    raise AssertionError("reload did not finish")


async def test_full_oem_flow(emu: Emu, source: httpx.AsyncClient) -> None:
    # A. licence on the source tenant -> tenant on the register host.
    lic = (await source.get("/api/v1/licenses/overview")).json()
    assert lic["status"] == "Ok"
    assert lic["licenseKey"].count(".") == 2
    async with await emu.authed(REGISTER) as reg:
        r = await reg.post(
            "/api/v1/tenants", json={"licenseKey": lic["licenseKey"], "datacenter": "eu-west-1"}
        )
        assert r.status_code == 201, r.text
        tenant = r.json()
        assert tenant["status"] == "active"
        assert tenant["region"] == "eu"
    # The display host name is Qlik's; ours becomes the alias (§14.2).
    async with await emu.authed(tenant["hostnames"][0]) as own:
        alias = [{"op": "replace", "path": "/hostnames/1", "value": "acme.eu.qlikcloud.com"}]
        assert (await own.patch(f"/api/v1/tenants/{tenant['id']}", json=alias)).status_code == 204
    host = "acme.eu.qlikcloud.com"

    # Source: find the template app and export it without data.
    items = (
        await source.get("/api/v1/items", params={"resourceType": "app", "name": "Sales Analytics"})
    ).json()
    source_app_id = items["data"][0]["resourceId"]
    exp = await source.post(f"/api/v1/apps/{source_app_id}/export", params={"NoData": "true"})
    assert exp.status_code == 201
    assert exp.content == b""
    blob = (await source.get(exp.headers["Location"])).content

    async with await emu.authed(host) as acme:
        me = await acme.get("/api/v1/users/me")
        assert me.status_code == 301
        user = (await acme.get(me.headers["Location"])).json()
        assert user["tenantId"] == tenant["id"]
        assert user["assignedRoles"][0]["name"] == "TenantAdmin"

        build = (
            await acme.post("/api/v1/spaces", json={"name": "Acme build", "type": "shared"})
        ).json()
        managed = (
            await acme.post("/api/v1/spaces", json={"name": "Acme analytics", "type": "managed"})
        ).json()
        conn = await acme.post(
            "/api/v1/data-connections",
            json={
                "qName": "acme_pg",
                "qConnectStatement": "host=db",
                "qType": "QvOdbcConnectorPackage.exe",
                "datasourceID": "postgres",
                "space": build["id"],
                "qPassword": "pw",
            },
        )
        assert conn.status_code == 201
        assert "qPassword" not in conn.json()

        imp = await acme.post(
            "/api/v1/apps/import",
            params={"spaceId": build["id"]},
            content=blob,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert imp.status_code == 200, imp.text
        app_id = imp.json()["attributes"]["id"]
        assert imp.json()["attributes"]["spaceId"] == build["id"]

        script = (
            "LIB CONNECT TO 'Acme build:acme_pg';\n"
            "Orders:\nSQL SELECT id AS OrderID, amount AS Amount FROM o;\n"
        )
        assert (
            await acme.post(f"/api/v1/apps/{app_id}/scripts", json={"script": script})
        ).status_code == 200
        r = await acme.post("/api/v1/reloads", json={"appId": app_id})
        assert r.status_code == 201
        assert r.json()["status"] == "QUEUED"
        pending = await acme.post("/api/v1/reloads", json={"appId": app_id})
        assert pending.status_code == 429
        emu.clock.advance(0.3)
        assert (await acme.get(f"/api/v1/reloads/{r.json()['id']}")).json()["status"] == "RELOADING"
        done = await _poll(emu, acme, r.json()["id"])
        assert done["status"] == "SUCCEEDED", done
        meta = (await acme.get(f"/api/v1/apps/{app_id}/data/metadata")).json()
        assert [t["name"] for t in meta["tables"]] == ["Orders"]
        assert "lastReloadTime" in (await acme.get(f"/api/v1/apps/{app_id}")).json()["attributes"]

        pub = await acme.post(f"/api/v1/apps/{app_id}/publish", json={"spaceId": managed["id"]})
        assert pub.status_code == 200, pub.text
        published = pub.json()["attributes"]
        assert published["originAppId"] == app_id
        assert published["publishTime"]
        assert (
            await acme.post(f"/api/v1/apps/{published['id']}/scripts", json={"script": "x"})
        ).status_code == 403

        # A customer adds a community sheet; republish must keep it.
        admin = await acme.post(
            f"/_emulator/tenants/{host}/apps/{published['id']}/sheets",
            json={"title": "My analysis", "type": "community"},
        )
        assert admin.status_code == 201
        listed = (
            await acme.get(
                "/api/v1/items", params={"resourceType": "app", "spaceId": managed["id"]}
            )
        ).json()
        assert listed["data"][0]["resourceAttributes"]["originAppId"] == app_id
        rep = await acme.put(f"/api/v1/apps/{app_id}/publish", json={"targetId": published["id"]})
        assert rep.status_code == 200, rep.text
        internal = (await acme.get(f"/_emulator/tenants/{host}/apps/{published['id']}")).json()
        titles = {s["title"]: s["type"] for s in internal["sheets"]}
        assert titles["My analysis"] == "community"
        assert titles["Overview"] == "base"

        # A script naming a connection the tenant lacks fails with a Qlik-like log line.
        bad = "LIB CONNECT TO 'Acme build:vendor_dw';\nT:\nSQL SELECT a FROM t;\n"
        await acme.post(f"/api/v1/apps/{app_id}/scripts", json={"script": bad})
        r = await acme.post("/api/v1/reloads", json={"appId": app_id})
        failed = await _poll(emu, acme, r.json()["id"])
        assert failed["status"] == "FAILED"
        assert "The following error occurred: Connection not found: 'Acme build:vendor_dw'" in str(
            failed["log"]
        )
        log = await acme.get(f"/api/v1/apps/{app_id}/reloads/logs/{r.json()['id']}")
        assert log.status_code == 200
        assert "Connection not found" in log.text
