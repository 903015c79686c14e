"""Offboarding in the plan: a decommissioned tenant is one DEACTIVATE, then a note until purged.

The planner sees a tenant's ``status`` go from active to disabled; this turns that update into
the destructive DEACTIVATE it is (the blast-radius guard counts it with deletes), and for
tenants Qlik holds deactivated (read through their control record) plans nothing but a
reactivation, since their content cannot be read until then. Every plan lists tenants in their
purge window.
"""

from __future__ import annotations

import dataclasses

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Operation, Plan, divergence_tenant
from qlikreconcile.engine.state import ActualState
from qlikreconcile.qlik import resources
from qlikreconcile.spec.desired_state import DesiredFleet, Tenant


def _deactivation(op: Operation, tenant: Tenant) -> Operation:
    days = tenant.decommission_purge_days
    export = tenant.decommission_export_to
    first = f"export its published apps without data to {export}/, then " if export else ""
    reason = (
        f"decommission ({tenant.decommission_at}): {first}deactivate {tenant.hostname}; Qlik "
        f"purges it {days} days later, and removing the block before then reactivates it"
    )
    return dataclasses.replace(op, action=Action.DEACTIVATE, reason=reason, changes=())


def offboard(plan: Plan, fleet: DesiredFleet, actual: ActualState) -> Plan:
    tenants = {t.name: t for t in fleet.tenants}
    notes: list[str] = []
    quiet: set[str] = set()
    for name, tenant in sorted(tenants.items()):
        found = actual.resources.get(resources.tenant_key(name))
        offboarded = tenant.decommission_purge_days is not None
        if found is None or not found.observed.get("decommissioned"):
            if offboarded and found is None and name not in actual.unreadable:
                quiet.add(name)
                notes.append(
                    f"{name}: decommissioned ({tenant.decommission_at}) and {tenant.hostname} "
                    "does not answer (purged?): nothing is created; remove its file"
                )
            continue
        quiet.add(name)
        purge = found.observed.get("purge_at") or "an unknown date"
        status = found.fields.get("status")
        if status == "purged":
            notes.append(
                f"{name}: purged by Qlik; remove its file, then run "
                f"`qlikreconcile tenant disown {name}`"
            )
        elif offboarded:
            notes.append(
                f"{name}: deactivated ({tenant.decommission_at}); Qlik purges it on {purge}; "
                "remove the decommission block before then to reactivate it"
            )
        else:
            notes.append(
                f"{name}: deactivated, purged on {purge}; the spec wants it back, so it is "
                "reactivated; what it holds is planned once it can be read (the next plan)"
            )
    offboarding = {n for n, t in tenants.items() if t.decommission_purge_days is not None}
    operations = [
        kept
        for op in plan.operations
        if (kept := _keep(op, tenants.get(op.key.tenant), dormant=op.key.tenant in quiet))
    ]
    divergences = tuple(d for d in plan.divergences if divergence_tenant(d) not in offboarding)
    return dataclasses.replace(
        plan,
        operations=tuple(operations),
        divergences=divergences,
        warnings=(*plan.warnings, *notes),
    )


def _keep(op: Operation, tenant: Tenant | None, *, dormant: bool) -> Operation | None:
    """The operation as planned for an offboarded or deactivated tenant (None: dropped)."""
    if tenant is None:
        return op
    is_tenant = op.key.kind == resources.TENANT
    offboarded = tenant.decommission_purge_days is not None
    if offboarded:
        # Only the deactivation; what the tenant holds stays as it is until Qlik purges it.
        status = any(c.path == "status" for c in op.changes)
        if is_tenant and op.action is Action.UPDATE and status and not dormant:
            return _deactivation(op, tenant)
        return None
    if dormant:
        # Deactivated, wanted back: only the reactivation (the rest cannot be read yet).
        return op if is_tenant and op.action is Action.UPDATE else None
    return op
