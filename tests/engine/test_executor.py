"""Executor: dependency order, concurrency caps, failure skips dependents only, interruption."""

from __future__ import annotations

import asyncio

from qlikreconcile.engine.executor import execute
from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import Operation, Plan
from qlikreconcile.engine.ports import ApplyContext, Outcome
from qlikreconcile.engine.report import Status
from qlikreconcile.errors import OperationError


def op(
    tenant: str, kind: str, action: Action = Action.CREATE, deps: tuple[str, ...] = ()
) -> Operation:
    return Operation(ResourceKey(tenant, kind, "x"), action, "test", depends_on=deps)


class Recorder:
    def __init__(self, fail: set[str] | None = None, delay: float = 0.0) -> None:
        self.fail = fail or set()
        self.delay = delay
        self.order: list[str] = []
        self.running = 0
        self.peak = 0

    async def run(self, operation: Operation, ctx: ApplyContext) -> Outcome:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.delay)
            self.order.append(operation.id)
            if operation.id in self.fail:
                raise OperationError("reload FAILED", detail="Connection not found: 'dw'")
            return Outcome(ident=f"id-{operation.key.tenant}-{operation.key.kind}")
        finally:
            self.running -= 1


def chain(tenant: str) -> list[Operation]:
    a = op(tenant, "app")
    s = op(tenant, "script", Action.UPDATE, (a.id,))
    r = op(tenant, "reload", Action.RELOAD, (s.id,))
    p = op(tenant, "published", Action.PUBLISH, (r.id,))
    return [a, s, r, p]


async def test_runs_in_dependency_order_and_records_ids() -> None:
    runner = Recorder()
    report = await execute(Plan("t", tuple(chain("acme"))), runner)
    assert runner.order == [o.id for o in chain("acme")]
    assert report.ok
    assert report.counts() == {"succeeded": 4, "failed": 0, "skipped": 0}


async def test_failure_skips_dependents_only() -> None:
    ops = chain("acme") + chain("beta")
    runner = Recorder(fail={"acme/reload/x:reload"})
    report = await execute(Plan("t", tuple(ops)), runner)
    by_id = {r.op_id: r for r in report.results}
    assert by_id["acme/reload/x:reload"].status is Status.FAILED
    assert by_id["acme/reload/x:reload"].detail == "Connection not found: 'dw'"
    assert by_id["acme/published/x:publish"].status is Status.SKIPPED
    assert "acme/reload/x:reload failed" in by_id["acme/published/x:publish"].reason
    assert all(r.status is Status.SUCCEEDED for r in report.results if r.key.tenant == "beta")
    assert not report.ok


async def test_concurrency_caps_hold() -> None:
    ops = [op(f"t{i}", "app") for i in range(10)]
    runner = Recorder(delay=0.01)
    await execute(Plan("t", tuple(ops)), runner, global_limit=3)
    assert runner.peak == 3
    same_tenant = [Operation(ResourceKey("t", "app", str(i)), Action.CREATE, "x") for i in range(6)]
    runner = Recorder(delay=0.01)
    await execute(Plan("t", tuple(same_tenant)), runner, tenant_limit=2)
    assert runner.peak == 2


async def test_stop_request_skips_what_has_not_started() -> None:
    stop = asyncio.Event()
    stop.set()
    report = await execute(Plan("t", tuple(chain("acme"))), Recorder(), stop=stop)
    assert report.interrupted
    assert report.counts()["skipped"] == 4
