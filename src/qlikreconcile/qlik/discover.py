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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource, ActualState
from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.discover_apps import AppRef, read_apps
from qlikreconcile.qlik.session import QlikSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TenantRef:
    """The tenant to read: its name in the spec, its host name, and the apps the spec expects."""

    name: str
    host: str
    apps: tuple[AppRef, ...] = ()


ReadListener = Callable[[TenantRef], None]
"""Called when a tenant has been read (for progress on long reads)."""


async def read_fleet(
    session: QlikSession,
    tenants: Sequence[TenantRef],
    *,
    concurrency: int = 32,
    clock: Callable[[], float] = time.time,
    listener: ReadListener | None = None,
) -> ActualState:
    """Read every tenant, ``concurrency`` at a time; failures mark a tenant unreadable."""
    slots = asyncio.Semaphore(concurrency)
    found: dict[ResourceKey, ActualResource] = {}
    missing: dict[ResourceKey, str] = {}
    unreadable: dict[str, str] = {}

    async def one(ref: TenantRef) -> None:
        async with slots:
            try:
                resources_, gone = await read_tenant(session.client(ref.host), ref, clock())
            except (ApiError, TransportError) as exc:
                log.warning("cannot read tenant %s: %s", ref.name, exc)
                unreadable[ref.name] = str(exc)
            else:
                found.update((r.key, r) for r in resources_)
                missing.update(gone)
        if listener:
            listener(ref)

    await asyncio.gather(*(one(ref) for ref in tenants))
    return ActualState(
        dict(sorted(found.items())), dict(sorted(unreadable.items())), dict(sorted(missing.items()))
    )


async def read_tenant(
    client: QlikClient, ref: TenantRef, now: float
) -> tuple[list[ActualResource], dict[ResourceKey, str]]:
    """Everything qlikreconcile manages in one tenant (nothing when the tenant does not exist)."""
    tenant = ref.name
    if not await client.host_exists():
        return [], {}
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
    apps = await read_apps(client, tenant, items, space_names, ref.apps, now)
    return out + apps.resources, apps.missing


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
    owned, text, applied = ownership.parse_space_description(space.get("description"))
    return ActualResource(
        resources.space_key(tenant, space["name"]),
        {"type": space.get("type"), "description": text},
        owned=owned,
        ident=space.get("id"),
        applied=applied,
    )


def _connection(tenant: str, conn: dict[str, Any], spaces: dict[str, str]) -> ActualResource:
    space = spaces.get(conn["space"], conn["space"])
    owned, applied = ownership.parse_connection_tags(conn.get("tags"))
    return ActualResource(
        resources.connection_key(tenant, space, conn["qName"]),
        {"datasource": conn.get("datasourceID"), "statement": conn.get("qConnectStatement")},
        owned=owned,
        ident=conn.get("qID") or conn.get("id"),
        applied=applied,
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
