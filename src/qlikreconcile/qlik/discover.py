"""Read the actual state of customer tenants from Qlik, concurrently and read-only.

Per tenant the reads are: the tenant (``tenants/me``), its spaces, data connections and apps
(through the items API: Qlik has no app list) concurrently, the group assignments the spec asks
for on the spaces we own, and for each build app we own its current script, script history head
and last reload (see :mod:`.discover_apps`). A tenant whose host does not answer as a tenant is
reported as absent (nothing exists); a tenant that cannot be read is reported as unreadable and
planned for no further. Where the tenant file says ``adopt_unmarked: true``, spaces, connections,
apps and schedules without our marker are reported for adoption (``ActualResource.adopt``).

An absent tenant is looked at once more (:func:`_absent`): when the spec names its id
(``tenant.id``), or a pending-create control record in the source tenant holds the id of the
tenant that create made, that tenant is read on the register host and through its own display
host, and reported for adoption. A record without an id blocks the tenant (:mod:`.pending`). A
tenant that answers on its host name with another id than the spec's ``tenant.id`` is unreadable,
with the reason.
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
from qlikreconcile.errors import ApiError, NotFoundError, TransportError
from qlikreconcile.qlik import offboarding, ownership, pending, quirks, resources
from qlikreconcile.qlik.build_apps import LastReloads
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.control import ControlRecord, ControlRecords
from qlikreconcile.qlik.discover_apps import AppRef, read_apps
from qlikreconcile.qlik.lookups import find_group
from qlikreconcile.qlik.schedules import read_tasks
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
    region: str = ""
    file: str = ""
    """The spec file of the tenant (named in recovery steps)."""
    adopt_id: str | None = None
    """The spec's ``tenant.id``: the existing tenant to take over when the host does not answer."""
    prune_published: str | None = None
    """Published copies no longer in the spec are pruned: ``keep_sheets`` (never one customers'
    sheets live in) or ``with_sheets`` (the tenant file allows it); None: not pruned."""
    adopt_unmarked: bool = False
    """The tenant file's ``adopt_unmarked``: what the spec describes but lacks our marker is
    reported for adoption (and unmarked apps are read as fully as ours)."""


class _Unreadable(Exception):
    """A tenant whose state cannot be planned; the message says why and what to do."""


class _Records:
    """The source tenant's pending-create records, read once and only when first needed."""

    def __init__(self, session: QlikSession, source_host: str | None) -> None:
        self._control = ControlRecords(session.client(source_host)) if source_host else None
        self._lock = asyncio.Lock()
        self._found: dict[str, ControlRecord] | None = None

    @property
    def host(self) -> str:
        return self._control.host if self._control else ""

    async def get(self, tenant: str) -> ControlRecord | None:
        if self._control is None:
            return None
        async with self._lock:
            if self._found is None:
                self._found = await self._control.all(pending.KIND)
        return self._found.get(tenant)

    async def deactivated(self, tenant: str) -> ControlRecord | None:
        """The record a decommission left (read only when a tenant answers as deactivated)."""
        if self._control is None:
            return None
        return await self._control.get(offboarding.KIND, tenant)


READ_PARALLELISM = 64
"""Tenants read at once by default. Not Qlik's limits: those are per tenant (tier 1: 1,000 reads a
minute), and a tenant's read is about ten requests in three rounds. What bounds a fleet read is
the client's CPU: about 0.5 ms per request keeps one core busy with a hundred-odd requests in
flight at Qlik's latencies; the session caps those (:mod:`.pools`), so more tenants only wait."""

ReadListener = Callable[[TenantRef], None]
"""Called when a tenant has been read (for progress on long reads)."""


async def read_fleet(
    session: QlikSession,
    tenants: Sequence[TenantRef],
    *,
    concurrency: int = READ_PARALLELISM,
    clock: Callable[[], float] = time.time,
    listener: ReadListener | None = None,
    source_host: str | None = None,
) -> ActualState:
    """Read every tenant, ``concurrency`` at a time; failures mark a tenant unreadable.

    ``source_host`` is where pending-create records are looked for (None: not looked for).
    """
    slots = asyncio.Semaphore(concurrency)
    found: dict[ResourceKey, ActualResource] = {}
    missing: dict[ResourceKey, str] = {}
    unreadable: dict[str, str] = {}
    blocked: dict[str, str] = {}
    records = _Records(session, source_host)

    async def one(ref: TenantRef) -> None:
        async with slots:
            try:
                resources_, gone = await read_tenant(session.client(ref.host), ref, clock())
                if not resources_:
                    resources_, gone = await _absent(session, ref, records, clock())
                elif (record := await records.get(ref.name)) is not None:
                    resources_.append(_obsolete(ref, record))
            except _Blocked as exc:
                blocked[ref.name] = str(exc)
            except _Unreadable as exc:
                unreadable[ref.name] = str(exc)
            except (ApiError, TransportError) as exc:
                disabled = quirks.is_disabled_tenant_error(exc)
                record = await records.deactivated(ref.name) if disabled else None
                if record is not None:
                    found[resources.tenant_key(ref.name)] = await offboarding.dormant(
                        session, ref, record
                    )
                else:
                    log.warning("cannot read tenant %s: %s", ref.name, exc)
                    unreadable[ref.name] = (
                        "the tenant is deactivated; reactivate it before it is purged"
                        if disabled
                        else str(exc)
                    )
            else:
                found.update((r.key, r) for r in resources_)
                missing.update(gone)
        if listener:
            listener(ref)

    await asyncio.gather(*(one(ref) for ref in tenants))
    return ActualState(
        dict(sorted(found.items())),
        dict(sorted(unreadable.items())),
        dict(sorted(missing.items())),
        dict(sorted(blocked.items())),
    )


def _obsolete(ref: TenantRef, record: ControlRecord) -> ActualResource:
    """A pending-create record of a tenant that answers on its host: deleted as garbage."""
    return ActualResource(
        resources.pending_create_key(ref.name),
        dict(record.data),
        ident=record.ident,
        drift=(f"obsolete pending-create record: {ref.host} answers",),
        garbage=True,
    )


class _Blocked(Exception):
    """A tenant an operator must settle first; the message gives the steps."""


async def _absent(
    session: QlikSession, ref: TenantRef, records: _Records, now: float
) -> tuple[list[ActualResource], dict[ResourceKey, str]]:
    """A tenant whose host does not answer: to adopt (an id is known), blocked, or to create."""
    tenant_id = ref.adopt_id
    if tenant_id is None:
        record = await records.get(ref.name)
        if record is None:
            return [], {}
        tenant_id = record.data.get("id")
        if not tenant_id:
            raise _Blocked(
                pending.recovery(
                    ref.name, file=ref.file, data=record.data, source_host=records.host
                )
            )
    register = session.client(f"register.{ref.region}.qlikcloud.com")
    try:
        info = await register.get_json(f"/api/v1/tenants/{tenant_id}")
    except NotFoundError:
        raise _Unreadable(
            f"{ref.file or ref.name}: tenant.id {tenant_id} names no tenant on {register.host}; "
            "correct the id (or remove it to create the tenant)"
        ) from None
    hostnames = [str(h).lower() for h in info.get("hostnames") or []]
    own = session.client(hostnames[0]) if hostnames else session.client(ref.host)
    out, gone = await read_tenant(own, ref, now)
    rest = [r for r in out if r.key != resources.tenant_key(ref.name)]
    alias = hostnames[1] if len(hostnames) > 1 else None
    status = info.get("status", "active")
    adopted = ActualResource(
        resources.tenant_key(ref.name),
        {"name": info.get("name"), "hostname": alias, "status": status},
        ident=str(info.get("id") or tenant_id),
        drift=() if status == "active" else (f"tenant is {status}",),
        adopt=True,
    )
    return [adopted, *rest], gone


async def read_tenant(
    client: QlikClient, ref: TenantRef, now: float
) -> tuple[list[ActualResource], dict[ResourceKey, str]]:
    """Everything qlikreconcile manages in one tenant (nothing when the tenant does not exist).

    Three rounds of concurrent reads: the spaces (which prove the host is a tenant and name its
    id), then the tenant by that id and every tenant-wide list, then one script history per
    build app. A tenant without spaces is read through ``GET /tenants/me`` (302 to the tenant).
    """
    tenant = ref.name
    try:
        spaces = await _all(client, "/api/v1/spaces")
    except (ApiError, TransportError) as exc:
        if quirks.is_absent_host_error(exc):
            return [], {}
        raise
    tenant_id = next((str(s["tenantId"]) for s in spaces if s.get("tenantId")), None)
    info, connections, items, tasks, reloads = await asyncio.gather(
        client.get_json(f"/api/v1/tenants/{tenant_id}")
        if tenant_id
        else client.get_following_redirect("/api/v1/tenants/me"),
        _all(client, "/api/v1/data-connections"),
        _all(client, "/api/v1/items", {"resourceType": "app"}),
        read_tasks(client),
        LastReloads.read(client),
    )
    if ref.adopt_id and client.host == ref.host and info.get("id") != ref.adopt_id:
        raise _Unreadable(
            f"{ref.file or tenant}: tenant.id is {ref.adopt_id} but {ref.host} already answers "
            f"as tenant {info.get('id')}; remove tenant.id (the tenant exists) or correct it"
        )
    space_names = {s["id"]: s["name"] for s in spaces if s.get("name")}
    out = [_tenant(tenant, info, client.host)]
    adopt = ref.adopt_unmarked
    out += [_space(tenant, s, adopt=adopt) for s in spaces if s.get("name")]
    out += [_connection(tenant, c, space_names, adopt=adopt) for c in connections if c.get("space")]
    # Assignments are read on our spaces only, and on those about to be adopted.
    owned = [
        s for s in spaces if adopt or ownership.parse_space_description(s.get("description"))[0]
    ]
    assignments, apps = await asyncio.gather(
        _assignments(client, tenant, owned, ref.members),
        read_apps(
            client,
            tenant,
            items,
            space_names,
            ref.apps,
            now,
            reloads,
            tasks,
            prune=ref.prune_published,
            adopt=adopt,
        ),
    )
    return out + assignments + apps.resources, apps.missing


async def _all(
    client: QlikClient, path: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return [item async for item in client.paginate(path, params=params)]


def _tenant(tenant: str, info: dict[str, Any], host: str) -> ActualResource:
    """The tenant as read through ``host``: its host name is that one (display or alias)."""
    hostnames = [str(h).lower() for h in info.get("hostnames") or []]
    status = info.get("status", "active")
    drift = () if status == "active" else (f"tenant is {status}",)
    hostname = host if host in hostnames else (hostnames[0] if hostnames else "")
    return ActualResource(
        resources.tenant_key(tenant),
        {"name": info.get("name"), "hostname": hostname, "status": status},
        ident=info.get("id"),
        drift=drift,
    )


def _space(tenant: str, space: dict[str, Any], *, adopt: bool = False) -> ActualResource:
    """``adopt``: the tenant file adopts unmarked resources (one without our marker is)."""
    owned, text, applied = ownership.parse_space_description(space.get("description"))
    return ActualResource(
        resources.space_key(tenant, space["name"]),
        {"type": space.get("type"), "description": text},
        owned=owned,
        ident=space.get("id"),
        applied=applied,
        adopt=adopt and not owned,
        drift=("no ownership marker",) if adopt and not owned else (),
    )


def _connection(
    tenant: str, conn: dict[str, Any], spaces: dict[str, str], *, adopt: bool = False
) -> ActualResource:
    space = spaces.get(conn["space"], conn["space"])
    owned, applied = ownership.parse_connection_tags(conn.get("tags"))
    # Qlik never returns qUsername or qPassword (doc §7): both come from our own tags.
    username, fingerprint = ownership.connection_credentials(conn.get("tags"))
    return ActualResource(
        resources.connection_key(tenant, space, conn["qName"]),
        {
            "datasource": conn.get("datasourceID"),
            "statement": conn.get("qConnectStatement"),
            "username": username,
            "password": fingerprint,
        },
        owned=owned,
        ident=conn.get("qID") or conn.get("id"),
        applied=applied,
        adopt=adopt and not owned,
        drift=("no ownership marker",) if adopt and not owned else (),
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
    # The groups and the assignments do not depend on each other: read them at once.
    found, *lists = await asyncio.gather(
        asyncio.gather(*(find_group(client, name) for name in names)),
        *(
            _all(client, f"/api/v1/spaces/{space['id']}/assignments", {"type": "group"})
            for space in wanted
        ),
    )
    by_id = {ident: name for name, ident in zip(names, found, strict=True) if ident}
    out = []
    for space, assignments in zip(wanted, lists, strict=True):
        for assignment in assignments:
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
