"""Tenants removed from the spec: found through the fleet roster, reported with what keeps running.

Every apply records the tenants it found or made (:class:`~qlikreconcile.qlik.roster.Roster`);
a plan reads the roster, reads each recorded tenant the spec no longer names, and lists every
owned object left there with what it keeps doing (``KindSpec.left_behind``) as a divergence.
Nothing is deleted: offboarding is an explicit decision. ``qlikreconcile tenant disown NAME``
drops a tenant from the roster once it is settled (offboarded by hand, or never to be managed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping

from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.report import ApplyReport, Status
from qlikreconcile.errors import ApiError, PlanError, QlikReconcileError, TransportError
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.control import ControlRecords
from qlikreconcile.qlik.discover import read_tenant
from qlikreconcile.qlik.kinds.registry import KINDS
from qlikreconcile.qlik.lease import Lease, LeaseHeld, default_owner
from qlikreconcile.qlik.refs import TenantRef
from qlikreconcile.qlik.roster import Roster
from qlikreconcile.qlik.session import QlikSession
from qlikreconcile.reconcile.targeting import shard_of

log = logging.getLogger(__name__)
ROSTER_TTL = 60.0
"""Seconds the roster's write lease lasts, and the longest wait for another apply's."""

READ_CONCURRENCY = 8


async def removed_tenants(
    session: QlikSession,
    *,
    source_host: str,
    spec_tenants: Collection[str],
    now: float,
    kinds: Mapping[str, KindSpec] = KINDS,
    shard: tuple[int, int] | None = None,
) -> tuple[list[str], list[str]]:
    """Divergences for recorded tenants the spec no longer names, and warnings.

    Each such tenant is read like any other; every owned object found there is one divergence
    line saying what keeps running. A tenant that cannot be read is one line saying so.
    """
    try:
        roster = await Roster(session.client(source_host)).read()
    except (ApiError, TransportError, PlanError) as exc:
        return [], [
            f"the fleet roster in {source_host} could not be read ({exc}); "
            "tenants removed from the spec are not listed in this plan"
        ]
    gone = {
        name: host
        for name, host in sorted(roster.items())
        if name not in spec_tenants and (shard is None or shard_of(name, shard[1]) == shard[0])
    }  # with --shard, each removed tenant is reported by its own shard only
    slots = asyncio.Semaphore(READ_CONCURRENCY)

    async def one(name: str, host: str) -> list[str]:
        async with slots:
            return await _left_in(session, name, host, now, kinds)

    found = await asyncio.gather(*(one(n, h) for n, h in gone.items()))
    return [line for lines in found for line in lines], []


async def _left_in(
    session: QlikSession, name: str, host: str, now: float, kinds: Mapping[str, KindSpec]
) -> list[str]:
    head = f"{name}: tenant {host} is no longer in the spec (its file was removed?)"
    fix = f"offboard it, or run `qlikreconcile tenant disown {name}` to stop listing it"
    try:
        found, _ = await read_tenant(session.client(host), TenantRef(name, host, ()), now)
    except (QlikReconcileError, ValueError) as exc:
        return [f"{head}; it cannot be read ({exc}); {fix}"]
    if not found:
        return [f"{head} and does not answer any more; run `qlikreconcile tenant disown {name}`"]
    lines = [f"{head}; what qlikreconcile made there is left in place (deletion is opt-in): {fix}"]
    for resource in found:
        kind = kinds.get(resource.key.kind)
        if resource.owned and kind is not None and kind.left_behind is not None:
            lines.append(
                f"{resource.key}: left in a tenant no longer in the spec: {kind.left_behind}"
            )
    return lines


def applied_tenants(
    hosts: Mapping[str, str], seen: Collection[str], report: ApplyReport | None
) -> dict[str, str]:
    """Tenants known to exist after an apply: read with a tenant resource, or created now."""
    made = (
        set()
        if report is None
        else {
            r.key.tenant
            for r in report.results
            if r.key.kind == resources.TENANT and r.status is Status.SUCCEEDED
        }
    )
    return {name: hosts[name] for name in sorted(set(seen) | made) if name in hosts}


async def record_applied(
    session: QlikSession, *, source_host: str, tenants: Mapping[str, str]
) -> str | None:
    """Add ``tenants`` (name -> host) to the roster; a warning when it cannot be written.

    Sharded applies finish side by side: the read-merge-write runs under a short lease of its
    own, so no shard writes over another's tenants."""
    client = session.client(source_host)
    roster = Roster(client)
    lock = Lease(ControlRecords(client), owner=default_owner(), ttl=ROSTER_TTL, subject="roster")
    try:
        current = await roster.read()
        if {**current, **tenants} == current:
            return None  # the usual case: nothing to record, nothing written
        await lock.acquire(wait=ROSTER_TTL)
        try:
            current = await roster.read()  # again, under the lock
            wanted = {**current, **tenants}
            if wanted != current:
                await roster.write(wanted)
        finally:
            await asyncio.shield(lock.release())
    except (ApiError, TransportError, PlanError, LeaseHeld) as exc:
        log.warning("fleet roster not updated: %s", exc)
        return (
            f"the fleet roster in {source_host} was not updated ({exc}); the next apply "
            "records these tenants"
        )
    return None


async def disown(session: QlikSession, *, source_host: str, tenant: str) -> str | None:
    """Drop ``tenant`` from the roster; its host (None: it was not recorded)."""
    roster = Roster(session.client(source_host))
    current = await roster.read()
    host = current.pop(tenant, None)
    if host is not None:
        await roster.write(current)
    return host
