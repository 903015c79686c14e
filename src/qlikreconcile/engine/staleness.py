"""Stale saved plans: which tenants changed between `plan --out` and `apply FILE`.

A saved plan remembers a fingerprint of every resource its operations touch. Before applying,
the tenants are read again; a tenant where any of those fingerprints differs is refused as a
whole (its operations were planned against something that is no longer there), and the other
tenants still apply.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.state import ActualState


def stale_tenants(plan: Plan, actual: ActualState) -> dict[str, list[str]]:
    """For each stale tenant, the resources that changed since planning (as readable lines)."""
    changed: dict[str, list[str]] = defaultdict(list)
    for key_text, before in sorted(plan.observed.items()):
        key = ResourceKey.parse(key_text)
        if key.tenant in actual.unreadable or key.tenant in actual.blocked:
            changed[key.tenant].append(f"{key_text}: cannot be read now")
            continue
        now = actual.fingerprint(key)
        if now == before:
            continue
        if before == "absent":
            what = "now exists"
        elif now == "absent":
            what = "no longer exists"
        else:
            what = "changed"
        changed[key.tenant].append(f"{key_text} {what} since the plan was made")
    return dict(changed)


def without_tenants(plan: Plan, tenants: set[str]) -> Plan:
    """The plan minus every operation of ``tenants``."""
    return dataclasses.replace(
        plan,
        operations=tuple(op for op in plan.operations if op.key.tenant not in tenants),
        observed={k: v for k, v in plan.observed.items() if k.split("/", 1)[0] not in tenants},
    )
