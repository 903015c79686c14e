"""Offboarding a customer: deactivating its tenant, and reading it while Qlik keeps it.

A tenant file with ``decommission:`` plans one DEACTIVATE: ``POST https://register.REGION.
qlikcloud.com/api/v1/tenants/{id}/actions/deactivate`` with ``qlik-confirm-hostname`` and
``{purgeAfterDays}`` (qlik-cloud-api.md §9.4); Qlik purges the tenant after that many days and
allows a reactivation until then. A deactivated tenant answers 403 on its own host, so before
deactivating, a ``decommission`` control record in the source tenant keeps its id and host
name; later plans read the tenant's status and purge date on the register host through it.
Reactivation (the block removed before the purge) clears the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qlikreconcile.engine.state import ActualResource
from qlikreconcile.errors import ApiError, NotFoundError
from qlikreconcile.qlik import resources
from qlikreconcile.qlik.control import ControlRecord, ControlRecords, RecordHeld
from qlikreconcile.qlik.refs import TenantRef

if TYPE_CHECKING:
    from qlikreconcile.qlik.client import QlikClient
    from qlikreconcile.qlik.session import QlikSession

KIND = "decommission"


def register_host(region: str) -> str:
    return f"register.{region}.qlikcloud.com"


async def dormant(session: QlikSession, ref: TenantRef, record: ControlRecord) -> ActualResource:
    """The deactivated tenant as its register host shows it (purge date included)."""
    tenant_id = str(record.data.get("id") or "")
    region = str(record.data.get("region") or ref.region)
    info: dict[str, Any] = {}
    try:
        info = dict(
            await session.client(register_host(region)).get_json(f"/api/v1/tenants/{tenant_id}")
        )
    except NotFoundError:
        info = {"status": "purged"}
    except ApiError:
        info = {}
    status = str(info.get("status") or "disabled")
    purge = info.get("estimatedPurgeDate") or record.data.get("purge")
    return ActualResource(
        resources.tenant_key(ref.name),
        {"name": info.get("name", ref.name), "hostname": ref.host, "status": status},
        ident=tenant_id,
        observed={"purge_at": purge, "decommissioned": True},
    )


async def record(
    records: ControlRecords, tenant: str, data: dict[str, Any]
) -> ControlRecord | None:
    """Keep the tenant's id and host before deactivating it (an earlier attempt's record is
    brought up to date)."""
    try:
        return await records.claim(KIND, tenant, data)
    except RecordHeld:
        found = await records.get(KIND, tenant)
        return await records.update(found, data) if found is not None else None


async def deactivate(register: QlikClient, tenant_id: str, host: str, days: int) -> str:
    """Deactivate; the purge date Qlik announces (settled by reading the status back)."""
    path = f"/api/v1/tenants/{tenant_id}/actions/deactivate"
    confirm = {"qlik-confirm-hostname": host}
    try:
        answer = await register.request(
            "POST", path, json={"purgeAfterDays": days}, headers=confirm, idempotent=True
        )
        return str(answer.json().get("estimatedPurgeDate") or "")
    except ApiError:
        found = await register.get_json(f"/api/v1/tenants/{tenant_id}")
        if found.get("status") != "disabled":
            raise
        return str(found.get("estimatedPurgeDate") or "")


async def forget(records: ControlRecords, tenant: str) -> None:
    found = await records.get(KIND, tenant)
    if found is not None:
        await records.clear(found)
