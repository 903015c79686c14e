"""Read the actual state of customer tenants from Qlik, concurrently and read-only.

Per tenant the reads are: the tenant (``tenants/me``), its spaces, data connections and apps
(through the items API: Qlik has no app list) concurrently, the group assignments the spec asks
for on the spaces we own, and for each build app we own its current script, script history head
and last reload (see :mod:`.discover_apps`). A tenant whose host does not answer as a tenant is
reported as absent (nothing exists); a tenant that cannot be read is reported as unreadable and
planned for no further.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource, ActualState
from qlikreconcile.errors import ApiError, TransportError
from qlikreconcile.qlik import ownership, quirks, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.discover_apps import AppRef, read_apps
from qlikreconcile.qlik.lookups import find_group
from qlikreconcile.qlik.session import QlikSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TenantRef:
    """The tenant to read: its name in the spec, its host name, and the apps the spec expects."""

    name: str
    host: str
    apps: tuple[AppRef, ...] = ()
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Space name -> the groups the spec assigns roles on it."""


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
                unreadable[ref.name] = (
                    "the tenant is deactivated; reactivate it before it is purged"
                    if quirks.is_disabled_tenant_error(exc)
                    else str(exc)
                )
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
    """Everything qlikreconcile manages in one tenant (nothing when the tenant does not exist).

    ``GET /tenants/me`` (302 to the tenant) both proves the host is a tenant and reads it; the
    lists that do not depend on each other are read concurrently.
    """
    tenant = ref.name
    try:
        info = await client.get_following_redirect("/api/v1/tenants/me")
    except (ApiError, TransportError) as exc:
        if quirks.is_absent_host_error(exc):
            return [], {}
        raise
    spaces, connections, items = await asyncio.gather(
        _all(client, "/api/v1/spaces"),
        _all(client, "/api/v1/data-connections"),
        _all(client, "/api/v1/items", {"resourceType": "app"}),
    )
    space_names = {s["id"]: s["name"] for s in spaces if s.get("name")}
    out = [_tenant(tenant, info)]
    out += [_space(tenant, s) for s in spaces if s.get("name")]
    out += [_connection(tenant, c, space_names) for c in connections if c.get("space")]
    owned = [s for s in spaces if ownership.parse_space_description(s.get("description"))[0]]
    out += await _assignments(client, tenant, owned, ref.members)
    apps = await read_apps(client, tenant, items, space_names, ref.apps, now)
    return out + apps.resources, apps.missing


async def _all(
    client: QlikClient, path: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return [item async for item in client.paginate(path, params=params)]


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
    client: QlikClient,
    tenant: str,
    spaces: list[dict[str, Any]],
    members: Mapping[str, tuple[str, ...]],
) -> list[ActualResource]:
    """Group assignments of the owned spaces the spec gives members, for those groups only.

    Groups are looked up by name (a filter per group the spec names) rather than listed: a
    tenant may hold thousands of groups.
    """
    wanted = [s for s in spaces if members.get(s["name"])]
    if not wanted:
        return []
    names = sorted({g for s in wanted for g in members[s["name"]]})
    found = await asyncio.gather(*(find_group(client, name) for name in names))
    by_id = {ident: name for name, ident in zip(names, found, strict=True) if ident}
    out = []
    for space in wanted:
        path = f"/api/v1/spaces/{space['id']}/assignments"
        async for assignment in client.paginate(path, params={"type": "group"}):
            group = by_id.get(assignment.get("assigneeId", ""))
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
