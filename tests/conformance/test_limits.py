"""Cursor pagination: each list endpoint's default and maximum ``limit`` as the spec declares.

For every list endpoint the emulator serves whose ``limit`` parameter has a default, the test
creates one object more than the default through the API, then checks the first page holds
exactly the default with a ``links.next``; where the spec states a maximum, ``limit=max`` is
accepted and ``max+1`` answers 400. Spaces and assignments state no maximum; the emulator caps
them at 100 (quirk ``pagination.max``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST
from tests.conformance.openapi import operation, skip_reason, spec
from tests.emulator.conftest import Emu, make_emu

SKIP = skip_reason()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

Setup = Callable[[httpx.AsyncClient, Emu, int], Awaitable[tuple[str, str, dict[str, Any]]]]


def limit_schema(key: str, method: str) -> dict[str, Any]:
    for param in (operation(key, method) or {}).get("parameters", []):
        if "$ref" in param:
            param = spec()["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        if param.get("name") == "limit" and param.get("in") == "query":
            schema: dict[str, Any] = param.get("schema", {})
            return schema
    return {}


async def _space(c: httpx.AsyncClient, name: str, kind: str = "shared") -> str:
    return str((await c.post("/api/v1/spaces", json={"name": name, "type": kind})).json()["id"])


async def _app(c: httpx.AsyncClient, name: str, space: str | None = None) -> str:
    body = {"attributes": {"name": name, "spaceId": space}}
    return str((await c.post("/api/v1/apps", json=body)).json()["attributes"]["id"])


async def spaces(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    for i in range(n):
        await _space(c, f"page-space-{i}")
    return "GET", "/api/v1/spaces", {}


async def assignments(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    space = await _space(c, "page-assignments")
    for i in range(n):
        body = {"type": "user", "assigneeId": f"user-{i}", "roles": ["consumer"]}
        await c.post(f"/api/v1/spaces/{space}/assignments", json=body)
    return "GET", f"/api/v1/spaces/{space}/assignments", {}


async def items(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    for i in range(n):
        await _app(c, f"page-app-{i}")
    return "GET", "/api/v1/items", {}


async def published(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    source = await _app(c, "page-source")
    for i in range(n):
        managed = await _space(c, f"page-managed-{i}", "managed")
        await c.post(f"/api/v1/apps/{source}/publish", json={"spaceId": managed})
    found = await c.get("/api/v1/items", params={"resourceId": source})
    item = found.json()["data"][0]["id"]
    return "GET", f"/api/v1/items/{item}/publisheditems", {}


async def reloads(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    app = await _app(c, "page-reloads")
    for _ in range(n):
        await c.post("/api/v1/reloads", json={"appId": app})
        emu.clock.advance(5)
    return "GET", "/api/v1/reloads", {"appId": app}


async def tasks(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    """Legacy reload tasks can no longer be created: seeded as Qlik left them."""
    app = await _app(c, "page-tasks")
    async with emu.client() as admin:
        for _ in range(n):
            body = {"appId": app, "timeZone": "UTC", "recurrence": ["RRULE:FREQ=DAILY"]}
            await admin.post(f"/_emulator/tenants/{SOURCE_HOST}/legacy-reload-tasks", json=body)
    return "GET", "/api/v1/reload-tasks", {}


async def scheduling(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    apps: list[str] = []
    for i in range(n):
        if i % 10 == 0:  # Qlik allows 10 tasks per app
            apps.append(await _app(c, f"page-scheduled-{i}"))
        path = f"/api/scheduling/tasks/resources/{apps[-1]}/actions/reload/on-time-schedule"
        await c.post(path, json={"recurrence": "RRULE:FREQ=DAILY"})
    return "GET", "/api/scheduling/tasks", {}


async def users(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    for i in range(n):
        await c.post("/api/v1/users", json={"subject": f"page-user-{i}"})
    return "GET", "/api/v1/users", {}


async def users_filter(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    await users(c, emu, n)
    return "POST", "/api/v1/users/actions/filter", {}


async def groups(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    for i in range(n):
        await c.post("/api/v1/groups", json={"name": f"page-group-{i}"})
    return "GET", "/api/v1/groups", {}


async def connections(c: httpx.AsyncClient, emu: Emu, n: int) -> tuple[str, str, dict[str, Any]]:
    for i in range(n):
        body = {"qName": f"c{i}", "qConnectStatement": "s", "qType": "t", "datasourceID": "d"}
        await c.post("/api/v1/data-connections", json=body)
    return "GET", "/api/v1/data-connections", {}


CASES: dict[str, tuple[str, Setup]] = {
    "/v1/spaces": ("get", spaces),
    "/v1/spaces/{spaceId}/assignments": ("get", assignments),
    "/v1/items": ("get", items),
    "/v1/items/{itemId}/publisheditems": ("get", published),
    "/v1/reloads": ("get", reloads),
    "/v1/reload-tasks": ("get", tasks),
    "/scheduling/tasks": ("get", scheduling),
    "/v1/users": ("get", users),
    "/v1/users/actions/filter": ("post", users_filter),
    "/v1/groups": ("get", groups),
    "/v1/data-connections": ("get", connections),
}


@pytest.mark.parametrize("key", sorted(CASES))
async def test_default_and_maximum_limit(key: str) -> None:
    method, setup = CASES[key]
    schema = limit_schema(key, method)
    default = int(schema["default"])
    emu = make_emu()
    async with await emu.authed() as c:
        verb, url, params = await setup(c, emu, default + 1)
        first = (await c.request(verb, url, params=params)).json()
        assert len(first["data"]) == default, key
        assert "next" in first["links"], key
        maximum = schema.get("maximum")
        if maximum is not None:
            ok = await c.request(verb, url, params={**params, "limit": int(maximum)})
            assert ok.status_code == 200, key
        over = await c.request(verb, url, params={**params, "limit": int(maximum or 100) + 1})
        assert over.status_code == 400, key
        assert over.json()["errors"][0]["code"], key
        assert (await c.request(verb, url, params={**params, "limit": 0})).status_code == 400
