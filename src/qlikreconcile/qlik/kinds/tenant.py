"""Tenants: created once on the region's register host, then given the spec's name and host name.

Creation follows qlik-cloud-api.md §14.2: ``POST https://register.REGION.qlikcloud.com/api/v1/
tenants {licenseKey, datacenter}`` answers 201 with ``id`` and a display host name Qlik
generates (``hostnames[0]``). The spec's host name then becomes the alias and the name is set,
with one replace-op ``PATCH /api/v1/tenants/{id}`` sent to the tenant's own display host
(:data:`quirks.TENANT_PATCH_ON_OWN_HOST`); finally ``users/me`` on the alias must answer with the
new id.

**Never twice.** A create consumes a licensed tenant and Qlik cannot be asked afterwards whether
a lost create happened, so (see :mod:`..pending`): a ``tenant-create`` control record is claimed
in the source tenant before the POST (a record already there refuses the create, and so does the
host name answering once the record is held: another run made the tenant); the POST is
never repeated after a lost answer (the client retries a POST only when it certainly did not
reach Qlik: refused connection, a real 429); a lost answer stops this tenant (its dependents are
skipped, other tenants go on) with the recovery steps and leaves the record; a 201 writes the new
id into the record, so a later run takes the tenant over even if this one dies right after.

ADOPT takes over an existing tenant by id (from the spec's ``tenant.id`` or a record): read it
on the register host, then alias, name and verify as after a create. Updates patch the name, and
reactivate a disabled tenant (settled by reading its status).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import ActualResource, DesiredResource
from qlikreconcile.errors import ApiError, OperationError, TransportError
from qlikreconcile.qlik import offboarding, pending, quirks, resources
from qlikreconcile.qlik.archive import archive_published
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.control import ControlRecord, ControlRecords, RecordHeld
from qlikreconcile.qlik.kinds.adopt import create_once, is_ambiguous
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Found, Kind, Reading, UnreadableTenant, Wants
from qlikreconcile.spec.desired_state import REGIONS

# The host name is an alias Qlik lets us set (PATCH /hostnames/1): not fixed.
SPEC = KindSpec(resources.TENANT, 0, fixed_fields=frozenset({"region"}))


@dataclass(frozen=True, slots=True)
class TenantInputs(OperationInputs):
    region: str
    datacenter: str
    """Qlik's ``datacenter`` for the region (the create body)."""
    file: str = ""
    """The tenant's spec file (named in recovery steps)."""
    purge_after_days: int | None = None
    """Set on a deactivation (``decommission``)."""
    export_to: str | None = None
    """Where a deactivation archives the published apps first."""


logger = logging.getLogger(__name__)


async def _active(register: QlikClient, tenant_id: str) -> str | None:
    found = await register.get_json(f"/api/v1/tenants/{tenant_id}")
    return tenant_id if found.get("status") == "active" else None


def control_records(env: HandlerEnv) -> ControlRecords:
    """The source tenant's control records, paced as the session paces a retry."""

    async def pause(attempt: int, exc: BaseException) -> None:
        await env.pause(env.session.policy.wait_seconds(attempt, exc))

    stats = env.session.stats.host(env.source_host)
    return ControlRecords(env.session.client(env.source_host), stats=stats, pause=pause)


async def _name_and_alias(
    env: HandlerEnv,
    tenant_id: str,
    own_host: str,
    register: QlikClient,
    *,
    name: str | None,
    alias: str | None,
) -> None:
    """One idempotent replace-op PATCH (on the tenant's own host), then prove the alias answers."""
    patch = []
    if alias is not None:
        patch.append({"op": "replace", "path": "/hostnames/1", "value": alias})
    if name is not None:
        patch.append({"op": "replace", "path": "/name", "value": name})
    if not patch:
        return
    patcher = env.session.client(own_host) if quirks.TENANT_PATCH_ON_OWN_HOST else register
    await patcher.patch_json(f"/api/v1/tenants/{tenant_id}", patch, idempotent=True)
    if alias is not None:
        me = await env.session.client(alias).get_following_redirect("/api/v1/users/me")
        if me.get("tenantId") != tenant_id:
            raise OperationError(
                f"tenant {tenant_id} was given the host name {alias}, but {alias} answers as "
                f"tenant {me.get('tenantId')}"
            )


async def _claim(env: HandlerEnv, op: Operation, inputs: TenantInputs, host: str) -> ControlRecord:
    records = control_records(env)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    data = pending.record_data(host=host, region=inputs.region, started=started)
    try:
        return await records.claim(pending.KIND, op.key.tenant, data)
    except RecordHeld as exc:
        raise OperationError(
            f"not creating tenant {op.key.tenant}: "
            + pending.recovery(
                op.key.tenant,
                file=inputs.file,
                data=exc.data,
                source_host=records.host,
            )
        ) from None


async def _create(
    op: Operation, env: HandlerEnv, inputs: TenantInputs, host: str, register: QlikClient
) -> Outcome:
    tenant = op.key.tenant
    records = control_records(env)
    body = {"licenseKey": await env.license_key(), "datacenter": inputs.datacenter}
    record = await _claim(env, op, inputs, host)
    try:
        # The claim is the lock; look again under it: another run may have created and aliased
        # the tenant (and cleared its record) since this plan was made.
        answers = await env.session.client(host).host_exists()
    except Exception:
        await records.clear(record)  # nothing was sent: do not block the next run
        raise
    if answers:
        await records.clear(record)
        raise OperationError(
            f"not creating tenant {tenant}: {host} answers now (another run created it since "
            "this plan was made); plan again"
        )
    try:
        created = await register.post_json("/api/v1/tenants", body, expected=(201,))
    except (ApiError, TransportError) as exc:
        if is_ambiguous(exc):
            recovery = pending.recovery(
                tenant,
                file=inputs.file,
                data=record.data,
                source_host=records.host,
            )
            raise OperationError(f"tenant {tenant}: {exc}; {recovery}") from None
        # Certainly not created (Qlik refused it, or it never reached Qlik): free the record.
        await records.clear(record)
        raise
    tenant_id = str(created["id"])
    own_host = str((created.get("hostnames") or [host])[0])
    try:
        record = await records.update(record, {"id": tenant_id, "display": own_host})
    except (ApiError, TransportError) as exc:
        # The tenant exists; if the steps below fail too, the record (without the id) blocks the
        # next run with the recovery steps, which name this id in the log.
        logger.warning(
            "tenant %s created as %s; recording the id failed: %s", tenant, tenant_id, exc
        )
    await _name_and_alias(env, tenant_id, own_host, register, name=op.desired["name"], alias=host)
    await records.clear(record)
    return Outcome(ident=tenant_id, detail=f"created {host} ({tenant_id})")


async def _adopt(op: Operation, env: HandlerEnv, host: str, register: QlikClient) -> Outcome:
    tenant_id = str(op.ident)
    found: dict[str, Any] = await register.get_json(f"/api/v1/tenants/{tenant_id}")
    own_host = str((found.get("hostnames") or [host])[0])
    await _name_and_alias(env, tenant_id, own_host, register, name=op.desired["name"], alias=host)
    records = control_records(env)
    record = await records.get(pending.KIND, op.key.tenant)
    if record is not None:
        await records.clear(record)
    return Outcome(ident=tenant_id, detail=f"took over {tenant_id} as {host}")


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    host = env.host(op)
    inputs = TenantInputs.of(op)
    register = env.session.client(f"register.{inputs.region}.qlikcloud.com")
    if op.action is Action.CREATE:
        return await _create(op, env, inputs, host, register)
    if op.action is Action.ADOPT:
        return await _adopt(op, env, host, register)
    tenant_id = env.ident(op.key)
    if op.action is Action.DEACTIVATE:
        return await _deactivate(op, env, inputs, host, register, tenant_id)
    changed = {c.path for c in op.changes}
    if "status" in changed:

        async def reactivate() -> str:
            path = f"/api/v1/tenants/{tenant_id}/actions/reactivate"
            confirm = {"qlik-confirm-hostname": host}  # required, doc §9.4
            await register.request("POST", path, json={}, headers=confirm, expected=(200,))
            return tenant_id

        await create_once(
            env,
            host=register.host,
            what=f"reactivate tenant {host}",
            create=reactivate,
            find=lambda: _active(register, tenant_id),
        )
        await offboarding.forget(control_records(env), op.key.tenant)
    name = op.desired["name"] if "name" in changed else None
    alias = host if "hostname" in changed else None
    await _name_and_alias(env, tenant_id, host, register, name=name, alias=alias)
    return Outcome(ident=tenant_id)


async def _deactivate(
    op: Operation,
    env: HandlerEnv,
    inputs: TenantInputs,
    host: str,
    register: QlikClient,
    tenant_id: str,
) -> Outcome:
    """Offboard: archive the published apps when the spec asks, keep the tenant's id and host
    in a control record, then deactivate it."""
    archived = ""
    if folder := inputs.export_to:
        apps = await archive_published(env.session.client(host), str(folder), env.write_archive)
        archived = f"; exported {len(apps)} published app(s) to {folder}"
    region = inputs.region
    data = {"id": tenant_id, "host": host, "region": region}
    records = control_records(env)
    kept = await offboarding.record(records, op.key.tenant, data)
    if inputs.purge_after_days is None:
        raise OperationError(f"{op.id}: a deactivation without purge_after_days; plan again")
    days = inputs.purge_after_days
    purge = await offboarding.deactivate(register, tenant_id, host, days)
    if kept is not None and purge:  # Qlik says the purge date only in this answer
        await records.update(kept, {"purge": purge})
    detail = f"deactivated {host}; Qlik purges it on {purge}{archived}"
    return Outcome(ident=tenant_id, detail=detail)


def want(wants: Wants) -> list[DesiredResource]:
    """The tenant, active; disabled (deactivated) when its file decommissions it."""
    tenant = wants.tenant
    offboard = tenant.decommission_purge_days is not None
    inputs = TenantInputs(
        region=tenant.region,
        datacenter=REGIONS[tenant.region],
        file=tenant.file,
        purge_after_days=tenant.decommission_purge_days,
        export_to=tenant.decommission_export_to if offboard else None,
    )
    fields = {
        "name": tenant.name,
        "hostname": tenant.hostname,
        "status": "disabled" if offboard else "active",
    }
    return [DesiredResource(resources.tenant_key(tenant.name), fields, inputs=inputs)]


async def read(reading: Reading) -> Found:
    """The tenant by the id its spaces name (``tenants/me``, a redirect, when it has none)."""
    client, ref = reading.client, reading.ref
    tenant_id = reading.tenant_id
    info = await (
        client.get_json(f"/api/v1/tenants/{tenant_id}")
        if tenant_id
        else client.get_following_redirect("/api/v1/tenants/me")
    )
    if ref.adopt_id and client.host == ref.host and info.get("id") != ref.adopt_id:
        raise UnreadableTenant(
            f"{ref.file or ref.name}: tenant.id is {ref.adopt_id} but {ref.host} already answers "
            f"as tenant {info.get('id')}; remove tenant.id (the tenant exists) or correct it"
        )
    return Found([actual(ref.name, info, client.host)])


def actual(tenant: str, info: dict[str, Any], host: str) -> ActualResource:
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


KIND = Kind(SPEC, run, want, read)
