"""Apps: CRUD, export determinism, import validation, temp contents, scripts, items."""

from __future__ import annotations

import gzip

import httpx

from qlikreconcile.emulator import Quirks
from qlikreconcile.emulator.state.app_archive import MAGIC
from tests.emulator.conftest import Emu, make_emu


async def _template(source: httpx.AsyncClient, name: str = "Sales Analytics") -> dict[str, object]:
    items = await source.get("/api/v1/items", params={"resourceType": "app", "name": name})
    data: dict[str, object] = items.json()["data"][0]
    return data


async def test_seeded_templates(source: httpx.AsyncClient) -> None:
    item = await _template(source)
    assert item["id"] != item["resourceId"]
    assert item["resourceReloadStatus"] == "ok"
    app_id = item["resourceId"]
    meta = (await source.get(f"/api/v1/apps/{app_id}/data/metadata")).json()
    assert [t["name"] for t in meta["tables"]] == ["Orders", "Customers", "Products"]
    scripts = (await source.get(f"/api/v1/apps/{app_id}/scripts")).json()["scripts"]
    assert len(scripts) == 1
    current = (await source.get(f"/api/v1/apps/{app_id}/scripts/current")).json()
    assert "LIB CONNECT TO 'Templates:vendor_dw';" in current["script"]
    logs = (await source.get(f"/api/v1/apps/{app_id}/reloads/logs")).json()["data"]
    assert logs[0]["success"] is True
    by_item = await source.get(f"/api/v1/items/{item['id']}")
    assert by_item.json()["resourceId"] == app_id


async def test_export_is_deterministic(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = (await _template(source))["resourceId"]
    blobs = []
    for _ in range(2):
        r = await source.post(f"/api/v1/apps/{app_id}/export", params={"NoData": "true"})
        assert r.status_code == 201
        dl = await source.get(r.headers["Location"])
        assert dl.status_code == 200
        assert "attachment" in dl.headers["content-disposition"]
        blobs.append(dl.content)
        emu.clock.advance(5)
    assert blobs[0] == blobs[1]
    assert blobs[0].startswith(MAGIC)
    assert b'"dataModel":null' in gzip.decompress(blobs[0][len(MAGIC) :])
    with_data = await source.post(f"/api/v1/apps/{app_id}/export", params={"NoData": "false"})
    full = (await source.get(with_data.headers["Location"])).content
    assert full != blobs[0]
    assert (await source.get("/api/v1/temp-contents/ffffffffffffffffffffffff")).status_code == 404
    emu.clock.advance(3601)
    assert (await source.get(with_data.headers["Location"])).status_code == 410


async def test_import_copy_update_delete(source: httpx.AsyncClient) -> None:
    bad = await source.post("/api/v1/apps/import", content=b"not a qvf")
    assert bad.status_code == 400
    app_id = (await _template(source))["resourceId"]
    exp = await source.post(f"/api/v1/apps/{app_id}/export")
    blob = (await source.get(exp.headers["Location"])).content
    imp = await source.post("/api/v1/apps/import", params={"name": "Mine"}, content=blob)
    new = imp.json()["attributes"]
    assert new["name"] == "Mine"
    assert "spaceId" not in new
    meta = (await source.get(f"/api/v1/apps/{new['id']}/data/metadata")).json()
    assert len(meta["tables"]) == 3  # exported with data
    assert (
        await source.post("/api/v1/apps/import", params={"mode": "weird"}, content=blob)
    ).status_code == 400
    r = await source.put(f"/api/v1/apps/{new['id']}", json={"attributes": {"description": "x"}})
    assert r.json()["attributes"]["description"] == "x"
    copy = await source.post(f"/api/v1/apps/{new['id']}/copy", json={"attributes": {"name": "C"}})
    assert copy.status_code == 200
    assert copy.json()["attributes"]["name"] == "C"
    created = await source.post("/api/v1/apps", json={"attributes": {"name": "Empty"}})
    assert created.status_code == 200
    empty_id = created.json()["attributes"]["id"]
    empty_meta = (await source.get(f"/api/v1/apps/{empty_id}/data/metadata")).json()
    assert empty_meta["tables"] == []
    assert (await source.delete(f"/api/v1/apps/{empty_id}")).status_code == 200
    assert (await source.get(f"/api/v1/apps/{empty_id}")).status_code == 404


async def test_script_versions(emu: Emu, source: httpx.AsyncClient) -> None:
    app_id = (await source.post("/api/v1/apps", json={"attributes": {"name": "S"}})).json()[
        "attributes"
    ]["id"]
    for i in range(3):
        emu.clock.advance(1)
        body = {"script": f"// v{i}", "versionMessage": f"m{i}"}
        assert (await source.post(f"/api/v1/apps/{app_id}/scripts", json=body)).status_code == 200
    listed = (await source.get(f"/api/v1/apps/{app_id}/scripts")).json()["scripts"]
    assert [s["versionMessage"] for s in listed[:3]] == ["m2", "m1", "m0"]
    current, older = listed[0]["scriptId"], listed[1]["scriptId"]
    assert (await source.get(f"/api/v1/apps/{app_id}/scripts/{older}")).json()["script"] == "// v1"
    patch = [{"Op": "replace", "Path": "/versionMessage", "Value": "renamed"}]
    assert (
        await source.patch(f"/api/v1/apps/{app_id}/scripts/{older}", json=patch)
    ).status_code == 200
    assert (await source.get(f"/api/v1/apps/{app_id}/scripts/{older}")).json()[
        "versionMessage"
    ] == "renamed"
    assert (await source.delete(f"/api/v1/apps/{app_id}/scripts/{current}")).status_code == 400
    assert (await source.delete(f"/api/v1/apps/{app_id}/scripts/{older}")).status_code == 200
    assert (await source.get(f"/api/v1/apps/{app_id}/scripts/{older}")).status_code == 404


async def test_items_pagination_and_publish_rules(source: httpx.AsyncClient) -> None:
    for i in range(11):
        await source.post("/api/v1/apps", json={"attributes": {"name": f"A{i}"}})
    page = (await source.get("/api/v1/items", params={"resourceType": "app", "limit": 4})).json()
    assert len(page["data"]) == 4
    seen = [i["name"] for i in page["data"]]
    url = page["links"].get("next", {}).get("href")
    while url:
        page = (await source.get(url)).json()
        seen += [i["name"] for i in page["data"]]
        url = page["links"].get("next", {}).get("href")
    assert len(seen) == 13
    assert len(set(seen)) == 13
    personal = (
        await source.get("/api/v1/items", params={"spaceId": "personal", "limit": 100})
    ).json()
    assert len(personal["data"]) == 11
    source_id = (await _template(source))["resourceId"]
    shared = (await source.post("/api/v1/spaces", json={"name": "Sh", "type": "shared"})).json()
    r = await source.post(f"/api/v1/apps/{source_id}/publish", json={"spaceId": shared["id"]})
    assert r.status_code == 400
    managed = (await source.post("/api/v1/spaces", json={"name": "Mg", "type": "managed"})).json()
    pub = (
        await source.post(f"/api/v1/apps/{source_id}/publish", json={"spaceId": managed["id"]})
    ).json()
    other = (await _template(source, "Inventory Insights"))["resourceId"]
    body = {"targetId": pub["attributes"]["id"]}
    mismatch = await source.put(f"/api/v1/apps/{other}/publish", json=body)
    assert mismatch.status_code == 400
    relink = await source.put(
        f"/api/v1/apps/{other}/publish", json={**body, "checkOriginAppId": False}
    )
    assert relink.status_code == 200
    assert relink.json()["attributes"]["originAppId"] == other
    item = await _template(source, "Inventory Insights")
    copies = (await source.get(f"/api/v1/items/{item['id']}/publisheditems")).json()["data"]
    assert [c["resourceId"] for c in copies] == [pub["attributes"]["id"]]
    import_managed = await source.post(
        "/api/v1/apps/import", params={"spaceId": managed["id"]}, content=b""
    )
    assert import_managed.status_code == 403


async def test_republish_data_choice_and_sheet_quirk() -> None:
    emu = make_emu(quirks=Quirks(republish_keeps_user_sheets=False))
    async with await emu.authed() as c:
        source_id = (await _template(c))["resourceId"]
        managed = (await c.post("/api/v1/spaces", json={"name": "Mg", "type": "managed"})).json()
        pub = await c.post(f"/api/v1/apps/{source_id}/publish", json={"spaceId": managed["id"]})
        target = pub.json()["attributes"]["id"]
        host = "vendor-source.eu.qlikcloud.com"
        sheet = {"title": "Mine", "type": "private", "ownerId": "someone"}
        assert (
            await c.post(f"/_emulator/tenants/{host}/apps/{target}/sheets", json=sheet)
        ).status_code == 201
        # Reload the published copy in place: allowed in a managed space.
        rid = (await c.post("/api/v1/reloads", json={"appId": target})).json()["id"]
        emu.clock.advance(1)
        assert (await c.get(f"/api/v1/reloads/{rid}")).json()["status"] == "SUCCEEDED"
        before = (await c.get(f"/api/v1/apps/{target}/data/metadata")).json()
        await c.post(
            f"/api/v1/apps/{source_id}/scripts", json={"script": "X:\nLOAD 1 AS x AUTOGENERATE 1;"}
        )
        rid = (await c.post("/api/v1/reloads", json={"appId": source_id})).json()["id"]
        emu.clock.advance(1)
        body = {"targetId": target, "data": "target"}
        assert (await c.put(f"/api/v1/apps/{source_id}/publish", json=body)).status_code == 200
        after = (await c.get(f"/api/v1/apps/{target}/data/metadata")).json()
        assert after["tables"] == before["tables"]
        script = (await c.get(f"/api/v1/apps/{target}/scripts/current")).json()["script"]
        assert script.startswith("X:")
        internal = (await c.get(f"/_emulator/tenants/{host}/apps/{target}")).json()
        assert {s["type"] for s in internal["sheets"]} == {"base"}
