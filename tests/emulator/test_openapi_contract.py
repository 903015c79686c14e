"""Responses validate against Qlik's OpenAPI data (shared/qlik-openapi, caveats in SOURCE.md).

Drives a representative flow, captures every API response, and validates each JSON body against
the schema the spec declares for (path, method, status). Skipped when the spec file is absent.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from qlikreconcile.emulator.app import all_routes
from tests.emulator.conftest import Emu

SPEC = Path("/work/shared/qlik-openapi/SaaS_Swagger_Data.json")
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="Qlik OpenAPI data not available")


def _title_enums(node: Any) -> Any:
    """Qlik writes enums as ``oneOf: [{title, x-qlik-const}]``; JSON Schema needs ``enum``."""
    if isinstance(node, dict):
        options = node.get("oneOf")
        if (
            isinstance(options, list)
            and options
            and all(
                isinstance(o, dict)
                and set(o) <= {"title", "x-qlik-const", "description"}
                and "title" in o
                for o in options
            )
        ):
            node = {k: v for k, v in node.items() if k != "oneOf"} | {
                "enum": [o["title"] for o in options]
            }
        return {k: _title_enums(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_title_enums(v) for v in node]
    return node


# The merged spec's generic `Link` came from another API (SOURCE.md caveat 1). Data connections'
# own `Link` is {self: {href}} (qlik-api-ts data-connections.d.ts).
_DC_LINK = {
    "type": "object",
    "required": ["self"],
    "properties": {"self": {"type": "object", "required": ["href"]}},
}


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = _title_enums(json.loads(SPEC.read_text()))
    schemas = loaded["components"]["schemas"]
    for name in ("ConnectionGet", "ConnectionCreateResponse"):
        schemas[name]["properties"]["links"] = _DC_LINK
    return loaded


def _spec_path(path: str) -> str | None:
    """The spec path key matching a concrete /api path; literal segments win over params."""
    concrete = path.removeprefix("/api")
    best: tuple[int, str] | None = None
    for key in spec()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(key)) + "$"
        if re.match(pattern, concrete):
            literal = sum(1 for seg in key.split("/") if seg and not seg.startswith("{"))
            if best is None or literal > best[0]:
                best = (literal, key)
    return best[1] if best else None


def test_every_route_exists_in_spec() -> None:
    missing = []
    for route in all_routes():
        path = getattr(route, "path", "")
        if path.startswith("/_emulator"):
            continue
        key = path.removeprefix("/api") if path.startswith("/api") else path
        key = re.sub(r"\{[^}]+\}", "{x}", key)
        known = {re.sub(r"\{[^}]+\}", "{x}", k): k for k in spec()["paths"]}
        for method in getattr(route, "methods", set()) - {"HEAD"}:
            if key not in known or method.lower() not in spec()["paths"][known[key]]:
                missing.append(f"{method} {path}")
    assert missing == []


def _validate(method: str, path: str, status: int, body: Any) -> str | None:
    key = _spec_path(path)
    if key is None:
        return f"{method} {path}: no spec path"
    op = spec()["paths"][key].get(method.lower())
    if op is None:
        return f"{method} {path}: method not in spec"
    response = op["responses"].get(str(status))
    if response is None:
        return f"{method} {path}: status {status} not declared ({sorted(op['responses'])})"
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or body is None:
        return None
    wrapped = {"components": spec()["components"], "allOf": [schema]}
    try:
        jsonschema.Draft202012Validator(wrapped).validate(body)
    except jsonschema.ValidationError as exc:
        return f"{method} {path} {status}: {exc.message} at {list(exc.absolute_path)}"
    return None


async def test_responses_match_spec(emu: Emu) -> None:
    seen: list[tuple[str, str, int, Any]] = []

    async def capture(response: httpx.Response) -> None:
        await response.aread()
        if not response.request.url.path.startswith(("/api/", "/oauth/")):
            return
        is_json = response.headers.get("content-type", "").startswith("application/json")
        body = response.json() if is_json and response.content else None
        seen.append(
            (response.request.method, response.request.url.path, response.status_code, body)
        )

    async with await emu.authed() as c:
        c.event_hooks["response"] = [capture]
        lic = (await c.get("/api/v1/licenses/overview")).json()
        me = await c.get("/api/v1/users/me")
        await c.get(me.headers["Location"])
        await c.get("/api/v1/roles")
        space = (await c.post("/api/v1/spaces", json={"name": "Cx", "type": "managed"})).json()
        await c.get("/api/v1/spaces")
        await c.get(f"/api/v1/spaces/{space['id']}")
        await c.post("/api/v1/spaces", json={"name": "Cx", "type": "managed"})  # 409
        group = (await c.post("/api/v1/groups", json={"name": "g"})).json()
        await c.get("/api/v1/groups")
        body = {"type": "group", "assigneeId": group["id"], "roles": ["consumer"]}
        await c.post(f"/api/v1/spaces/{space['id']}/assignments", json=body)
        await c.get(f"/api/v1/spaces/{space['id']}/assignments")
        items = (await c.get("/api/v1/items", params={"resourceType": "app"})).json()
        app_id = items["data"][0]["resourceId"]
        await c.get(f"/api/v1/apps/{app_id}")
        await c.get(f"/api/v1/apps/{app_id}/scripts")
        await c.get(f"/api/v1/apps/{app_id}/data/metadata")
        await c.get(f"/api/v1/apps/{app_id}/reloads/logs")
        reload = (await c.post("/api/v1/reloads", json={"appId": app_id})).json()
        await c.post("/api/v1/reloads", json={"appId": app_id})  # 429 pending
        emu.clock.advance(5)
        await c.get(f"/api/v1/reloads/{reload['id']}")
        await c.get("/api/v1/reloads", params={"appId": app_id})
        pub = (await c.post(f"/api/v1/apps/{app_id}/publish", json={"spaceId": space["id"]})).json()
        await c.put(f"/api/v1/apps/{app_id}/publish", json={"targetId": pub["attributes"]["id"]})
        conn = await c.post(
            "/api/v1/data-connections",
            json={"qName": "k", "qConnectStatement": "s", "qType": "t", "datasourceID": "d"},
        )
        await c.get(f"/api/v1/data-connections/{conn.json()['qID']}")
        await c.get("/api/v1/data-connections")
        await c.get("/api/v1/spaces/000000000000000000000000")  # 404
    async with await emu.authed("register.eu.qlikcloud.com") as reg:
        reg.event_hooks["response"] = [capture]
        await reg.post("/api/v1/tenants", json={"licenseKey": lic["licenseKey"]})
    problems = [p for p in (_validate(*s) for s in seen) if p]
    assert len(seen) > 25
    assert problems == [], "\n".join(problems)
