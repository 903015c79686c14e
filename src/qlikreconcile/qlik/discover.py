"""Read the actual state of customer tenants from Qlik, concurrently and read-only.

Per tenant: its spaces, then every kind's reader at once (:mod:`.kinds.registry`): the tenant,
its data connections, the group assignments the spec asks for on the spaces we own, and the app
family through the items API (Qlik has no app list; :mod:`.discover_apps`). A tenant whose
host does not answer as a tenant is reported as absent (nothing exists); a tenant that cannot
be read is reported as unreadable and planned for no further. Where the tenant file says
``adopt_unmarked: true``, spaces, connections, apps and schedules without our marker are
reported for adoption (``ActualResource.adopt``).

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
from collections.abc import Callable, Sequence

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.state import ActualResource, ActualState
from qlikreconcile.errors import ApiError, NotFoundError, TransportError
from qlikreconcile.qlik import offboarding, pending, quirks, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.control import ControlRecord, ControlRecords
from qlikreconcile.qlik.kinds.kind import Reading, UnreadableTenant
from qlikreconcile.qlik.kinds.registry import READERS
from qlikreconcile.qlik.refs import TenantRef
from qlikreconcile.qlik.session import QlikSession

log = logging.getLogger(__name__)


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
            except UnreadableTenant as exc:
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
            # Its read is over: its connections need not wait for eviction. A plan of thousands
            # of tenants otherwise holds hundreds of hosts' (a 1,000-tenant plan over plain
            # HTTP peaked 6 MiB lower without them; TLS connections weigh more).
            await session.release(ref.host)
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
        raise UnreadableTenant(
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

    The spaces first (they prove the host is a tenant and name its id), then every kind's
    reader at once (:data:`~.kinds.registry.READERS`), each reading its tenant-wide lists once.
    """
    try:
        spaces = await client.get_all("/api/v1/spaces")
    except (ApiError, TransportError) as exc:
        if quirks.is_absent_host_error(exc):
            return [], {}
        raise
    reading = Reading(client, ref, now, tuple(spaces))
    out: list[ActualResource] = []
    missing: dict[ResourceKey, str] = {}
    for found in await asyncio.gather(*(read(reading) for read in READERS)):
        out += found.resources
        missing.update(found.missing)
    return out, missing
