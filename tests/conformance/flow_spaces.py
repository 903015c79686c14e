"""Scripted steps: spaces, space types, assignments (roles per space type), pagination."""

from __future__ import annotations

from typing import Any

from tests.conformance.target import Run

UNKNOWN_HEX = "000000000000000000000000"


async def spaces(run: Run, group_id: str | None) -> dict[str, Any]:
    """Create a shared, a managed and a data space; return their bodies by type."""
    made: dict[str, Any] = {}
    async with await run.authed() as c:
        run.expect(await c.get("/api/v1/spaces/types"), 200)
        for kind in ("shared", "managed", "data"):
            body = {"name": run.name(kind), "type": kind, "description": f"conformance {kind}"}
            space = run.expect(await c.post("/api/v1/spaces", json=body), 201).json()
            made[kind] = space
            if "id" in space:
                run.later("DELETE", f"/api/v1/spaces/{space['id']}")
        dup = {"name": run.name("shared"), "type": "shared"}
        run.expect(await c.post("/api/v1/spaces", json=dup), 409)
        run.expect(await c.post("/api/v1/spaces", json={"name": run.name("x"), "type": "odd"}), 400)
        run.expect(await c.post("/api/v1/spaces", json={"name": "a/b", "type": "shared"}), 400)

        listed = await c.get("/api/v1/spaces", params={"name": run.target.prefix, "limit": 2})
        page = run.expect(listed, 200).json()
        next_href = page.get("links", {}).get("next", {}).get("href", "")
        if not next_href.startswith("https://"):
            run.problems.append(f"GET /spaces: links.next.href not absolute: {next_href!r}")
        else:
            rest = run.expect(await c.get(next_href), 200).json()
            if "prev" not in rest.get("links", {}):
                run.problems.append("GET /spaces page 2: no links.prev")
        exact = await c.get("/api/v1/spaces", params={"filter": f'name eq "{run.name("data")}"'})
        if [s.get("name") for s in run.expect(exact, 200).json().get("data", [])] != [
            run.name("data")
        ]:
            run.problems.append("GET /spaces?filter=name eq: not exactly one match")
        run.expect(await c.get("/api/v1/spaces", params={"type": "managed,data"}), 200)

        shared_id = made["shared"].get("id", UNKNOWN_HEX)
        run.expect(await c.get(f"/api/v1/spaces/{shared_id}"), 200)
        run.expect(await c.get(f"/api/v1/spaces/{UNKNOWN_HEX}"), 404)
        patch = [{"op": "replace", "path": "/description", "value": "patched"}]
        run.expect(await c.patch(f"/api/v1/spaces/{shared_id}", json=patch), 200)
        put = {"name": run.name("shared"), "description": "put"}
        run.expect(await c.put(f"/api/v1/spaces/{shared_id}", json=put), 200)
        run.expect(await c.put(f"/api/v1/spaces/{UNKNOWN_HEX}", json=put), 404)

        managed_id = made["managed"].get("id", UNKNOWN_HEX)
        if group_id:
            await assignments(run, c, managed_id, shared_id, group_id)
        scratch = {"name": run.name("scratch"), "type": "shared"}
        scratch_id = run.expect(await c.post("/api/v1/spaces", json=scratch), 201).json().get("id")
        run.expect(await c.delete(f"/api/v1/spaces/{scratch_id}"), 204)
        run.expect(await c.delete(f"/api/v1/spaces/{UNKNOWN_HEX}"), 404)
    return made


async def assignments(run: Run, c: Any, managed_id: str, shared_id: str, group_id: str) -> None:
    base = f"/api/v1/spaces/{managed_id}/assignments"
    body = {"type": "group", "assigneeId": group_id, "roles": ["consumer"]}
    created = run.expect(await c.post(base, json=body), 201).json()
    run.expect(await c.post(base, json=body), 409)
    # producer is a shared-space role, not a managed one.
    wrong = {"type": "group", "assigneeId": group_id, "roles": ["producer"]}
    run.expect(await c.post(f"{base}", json={**wrong, "assigneeId": UNKNOWN_HEX}), 400)
    run.expect(await c.post(f"/api/v1/spaces/{shared_id}/assignments", json=wrong), 201)
    run.expect(await c.get(base, params={"type": "group"}), 200)
    run.expect(await c.get(f"/api/v1/spaces/{UNKNOWN_HEX}/assignments"), 404)
    one = f"{base}/{created.get('id')}"
    run.expect(await c.get(one), 200)
    run.expect(await c.put(one, json={"roles": ["consumer", "publisher"]}), 200)
    run.expect(await c.get(f"{base}/{UNKNOWN_HEX}"), 404)
    run.expect(await c.delete(one), 204)
    run.expect(await c.delete(one), 404)
