"""Spaces, assignments, groups and the shared pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx


async def test_space_pagination_absolute_links(source: httpx.AsyncClient) -> None:
    for i in range(12):
        r = await source.post("/api/v1/spaces", json={"name": f"Page{i:02d}", "type": "shared"})
        assert r.status_code == 201
    first = (await source.get("/api/v1/spaces", params={"limit": 5, "name": "PAGE"})).json()
    assert len(first["data"]) == 5
    assert first["meta"]["count"] == 12
    nxt = first["links"]["next"]["href"]
    assert nxt.startswith("https://vendor-source.eu.qlikcloud.com/api/v1/spaces?")
    assert parse_qs(urlsplit(nxt).query)["name"] == ["PAGE"]
    names: list[str] = [s["name"] for s in first["data"]]
    url: str | None = nxt
    while url:
        page = (await source.get(url)).json()
        names += [s["name"] for s in page["data"]]
        url = page["links"].get("next", {}).get("href")
    assert names == [f"Page{i:02d}" for i in range(12)]
    assert "prev" in page["links"]
    default = (await source.get("/api/v1/spaces")).json()
    assert len(default["data"]) == 10
    assert (await source.get("/api/v1/spaces", params={"limit": 101})).status_code == 400
    assert (await source.get("/api/v1/spaces", params={"next": "garbage!"})).status_code == 400


async def test_space_filters_and_errors(source: httpx.AsyncClient) -> None:
    r = await source.post("/api/v1/spaces", json={"name": "Acme analytics", "type": "managed"})
    assert r.status_code == 201
    space = r.json()
    assert space["links"]["assignments"]["href"].endswith("/assignments")
    dup = await source.post("/api/v1/spaces", json={"name": "acme ANALYTICS", "type": "shared"})
    assert dup.status_code == 409
    assert dup.json()["code"] == "SpaceConflict"
    assert dup.json()["errors"][0]["code"] == "SpaceConflict"
    bad = await source.post("/api/v1/spaces", json={"name": "a/b", "type": "shared"})
    assert bad.status_code == 400
    assert (
        await source.post("/api/v1/spaces", json={"name": "x", "type": "nope"})
    ).status_code == 400
    found = (
        await source.get("/api/v1/spaces", params={"filter": 'name eq "Acme analytics"'})
    ).json()
    assert [s["id"] for s in found["data"]] == [space["id"]]
    managed = (await source.get("/api/v1/spaces", params={"type": "managed"})).json()
    assert [s["type"] for s in managed["data"]] == ["managed"]
    assert (await source.get("/api/v1/spaces/000000000000000000000000")).status_code == 404
    patch = [{"op": "replace", "path": "/description", "value": "d"}]
    r = await source.patch(f"/api/v1/spaces/{space['id']}", json=patch)
    assert r.status_code == 200
    assert r.json()["description"] == "d"
    r = await source.put(f"/api/v1/spaces/{space['id']}", json={"name": "Renamed"})
    assert r.json()["name"] == "Renamed"
    assert (await source.delete(f"/api/v1/spaces/{space['id']}")).status_code == 204
    templates = (
        await source.get("/api/v1/spaces", params={"filter": 'name eq "Templates"'})
    ).json()
    r = await source.delete(f"/api/v1/spaces/{templates['data'][0]['id']}")
    assert r.status_code == 412


async def test_assignments_and_groups(source: httpx.AsyncClient) -> None:
    space = (await source.post("/api/v1/spaces", json={"name": "M", "type": "managed"})).json()
    group = await source.post("/api/v1/groups", json={"name": "acme-viewers"})
    assert group.status_code == 201
    found = (await source.get("/api/v1/groups", params={"filter": 'name eq "acme-viewers"'})).json()
    gid = found["data"][0]["id"]
    url = f"/api/v1/spaces/{space['id']}/assignments"
    body = {"type": "group", "assigneeId": gid, "roles": ["consumer"]}
    r = await source.post(url, json=body)
    assert r.status_code == 201
    aid = r.json()["id"]
    again = await source.post(url, json=body)
    assert again.status_code == 409
    assert again.json()["code"] == "AssignmentConflict"
    wrong = await source.post(url, json={"type": "user", "assigneeId": "u", "roles": ["producer"]})
    assert wrong.status_code == 400
    listed = (await source.get(url)).json()
    assert listed["meta"]["count"] == 1
    r = await source.put(f"{url}/{aid}", json={"roles": ["consumer", "publisher"]})
    assert r.json()["roles"] == ["consumer", "publisher"]
    assert (await source.get(f"{url}/{aid}")).status_code == 200
    assert (await source.delete(f"{url}/{aid}")).status_code == 204
    assert (await source.get(f"{url}/{aid}")).status_code == 404
