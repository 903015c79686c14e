"""From the spec's rollout settings to the plan's: waves with their tenants, held tenants.

:func:`rollout_of` turns fleet.yaml's ``rollout:`` into the engine's
:class:`~qlikreconcile.engine.rollout.Rollout` (every tenant in its wave, guard figures not
written in fleet.yaml at their defaults). :func:`hold` applies what the spec holds back: a
tenant frozen until a later time has its operations left out of the plan and listed as held; a
template pinned below its newest release is listed as held too (its other changes still apply).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from qlikreconcile.engine.plan import Held, Plan
from qlikreconcile.engine.rollout import DEFAULT_GUARD, FailureBudget, Rollout, Threshold, Wave
from qlikreconcile.spec.desired_state import DesiredFleet


def rollout_of(fleet: DesiredFleet) -> Rollout:
    spec = fleet.rollout
    members: dict[str, list[str]] = {name: [] for name in spec.waves}
    for tenant in fleet.tenants:
        members[tenant.wave or spec.waves[-1]].append(tenant.name)
    guard = dict(DEFAULT_GUARD)
    for kind, written in spec.guard.items():
        base = guard[kind]
        guard[kind] = Threshold(
            base.share if written.share is None else written.share,
            base.count if written.count is None else written.count,
        )
    return Rollout(
        waves=tuple(Wave(name, tuple(sorted(members[name]))) for name in spec.waves),
        max_failures=FailureBudget.parse(spec.max_failures),
        guard=guard,
    )


def hold(plan: Plan, fleet: DesiredFleet, now: datetime) -> Plan:
    """The plan without the operations of frozen tenants, listing every held tenant and why."""
    held: list[Held] = []
    frozen: set[str] = set()
    for tenant in fleet.tenants:
        if tenant.freeze_until is not None and now < tenant.freeze_until:
            frozen.add(tenant.name)
            until = tenant.freeze_until.astimezone(UTC).isoformat().replace("+00:00", "Z")
            held.append(
                Held(
                    tenant.name,
                    f"frozen until {until} (freeze_until at {tenant.freeze_at})",
                    len(plan.for_tenant(tenant.name)),
                )
            )
        for app in tenant.apps:
            latest = fleet.templates[app.template].latest
            if app.pinned and latest is not None and latest.version > app.release:
                held.append(
                    Held(
                        tenant.name,
                        f"{app.name}: template {app.template} pinned to release {app.release} "
                        f"in {tenant.file}; the newest release is {latest.version}",
                    )
                )
    return dataclasses.replace(
        plan,
        operations=tuple(op for op in plan.operations if op.key.tenant not in frozen),
        observed={k: v for k, v in plan.observed.items() if k.split("/", 1)[0] not in frozen},
        held=tuple(held),
        rollout=rollout_of(fleet),
    )
