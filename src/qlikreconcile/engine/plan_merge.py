"""One report from the plans of several shards (``qlikreconcile show a.json b.json ...``).

A fleet planned with ``--shard I/N`` on N CI runners gives N plan files over disjoint tenants.
Merged, they read as the plan of the whole fleet: operations, divergences, holds and warnings of
every shard (a warning every shard repeats, such as the spec's own, once). Plans made against
different targets or revisions, or whose tenants overlap, are refused: their sum would be a plan
nobody made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.rollout import Rollout, Wave
from qlikreconcile.errors import PlanError


def merge_plans(plans: Sequence[Plan], names: Sequence[str] | None = None) -> Plan:
    """The plans as one; ``names`` (their files) only name them in errors."""
    if not plans:
        raise PlanError("no plan to show")
    labels = list(names or (f"plan {n + 1}" for n in range(len(plans))))
    first = plans[0]
    if len(plans) == 1:
        return first
    for label, plan in zip(labels[1:], plans[1:], strict=True):
        if plan.target != first.target:
            raise PlanError(
                f"{label} was planned against {plan.target!r}, {labels[0]} against "
                f"{first.target!r}: shards of one plan share their target"
            )
        if plan.revision != first.revision:
            raise PlanError(
                f"{label} was planned from revision {plan.revision}, {labels[0]} from "
                f"{first.revision}: plan every shard from the same commit"
            )
    seen: dict[str, str] = {}
    for label, plan in zip(labels, plans, strict=True):
        for tenant in plan.all_tenants():
            if tenant in seen:
                raise PlanError(
                    f"tenant {tenant} is in both {seen[tenant]} and {label}: shards are disjoint "
                    "(--shard I/N with the same N on every runner)"
                )
            seen[tenant] = label
    return dataclasses.replace(
        first,
        operations=tuple(op for plan in plans for op in plan.operations),
        warnings=_once(w for plan in plans for w in plan.warnings),
        tenants=tuple(sorted(t for plan in plans for t in plan.tenants)),
        observed={k: v for plan in plans for k, v in plan.observed.items()},
        context=_context(plans),
        divergences=_once(d for plan in plans for d in plan.divergences),
        unread=tuple(sorted(t for plan in plans for t in plan.unread)),
        rollout=_rollout(plans),
        held=tuple(h for plan in plans for h in plan.held),
    )


def _once(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _context(plans: Sequence[Plan]) -> dict[str, Any]:
    merged = dict(plans[0].context)
    tenants: dict[str, Any] = {}
    for plan in plans:
        tenants.update(plan.context.get("tenants") or {})
    if tenants:
        merged["tenants"] = dict(sorted(tenants.items()))
    return merged


def _rollout(plans: Sequence[Plan]) -> Rollout | None:
    rollouts = [p.rollout for p in plans if p.rollout is not None]
    if not rollouts:
        return None
    base = rollouts[0]
    members: dict[str, set[str]] = {wave.name: set() for wave in base.waves}
    for rollout in rollouts:
        for wave in rollout.waves:
            members.setdefault(wave.name, set()).update(wave.tenants)
    waves = tuple(Wave(name, tuple(sorted(tenants))) for name, tenants in members.items())
    return dataclasses.replace(base, waves=waves)
