"""Scripted steps: apps, scripts, reloads, export/import, publish/republish, items."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conformance.target import Run

UNKNOWN_UUID = "00000000-0000-4000-a000-000000000000"
UNKNOWN_HEX = "000000000000000000000000"
SCRIPT = """Sales:
LOAD * INLINE [
Region, Amount
EU, 10
US, 20
];
"""


def _attrs(response: httpx.Response) -> dict[str, Any]:
    body = response.json() if response.status_code < 300 else {}
    attrs: dict[str, Any] = body.get("attributes", {})
    return attrs


async def apps(run: Run, spaces: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Returns ``{"app": id, "published": id, "imported": id}`` (created in the shared space)."""
    shared, managed = spaces["shared"]["id"], spaces["managed"]["id"]
    async with await run.authed() as c:
        run.expect(await c.get("/api/v1/apps/privileges"), 200)
        body = {"attributes": {"name": run.name("app"), "spaceId": shared}}
        app_id = _attrs(run.expect(await c.post("/api/v1/apps", json=body), 200)).get("id", "")
        run.later("DELETE", f"/api/v1/apps/{app_id}")
        run.expect(await c.get(f"/api/v1/apps/{app_id}"), 200)
        run.expect(await c.get(f"/api/v1/apps/{UNKNOWN_UUID}"), 404)
        update = {"attributes": {"description": "conformance app"}}
        run.expect(await c.put(f"/api/v1/apps/{app_id}", json=update), 200)
        run.expect(await c.put(f"/api/v1/apps/{app_id}/owner", json={"ownerId": user_id}), 200)
        into_managed = {"attributes": {"name": run.name("nope"), "spaceId": managed}}
        run.expect(await c.post("/api/v1/apps", json=into_managed), 403)

        await scripts(run, c, app_id)
        reload_id = await reloads(run, c, app_id)
        logs = run.expect(await c.get(f"/api/v1/apps/{app_id}/reloads/logs"), 200).json()
        if not logs.get("data"):
            run.problems.append("GET /apps/{id}/reloads/logs: no entries after a reload")
        log = await c.get(f"/api/v1/apps/{app_id}/reloads/logs/{reload_id}")
        run.expect(log, 200)
        run.expect(await c.get(f"/api/v1/apps/{app_id}/reloads/metadata/{reload_id}"), 200)
        run.expect(await c.get(f"/api/v1/apps/{app_id}/data/metadata"), 200)
        run.expect(await c.get(f"/api/v1/apps/{app_id}/data/lineage"), 200)

        copy_body = {"attributes": {"name": run.name("copy")}}
        copied = _attrs(
            run.expect(await c.post(f"/api/v1/apps/{app_id}/copy", json=copy_body), 200)
        )
        copy_id = copied.get("id", "")
        run.later("DELETE", f"/api/v1/apps/{copy_id}")
        run.expect(await c.put(f"/api/v1/apps/{copy_id}/space", json={"spaceId": shared}), 200)
        run.expect(await c.delete(f"/api/v1/apps/{copy_id}/space"), 200)
        run.expect(await c.delete(f"/api/v1/apps/{copy_id}"), 200)

        imported = await transfer(run, c, app_id, shared)
        published = await publish(run, c, app_id, managed, shared)
        await items(run, c, app_id, published)
    return {"app": app_id, "published": published, "imported": imported}


async def scripts(run: Run, c: httpx.AsyncClient, app_id: str) -> None:
    base = f"/api/v1/apps/{app_id}/scripts"
    run.expect(await c.post(base, json={"script": "// first", "versionMessage": "v1"}), 200)
    run.expect(await c.post(base, json={"script": SCRIPT, "versionMessage": "v2"}), 200)
    history = run.expect(await c.get(base), 200).json().get("scripts", [])
    messages = [s.get("versionMessage") for s in history]
    if messages[:2] != ["v2", "v1"]:
        run.problems.append(f"GET scripts: not newest first: {messages}")
    current = run.expect(await c.get(f"{base}/current"), 200).json()
    if current.get("script") != SCRIPT:
        run.problems.append("GET scripts/current: not the last script set")
    old = history[1].get("scriptId", "") if len(history) > 1 else ""
    run.expect(await c.get(f"{base}/{old}"), 200)
    rename = [{"Op": "replace", "Path": "/versionMessage", "Value": "first"}]
    run.expect(await c.patch(f"{base}/{old}", json=rename), 200)
    newest = history[0].get("scriptId", "") if history else ""
    run.expect(await c.delete(f"{base}/{newest}"), 400)
    run.expect(await c.delete(f"{base}/{old}"), 200)
    run.expect(await c.get(f"{base}/{UNKNOWN_HEX}"), 404)


async def reloads(run: Run, c: httpx.AsyncClient, app_id: str) -> str:
    run.expect(await c.post("/api/v1/reloads", json={}), 400)
    run.expect(await c.post("/api/v1/reloads", json={"appId": UNKNOWN_UUID}), 404)
    first = run.expect(await c.post("/api/v1/reloads", json={"appId": app_id}), 201).json()
    run.expect(await c.post("/api/v1/reloads", json={"appId": app_id}), 429)
    cancelled = await c.post(f"/api/v1/reloads/{first.get('id')}/actions/cancel")
    run.expect(cancelled, 202, 204)
    await run.wait_reload(c, str(first.get("id")))
    run.expect(await c.post(f"/api/v1/reloads/{first.get('id')}/actions/cancel"), 409)
    second = run.expect(await c.post("/api/v1/reloads", json={"appId": app_id}), 201).json()
    done = await run.wait_reload(c, str(second.get("id")))
    if done.get("status") != "SUCCEEDED":
        run.problems.append(f"reload of an INLINE script did not succeed: {done}")
    run.expect(await c.get(f"/api/v1/reloads/{second.get('id')}"), 200)
    run.expect(await c.get(f"/api/v1/reloads/{UNKNOWN_HEX}"), 404)
    run.expect(await c.post(f"/api/v1/reloads/{UNKNOWN_HEX}/actions/cancel"), 404)
    params = {"appId": app_id, "filter": 'status eq "SUCCEEDED"', "limit": 1, "log": "true"}
    page = run.expect(await c.get("/api/v1/reloads", params=params), 200).json()
    if [r.get("status") for r in page.get("data", [])] != ["SUCCEEDED"]:
        run.problems.append("GET /reloads?filter=status eq SUCCEEDED: unexpected data")
    run.expect(await c.get("/api/v1/reloads", params={"appId": app_id, "partial": "false"}), 200)
    run.expect(await c.get("/api/v1/reloads", params={"appId": app_id, "limit": 0}), 400)
    return str(second.get("id"))


async def transfer(run: Run, c: httpx.AsyncClient, app_id: str, shared: str) -> str:
    """Export (201 + Location), download, import from bytes and from temp content."""
    export = run.expect(await c.post(f"/api/v1/apps/{app_id}/export"), 201)
    location = export.headers.get("location", "")
    data = run.expect(await c.get(location), 200).content
    run.expect(await c.post(f"/api/v1/apps/{UNKNOWN_UUID}/export"), 404)
    params = {"spaceId": shared, "name": run.name("imported"), "mode": "NEW"}
    headers = {"Content-Type": "application/octet-stream"}
    imported = run.expect(
        await c.post("/api/v1/apps/import", params=params, content=data, headers=headers), 200
    )
    imported_id = _attrs(imported).get("id", "")
    run.later("DELETE", f"/api/v1/apps/{imported_id}")
    upload = await c.post("/api/v1/temp-contents", content=data, headers=headers)
    file_id = run.expect(upload, 201).headers.get("location", "").rsplit("/", 1)[-1]
    by_file = {"fileId": file_id, "name": run.name("from-file"), "spaceId": shared}
    from_file = _attrs(run.expect(await c.post("/api/v1/apps/import", params=by_file), 200))
    run.later("DELETE", f"/api/v1/apps/{from_file.get('id')}")
    garbage = await c.post("/api/v1/apps/import", content=b"not an app", headers=headers)
    run.expect(garbage, 400)
    return str(imported_id)


async def publish(run: Run, c: httpx.AsyncClient, app_id: str, managed: str, shared: str) -> str:
    base = f"/api/v1/apps/{app_id}/publish"
    run.expect(await c.post(base, json={"spaceId": shared}), 400)
    body = {"spaceId": managed, "attributes": {"name": run.name("published")}}
    published = _attrs(run.expect(await c.post(base, json=body), 200))
    published_id = str(published.get("id", ""))
    run.later("DELETE", f"/api/v1/apps/{published_id}")
    if published.get("originAppId") != app_id or not published.get("publishTime"):
        run.problems.append("publish: published copy lacks originAppId/publishTime")
    again = {"targetId": published_id, "data": "source"}
    run.expect(await c.put(base, json=again), 200)
    other = _attrs(await c.post("/api/v1/apps", json={"attributes": {"name": run.name("other")}}))
    run.later("DELETE", f"/api/v1/apps/{other.get('id')}")
    foreign = f"/api/v1/apps/{other.get('id')}/publish"
    run.expect(await c.put(foreign, json={"targetId": published_id}), 400)
    return published_id


async def items(run: Run, c: httpx.AsyncClient, app_id: str, published_id: str) -> None:
    found = await c.get("/api/v1/items", params={"resourceType": "app", "resourceId": app_id})
    data = run.expect(found, 200).json().get("data", [])
    item_id = data[0].get("id", "") if data else ""
    run.expect(await c.get(f"/api/v1/items/{item_id}"), 200)
    run.expect(await c.get(f"/api/v1/items/{UNKNOWN_HEX}"), 404)
    copies = run.expect(await c.get(f"/api/v1/items/{item_id}/publisheditems"), 200).json()
    if [i.get("resourceId") for i in copies.get("data", [])] != [published_id]:
        run.problems.append("publisheditems: the published copy is not listed")
    params = {"resourceType": "app", "limit": 1, "sort": "-createdAt"}
    page = run.expect(await c.get("/api/v1/items", params=params), 200).json()
    if "next" in page.get("links", {}):
        run.expect(await c.get(page["links"]["next"]["href"]), 200)
    run.expect(await c.get("/api/v1/items", params={"limit": 101}), 400)
