"""Data connections: create, lookups, PUT/PATCH semantics, secrets never returned."""

from __future__ import annotations

import httpx

from qlikreconcile.emulator import SOURCE_HOST
from tests.emulator.conftest import Emu

BASE = {
    "qName": "acme_pg",
    "qConnectStatement": "host=db",
    "qType": "QvOdbcConnectorPackage.exe",
    "datasourceID": "postgres",
}


async def test_crud_and_secrets(emu: Emu, source: httpx.AsyncClient) -> None:
    space = (await source.post("/api/v1/spaces", json={"name": "B", "type": "shared"})).json()["id"]
    r = await source.post(
        "/api/v1/data-connections",
        json={**BASE, "space": space, "qUsername": "u", "qPassword": "p", "tags": ["owned"]},
    )
    assert r.status_code == 201
    conn = r.json()
    assert conn["qID"] == conn["qEngineObjectID"]
    assert "qPassword" not in conn
    assert "qUsername" not in conn
    assert conn["tags"] == ["owned"]
    missing = await source.post("/api/v1/data-connections", json={"qName": "x"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["status"] == 400
    dup = await source.post("/api/v1/data-connections", json={**BASE, "space": space})
    assert dup.status_code == 409
    elsewhere = await source.post("/api/v1/data-connections", json=BASE)
    assert elsewhere.status_code == 201
    by_name = await source.get(
        "/api/v1/data-connections/acme_pg", params={"type": "connectionname", "spaceId": space}
    )
    assert by_name.json()["qID"] == conn["qID"]
    assert (await source.get("/api/v1/data-connections/not-a-uuid")).status_code == 400
    url = f"/api/v1/data-connections/{conn['qID']}"
    put = {
        **BASE,
        "qID": conn["qID"],
        "qEngineObjectID": conn["qID"],
        "qConnectStatement": "host=db2",
    }
    assert (await source.put(url, json=put)).status_code == 204
    state = await _stored(source, conn["qID"])
    assert state["password"] == "p"  # absent -> unchanged
    assert state["connect_statement"] == "host=db2"
    assert (await source.put(url, json={**put, "qPassword": ""})).status_code == 204
    assert (await _stored(source, conn["qID"]))["password"] is None
    patch = [{"op": "replace", "path": "/qName", "value": "acme_pg2"}]
    assert (await source.patch(url, json=patch)).status_code == 204
    wrapped = {"patchData": [{"op": "replace", "path": "/tags", "value": ["a", "b"]}]}
    assert (await source.patch(url, json=wrapped)).status_code == 204
    got = (await source.get(url)).json()
    assert got["qName"] == "acme_pg2"
    assert got["tags"] == ["a", "b"]
    assert (await source.delete(url)).status_code == 204
    assert (await source.get(url)).status_code == 404


async def test_list_pagination(source: httpx.AsyncClient) -> None:
    for i in range(5):
        await source.post("/api/v1/data-connections", json={**BASE, "qName": f"c{i}"})
    page = (await source.get("/api/v1/data-connections", params={"limit": 2})).json()
    assert page["meta"]["count"] == 6
    assert "page=" in page["links"]["next"]["href"]
    names = [c["qName"] for c in page["data"]]
    url = page["links"]["next"]["href"]
    while url:
        page = (await source.get(url)).json()
        names += [c["qName"] for c in page["data"]]
        url = page["links"].get("next", {}).get("href")
    assert len(names) == 6
    filtered = (
        await source.get("/api/v1/data-connections", params={"filter": 'qName eq "c3"'})
    ).json()
    assert [c["qName"] for c in filtered["data"]] == ["c3"]
    default = (await source.get("/api/v1/data-connections")).json()
    assert len(default["data"]) == 6


async def _stored(source: httpx.AsyncClient, qid: str) -> dict[str, object]:
    dump = (await source.get("/_emulator/state")).json()
    for tenant in dump["tenants"].values():
        if SOURCE_HOST in tenant["hostnames"] and qid in tenant["connections"]:
            found: dict[str, object] = tenant["connections"][qid]
            return found
    raise AssertionError(qid)
