"""Read the actual state of customer tenants from Qlik, concurrently and read-only.

Per tenant the reads are: the tenant (``users/me`` then ``tenants/{id}``), its spaces, the group
assignments of the spaces we own, its data connections, its apps (through the items API: Qlik has
no app list), and for each build app we own its current script, script history head and last
reload. A tenant whose host does not answer as a tenant is reported as absent (nothing exists);
a tenant that cannot be read is reported as unreadable and planned for no further.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource, ActualState
from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.session import QlikSession

log = logging.getLogger(__name__)

ACTIVE_RELOAD = frozenset({"QUEUED", "RELOADING", "CANCELING"})


@dataclass(frozen=True, slots=True)
class TenantRef:
    """The tenant to read: its name in the spec and its host name."""

    name: str
    host: str


async def read_fleet(
    session: QlikSession, tenants: Sequence[TenantRef], *, concurrency: int = 32
) -> ActualState:
    """Read every tenant, ``concurrency`` at a time; failures mark a tenant unreadable."""
    slots = asyncio.Semaphore(concurrency)
    found: dict[ResourceKey, ActualResource] = {}
    unreadable: dict[str, str] = {}

    async def one(ref: TenantRef) -> None:
        async with slots:
            try:
                for resource in await read_tenant(session.client(ref.host), ref.name):
                    found[resource.key] = resource
            except (ApiError, TransportError) as exc:
                log.warning("cannot read tenant %s: %s", ref.name, exc)
                unreadable[ref.name] = str(exc)

    await asyncio.gather(*(one(ref) for ref in tenants))
    return ActualState(dict(sorted(found.items())), dict(sorted(unreadable.items())))


async def read_tenant(client: QlikClient, tenant: str) -> list[ActualResource]:
    """Everything qlikreconcile manages in one tenant (empty when the tenant does not exist)."""
    if not await client.host_exists():
        return []
    me = await client.get_following_redirect("/api/v1/users/me")
    info = await client.get_json(f"/api/v1/tenants/{me['tenantId']}")
    out = [_tenant(tenant, info)]

    spaces = [s async for s in client.paginate("/api/v1/spaces")]
    space_names = {s["id"]: s["name"] for s in spaces if s.get("name")}
    out += [_space(tenant, s) for s in spaces if s.get("name")]
    owned_spaces = [s for s in spaces if ownership.parse_space_description(s.get("description"))[0]]

    connections = client.paginate("/api/v1/data-connections")
    out += [_connection(tenant, c, space_names) async for c in connections if c.get("space")]
    out += await _assignments(client, tenant, owned_spaces)

    items = [i async for i in client.paginate("/api/v1/items", params={"resourceType": "app"})]
    out += await _apps(client, tenant, items, space_names)
    return out


def _tenant(tenant: str, info: dict[str, Any]) -> ActualResource:
    hostnames = info.get("hostnames") or [""]
    status = info.get("status", "active")
    drift = () if status == "active" else (f"tenant is {status}",)
    return ActualResource(
        resources.tenant_key(tenant),
        {"name": info.get("name"), "hostname": hostnames[0], "status": status},
        ident=info.get("id"),
        drift=drift,
    )


def _space(tenant: str, space: dict[str, Any]) -> ActualResource:
    owned, text = ownership.parse_space_description(space.get("description"))
    return ActualResource(
        resources.space_key(tenant, space["name"]),
        {"type": space.get("type"), "description": text},
        owned=owned,
        ident=space.get("id"),
    )


def _connection(tenant: str, conn: dict[str, Any], spaces: dict[str, str]) -> ActualResource:
    space = spaces.get(conn["space"], conn["space"])
    return ActualResource(
        resources.connection_key(tenant, space, conn["qName"]),
        {"datasource": conn.get("datasourceID"), "statement": conn.get("qConnectStatement")},
        owned=ownership.CONNECTION_TAG in (conn.get("tags") or []),
        ident=conn.get("qID") or conn.get("id"),
    )


async def _assignments(
    client: QlikClient, tenant: str, spaces: list[dict[str, Any]]
) -> list[ActualResource]:
    if not spaces:
        return []
    groups = {g["id"]: g["name"] async for g in client.paginate("/api/v1/groups")}
    out = []
    for space in spaces:
        path = f"/api/v1/spaces/{space['id']}/assignments"
        async for assignment in client.paginate(path, params={"type": "group"}):
            group = groups.get(assignment.get("assigneeId", ""))
            if group is None:
                continue
            out.append(
                ActualResource(
                    resources.assignment_key(tenant, space["name"], group),
                    {"roles": sorted(assignment.get("roles") or [])},
                    ident=assignment.get("id"),
                )
            )
    return out


async def _apps(
    client: QlikClient, tenant: str, items: list[dict[str, Any]], spaces: dict[str, str]
) -> list[ActualResource]:
    builds: dict[str, list[dict[str, Any]]] = {}
    leftovers: list[tuple[ownership.AppMarker, dict[str, Any]]] = []
    out: list[ActualResource] = []
    linked = {
        (i.get("resourceAttributes") or {}).get("originAppId")
        for i in items
        if (i.get("resourceAttributes") or {}).get("publishTime")
    }
    for item in items:
        attrs = item.get("resourceAttributes") or {}
        marker = ownership.parse_app_marker(attrs.get("description") or item.get("description"))
        if marker is None:
            continue
        if marker.role == "published":
            fields = {
                "name": item.get("name"),
                "space": spaces.get(item.get("spaceId") or "", ""),
                "content": marker.content,
            }
            key = resources.published_key(tenant, marker.template)
            out.append(ActualResource(key, fields, ident=_app_id(item)))
        elif marker.role == "build":
            builds.setdefault(marker.template, []).append(item)
        else:
            leftovers.append((marker, item))
    for template, found in sorted(builds.items()):
        # Several build copies of one template only happen after an interrupted import or
        # upgrade: the newest is the one worked on, the others are leftovers.
        found.sort(key=lambda i: i.get("createdAt") or "", reverse=True)
        out += await _build_app(client, tenant, template, found[0], spaces)
        marker = ownership.AppMarker(role="build", template=template)
        leftovers += [(marker, extra) for extra in found[1:]]
    for marker, item in leftovers:
        out.append(_leftover(tenant, marker, item, linked))
    return out


def _app_id(item: dict[str, Any]) -> str:
    return str(item.get("resourceId") or (item.get("resourceAttributes") or {}).get("id"))


def _leftover(
    tenant: str, marker: ownership.AppMarker, item: dict[str, Any], linked: set[Any]
) -> ActualResource:
    """An older build copy: kept while a published app still links to it, else garbage."""
    app_id = _app_id(item)
    in_use = app_id in linked
    why = (
        f"older build copy of {marker.template} still linked from its published app"
        if in_use
        else f"older build copy of {marker.template} that no published app links to"
    )
    return ActualResource(
        ResourceKey(tenant, resources.APP, f"{marker.template}~{app_id}"),
        {"template": marker.template},
        ident=app_id,
        drift=(why,),
        superseded=in_use,
        garbage=not in_use,
    )


async def _build_app(
    client: QlikClient, tenant: str, template: str, item: dict[str, Any], spaces: dict[str, str]
) -> list[ActualResource]:
    attrs = item.get("resourceAttributes") or {}
    marker = ownership.parse_app_marker(attrs.get("description") or item.get("description"))
    assert marker is not None
    app_id = str(item.get("resourceId") or attrs.get("id"))
    app = ActualResource(
        resources.app_key(tenant, template),
        {
            "name": item.get("name"),
            "space": spaces.get(item.get("spaceId") or "", ""),
            "template": marker.template,
            "release": marker.release,
            "digest": marker.digest,
        },
        ident=app_id,
    )
    current, history, reloads = await asyncio.gather(
        client.get_json(f"/api/v1/apps/{app_id}/scripts/current"),
        client.get_json(f"/api/v1/apps/{app_id}/scripts", params={"limit": 1}),
        client.get_json("/api/v1/reloads", params={"appId": app_id, "limit": 1}),
    )
    head = (history.get("scripts") or [{}])[0]
    script_drift: tuple[str, ...] = ()
    message = head.get("versionMessage") or ""
    if not message.startswith(ownership.SCRIPT_VERSION_PREFIX):
        script_drift = ("load script was edited in the tenant",)
    script = ActualResource(
        resources.script_key(tenant, template),
        {"script": (current or {}).get("script", "")},
        ident=app_id,
        drift=script_drift,
    )
    last = (reloads.get("data") or [None])[0]
    status, drift = _reload_status(last, head.get("modifiedTime"))
    reload = ActualResource(
        resources.reload_key(tenant, template), {"status": status}, ident=app_id, drift=drift
    )
    return [app, script, reload]


def _reload_status(
    last: dict[str, Any] | None, script_modified: str | None
) -> tuple[str, tuple[str, ...]]:
    """Whether the app's data reflects its current content: SUCCEEDED only when it does."""
    if last is None:
        return "NEVER", ()
    status = str(last.get("status"))
    if status in ACTIVE_RELOAD:
        return status, ()
    if status != "SUCCEEDED":
        error = last.get("errorMessage") or last.get("errorCode") or "no error message"
        return status, (f"last reload {status}: {error}",)
    if script_modified and _before(last.get("creationTime"), script_modified):
        return "STALE", ("load script changed after the last reload",)
    return "SUCCEEDED", ()


def _before(a: str | None, b: str) -> bool:
    if not a:
        return True
    try:
        return datetime.fromisoformat(a.replace("Z", "+00:00")) < datetime.fromisoformat(
            b.replace("Z", "+00:00")
        )
    except ValueError:
        return False
