"""The asyncio executor: runs a Plan's operations in dependency order, concurrently.

Independent operations run at once up to a global cap and a per-tenant cap; ``kind_limits`` caps
some kinds across the whole fleet (reloads: every tenant of a subscription shares one reload
queue). An operation waits for its kind's slot *before* taking a global or tenant slot, so work
of other kinds keeps flowing while it waits. An operation starts
only after every operation it depends on succeeded; when one fails, the operations depending on
it (directly or not) are skipped with a reason naming the failure, and nothing else is affected.
A stop request (SIGINT/SIGTERM in the CLI) stops new operations from starting while those in
flight settle; what never started is reported as skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from qlikreconcile.engine.gates import CheckResult, GateError
from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.plan import Operation, Plan
from qlikreconcile.engine.ports import ApplyContext, OperationRunner
from qlikreconcile.engine.report import ApplyReport, OpResult, Status
from qlikreconcile.errors import OperationError, QlikReconcileError

log = logging.getLogger(__name__)

Listener = Callable[[Operation, OpResult | None], None]
"""Called when an operation starts (result None) and when it ends (with its result)."""


async def execute(
    plan: Plan,
    runner: OperationRunner,
    *,
    idents: Mapping[ResourceKey, str] | None = None,
    global_limit: int = 16,
    tenant_limit: int = 4,
    kind_limits: Mapping[str, int] | None = None,
    stop: asyncio.Event | None = None,
    listener: Listener | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ApplyReport:
    """Run every operation of ``plan`` through ``runner`` and report each outcome."""
    ctx = ApplyContext(idents)
    stop = stop or asyncio.Event()
    global_slots = asyncio.Semaphore(max(1, global_limit))
    tenant_slots: dict[str, asyncio.Semaphore] = {}
    kind_slots = {k: asyncio.Semaphore(max(1, n)) for k, n in (kind_limits or {}).items()}
    no_cap = contextlib.nullcontext()
    done: dict[str, asyncio.Future[OpResult]] = {
        op.id: asyncio.get_running_loop().create_future() for op in plan.operations
    }

    async def run_one(op: Operation) -> OpResult:
        for dep in op.depends_on:
            if dep not in done:
                continue
            dep_result = await asyncio.shield(done[dep])
            if dep_result.status is not Status.SUCCEEDED:
                return _result(op, Status.SKIPPED, f"skipped: {dep} {dep_result.status.value}")
        slots = tenant_slots.setdefault(op.key.tenant, asyncio.Semaphore(max(1, tenant_limit)))
        async with kind_slots.get(op.key.kind, no_cap), global_slots, slots:
            if stop.is_set():
                return _result(op, Status.SKIPPED, "skipped: apply was interrupted")
            if listener:
                listener(op, None)
            started = clock()
            try:
                outcome = await runner.run(op, ctx)
            except GateError as exc:
                seconds = clock() - started
                return _result(op, Status.FAILED, str(exc), exc.detail, seconds, exc.checks)
            except OperationError as exc:
                return _result(op, Status.FAILED, str(exc), exc.detail, clock() - started)
            except QlikReconcileError as exc:
                return _result(op, Status.FAILED, str(exc), None, clock() - started)
            except Exception as exc:  # a bug must fail one operation, not the whole run
                log.exception("unexpected error in %s", op.id)
                message = f"unexpected error: {type(exc).__name__}: {exc}"
                return _result(op, Status.FAILED, message, None, clock() - started)
            if outcome.ident is not None:
                ctx.record(op.key, outcome.ident)
            seconds = clock() - started
            return _result(op, Status.SUCCEEDED, op.reason, outcome.detail, seconds, outcome.checks)

    async def settle(op: Operation) -> None:
        result = await run_one(op)
        done[op.id].set_result(result)
        if listener and result.status is not Status.SKIPPED:
            listener(op, result)

    await asyncio.gather(*(settle(op) for op in plan.operations))
    results = tuple(done[op.id].result() for op in plan.operations)
    return ApplyReport(target=plan.target, results=results, interrupted=stop.is_set())


def _result(
    op: Operation,
    status: Status,
    reason: str,
    detail: str | None = None,
    seconds: float = 0.0,
    checks: tuple[CheckResult, ...] = (),
) -> OpResult:
    return OpResult(op.id, op.key, op.action, status, reason, detail, seconds, checks)
