"""Applying a plan wave by wave, each wave gated on the health of the one before.

The waves come from the plan's :class:`~.rollout.Rollout`. Every wave's operations run through
the executor at once (tenants in parallel, as without waves). When the wave has ended, each of
its tenants is judged by a :data:`TenantHealth` predicate; the next wave starts only when no more
tenants failed than the failure budget allows. The first wave of a rollout with more than one is
the canary: any failure there halts. Once halted, the later waves are not started: their
operations are reported as skipped "not started", and nothing of them touches Qlik. A stop
request (interrupt) ends the rollout after the running wave too, without judging it: the later
waves are not started because of the interruption, not because of a halt.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.report import ApplyReport, OpResult, Status, WaveOutcome, WaveStatus
from qlikreconcile.engine.rollout import FailureBudget, Rollout

TenantHealth = Callable[[str, Sequence[OpResult]], str | None]
"""Whether a tenant reached health after its wave: None when it did, else the reason it did not.

Called with the tenant's name and the results of its operations in that wave (empty when it had
nothing to do). This is the extension point of the health gates: a gate that can judge a tenant
beyond its operations (data checks on the reloaded model) composes with :func:`reached_health`.
"""


def reached_health(tenant: str, results: Sequence[OpResult]) -> str | None:
    """The default gate: every operation of the tenant succeeded (its reloads reached SUCCEEDED,
    since a reload operation fails unless Qlik's reload did)."""
    for result in results:
        if result.status is not Status.SUCCEEDED:
            return f"{result.key} {result.status.value}: {result.reason}"
    return None


WaveRunner = Callable[[Plan], Awaitable[ApplyReport]]
"""Runs the part of the plan that belongs to one wave (the executor, wired by the caller)."""


async def run_waves(
    plan: Plan,
    run_wave: WaveRunner,
    *,
    budget: FailureBudget | None = None,
    health: TenantHealth = reached_health,
) -> ApplyReport:
    """Apply ``plan`` wave by wave; ``budget`` overrides the rollout's failure budget."""
    rollout = plan.rollout or Rollout.single(plan.all_tenants())
    budget = budget or rollout.max_failures
    results: dict[str, OpResult] = {}
    outcomes: list[WaveOutcome] = []
    warnings: list[str] = []
    halted: str | None = None
    interrupted = False
    last = len(rollout.waves) - 1
    for index, wave in enumerate(rollout.waves):
        ops = tuple(op for op in plan.operations if rollout.wave_of(op.key.tenant) == wave.name)
        tenants = tuple(sorted(set(wave.tenants) | {op.key.tenant for op in ops}))
        if halted or interrupted:
            cause = f"the rollout halted at {halted}" if halted else "apply was interrupted"
            why = f"not started: {cause}"
            for op in ops:
                results[op.id] = OpResult(op.id, op.key, op.action, Status.SKIPPED, why)
            outcomes.append(WaveOutcome(wave.name, WaveStatus.NOT_STARTED, tenants))
            continue
        report = (
            await run_wave(dataclasses.replace(plan, operations=ops))
            if ops
            else ApplyReport(plan.target, ())
        )
        interrupted = report.interrupted
        warnings += [w for w in report.warnings if w not in warnings]
        results.update((r.op_id, r) for r in report.results)
        failed = _unhealthy(tenants, report.results, set(plan.unread), health)
        canary = index == 0 and last > 0
        allowed = 0 if canary else budget.allowed(len(tenants))
        status = WaveStatus.FAILED if failed else WaveStatus.COMPLETED
        if len(failed) > allowed and index < last and not interrupted:
            status = WaveStatus.HALTED
            rule = (
                "a canary failure always halts" if canary else f"budget {budget} allows {allowed}"
            )
            halted = f"wave {wave.name}: {len(failed)} of {len(tenants)} tenants failed ({rule})"
        outcomes.append(WaveOutcome(wave.name, status, tenants, tuple(failed), allowed))
    return ApplyReport(
        target=plan.target,
        results=tuple(results[op.id] for op in plan.operations),
        interrupted=interrupted,
        warnings=tuple(warnings),
        waves=tuple(outcomes),
        halted=halted,
    )


def _unhealthy(
    tenants: Sequence[str],
    results: Sequence[OpResult],
    unread: set[str],
    health: TenantHealth,
) -> list[tuple[str, str]]:
    by_tenant: dict[str, list[OpResult]] = defaultdict(list)
    for result in results:
        by_tenant[result.key.tenant].append(result)
    failed = []
    for tenant in tenants:
        if tenant in unread:
            failed.append((tenant, "could not be read, so its health is unknown"))
            continue
        reason = health(tenant, by_tenant.get(tenant, []))
        if reason is not None:
            failed.append((tenant, reason))
    return failed
